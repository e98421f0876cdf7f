import pytest

from graph.numbers import amounts, counts, parse_number, unit_of, years


@pytest.mark.parametrize("text, value", [("4.5亿元", 450_000_000), ("2000万元", 20_000_000), ("1.05亿元", 105_000_000),
                                         ("两千万元", 20_000_000), ("300余万元", 3_000_000), ("1,200元", 1200),
                                         ("49.72亿元", 4_972_000_000), ("2.24亿元", 224_000_000),
                                         ("二十二亿八千万元", 2_280_000_000), ("1亿2000万元", 120_000_000),
                                         ("一亿零五百万元", 105_000_000)])
def test_amounts_in_yuan(text, value):
    [q] = amounts("资金" + text)
    assert q.value == value and q.unit == "CNY"


def test_other_currencies_keep_their_code():
    assert [q.unit for q in amounts("捐赠50万美元")] == ["USD"]


def test_counts_and_years():
    assert [(q.value, q.unit) for q in counts("236对镇和111对村,3.05万条")] == [(236, "对"), (111, "对"), (30500, "条")]
    assert [y for _, _, y in years("2017年以来,是2.25倍,2018年")] == [2017, 2018]


def test_chinese_numerals():
    assert parse_number("一千二百三十") == 1230
    assert parse_number("十五") == 15
    assert parse_number("三点五") == 3.5


def test_money_without_yuan_after_a_word_for_funds():
    assert [(q.value, q.unit) for q in amounts("投入帮扶资金5000万,惠及3万人")] == [(50_000_000, "CNY")]
    assert amounts("带动就业3万人次") == []


def test_the_unit_a_table_heading_counts_money_in():
    assert [unit_of(h) for h in ("资金（万元）", "2021年援助资金(亿元)", "金额（元）", "项目数（个）", "资金（千万元）")] == \
        [10_000, 100_000_000, 1, None, 10_000_000]


def test_a_number_too_long_for_a_float_is_no_number():  # tests/test_properties.py: 400 digits read as infinity
    with pytest.raises(ValueError):
        parse_number("1" * 400)
    assert amounts("资金" + "9" * 305 + "亿元") == [] and amounts("投入" + "1" * 400 + "元") == []
    assert counts("1" * 400 + "人") == []


def test_a_number_before_a_long_run_of_spaces_is_read_in_time():  # tests/test_properties.py: four \s* side by side
    import time  # tried every split of a table's spaces, for minutes

    start = time.perf_counter()
    assert counts("5" * 400 + "\t" * 120 + "x") == [] and amounts("5" * 400 + " " * 120 + "x") == []
    assert time.perf_counter() - start < 5
    assert [q.value for q in amounts("资金5000 多 万 元")] == [50_000_000]
