from graph.gazetteer import gazetteer


def test_every_level_is_present_with_parents():
    gaz = gazetteer()
    levels = {}
    for d in gaz.divisions.values():
        levels[d.level] = levels.get(d.level, 0) + 1
    assert levels["Province"] == 31 and levels["City"] >= 330 and levels["County"] >= 2800 and levels["Town"] >= 38000
    assert gaz.ancestors("610528") == ["610500", "610000"]  # 富平县 → 渭南市 → 陕西省


def test_aliases_short_former_and_common():
    gaz = gazetteer()
    assert gaz.aliases["富平"].codes == ("610528",) and not gaz.aliases["富平"].full
    assert gaz.aliases["金坛市"].codes == ("320413",)  # renamed 金坛区 in 2015
    assert gaz.aliases["延长"].common and gaz.aliases["合作"].common
    assert len(gaz.aliases["鼓楼区"].codes) == 4
    assert gaz.divisions["610528"].name_en == "Fuping County" and gaz.divisions["610528"].lat is not None


def test_villages_of_a_town():
    gaz = gazetteer()
    town = next(d.code for d in gaz.divisions.values() if d.name == "文安驿镇" and d.parent == "610622")
    assert "梁家河村" in gaz.villages(town)


def test_groupings_of_counties_are_not_cities():
    gaz = gazetteer()
    assert gaz.divisions["500229"].parent == "500000"  # 城口县 lies directly in 重庆市
    assert not [d for d in gaz.divisions.values() if d.level == "City" and d.name in ("县", "市辖区")]
    assert gaz.ancestors("441900101") == ["441900", "440000"]  # 东莞市 has towns but no counties


def test_a_county_record_named_as_its_city_is_the_city():
    gaz = gazetteer()
    assert gaz.aliases["嘉峪关市"].codes == ("620200",) and "620201" not in gaz.divisions
    town = next(d for d in gaz.divisions.values() if d.name == "峪泉镇" and d.code.startswith("6202"))
    assert gaz.ancestors(town.code) == ["620200", "620000"]


def test_a_window_is_scanned_with_offsets_into_the_whole_text():
    gaz = gazetteer()
    text = "富平县与丹阳市结对。" * 3
    whole = list(gaz.scan(text))
    assert whole and all(text[s:e] == alias.text for s, e, alias in whole)
    for start, end in ((0, 10), (3, 14), (10, 30), (11, 13)):
        assert list(gaz.scan(text, start, end)) == [h for h in whole if start <= h[0] and h[1] <= end], (start, end)
