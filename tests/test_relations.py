from graph.documents import parse
from graph.entities import recognise
from graph.relations import relate

HEAD = "标题\n\n2020-05-06 08:00|来源:{src}|编辑:某某\n\n"


def facts(text, src="广西日报"):
    doc = parse(HEAD.format(src=src) + text, "t.txt")
    found = recognise(doc)
    relations, observations = relate(doc, found)
    name = lambda k: found.entities[k].name
    out = set()
    for r in relations:
        if r.kind == "pairedWith":
            out.add(("pairedWith", frozenset(map(name, r.partners)), r.level, r.year))
        elif r.kind == "funds":
            out.add(("funds", name(r.partners[0]), name(r.partners[1]), r.amount, r.year, r.funding_kind))
        else:
            out.add(("coBuilds", name(r.park), frozenset(map(name, r.partners))))
    return out, observations


def pairs(out):
    return {f[1] for f in out if f[0] == "pairedWith"}


def P(*names):
    return frozenset(names)


def test_list_of_city_pairs_in_one_sentence():
    out, _ = facts("深圳市与百色市、河池市,广州市与梧州市、河池市,东莞市与贺州市,佛山市与来宾市结对帮扶。")
    assert pairs(out) == {P("深圳市", "百色市"), P("深圳市", "河池市"), P("广州市", "梧州市"), P("广州市", "河池市"),
                          P("东莞市", "贺州市"), P("佛山市", "来宾市")}


def test_pairs_joined_by_a_and_b_and_c_and_d():
    out, _ = facts("2019年,南京市与商洛市、苏州市与汉中市分别结对。")
    assert pairs(out) == {P("南京市", "商洛市"), P("苏州市", "汉中市")}
    assert all(f[2] == "City" and f[3] == 2019 for f in out if f[0] == "pairedWith")


def test_directional_pairing_verb():
    out, _ = facts("上海市嘉定区对口帮扶云南省文山壮族苗族自治州富宁县。")
    assert pairs(out) == {P("嘉定区", "富宁县")}


def test_no_pairing_without_a_pairing_word_or_between_counts():
    out, _ = facts("江苏省与陕西省签署了合作协议。陕西省56个贫困县与江苏省51个县结对。")
    assert pairs(out) == set()


def test_fused_pair_is_a_province_pairing():
    out, _ = facts("闽宁协作20多年来成效显著。", src="宁夏日报")
    assert pairs(out) == {P("福建省", "宁夏回族自治区")}


def test_funding_giver_receiver_amount_year_kind():
    out, _ = facts("江苏省2017年支援陕西省扶贫协作资金4.5亿元,是上年的2.25倍。"
                   "2018年,深圳市向百色市捐赠2000万元。")
    assert ("funds", "江苏省", "陕西省", 450_000_000, 2017, "FiscalAid") in out
    assert ("funds", "深圳市", "百色市", 20_000_000, 2018, "Donation") in out


def test_funding_year_from_the_paragraph_lead_and_none_when_cumulative():
    out, _ = facts("2019年,各项工作扎实推进。广州市支援毕节市财政资金3亿元。\n  截至目前,广东省累计向广西壮族自治区投入财政援助资金50亿元。")
    assert ("funds", "广州市", "毕节市", 300_000_000, 2019, "FiscalAid") in out
    assert ("funds", "广东省", "广西壮族自治区", 5_000_000_000, None, "FiscalAid") in out


def test_vague_giver_gives_no_funding():
    out, _ = facts("江苏省有关县(区)、镇政府还另行筹措财政资金1.05亿元,定向支持对口帮扶县发展产业。")
    assert not [f for f in out if f[0] == "funds"]


def test_cobuilt_park_partners_from_name_and_builders():
    out, _ = facts("苏陕两省深化协作。两省共建富(富平)丹(丹阳)产业园。", src="陕西日报")
    assert ("coBuilds", "富丹产业园", frozenset({"富平县", "丹阳市", "江苏省", "陕西省"})) in out


def test_figures_are_observations_of_the_place_before_them():
    _, observations = facts("江苏省135家企业在陕投资。")
    assert [(o.about, o.value, o.unit) for o in observations] == [("division:320000", 135, "家")]
