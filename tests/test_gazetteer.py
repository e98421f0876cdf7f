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


def test_a_renamed_county_is_found_by_its_former_name_and_named_as_it_was():
    gaz = gazetteer()
    assert gaz.aliases["金坛市"].codes == ("320413",) and gaz.aliases["金坛市"].full
    assert gaz.name_at("320413", 2010) == "金坛市" and gaz.name_at("320413", 2020) == "金坛区"
    assert gaz.name_at("320413") == "金坛区" and gaz.valid("320413") == (2015, None)
    assert gaz.current("320482") == "320413"  # 金坛市's own code of before 2015
    for old, code, new in [("子长县", "610681", "子长市"), ("奉化市", "330213", "奉化区"), ("兴仁县", "522302", "兴仁市"),
                           ("康定县", "513301", "康定市"), ("高淳县", "320118", "高淳区"), ("户县", "610118", "鄠邑区")]:
        assert gaz.aliases[old].codes == (code,) and gaz.aliases[old].full, old
        assert gaz.divisions[code].name == new and gaz.name_at(code, 2008) == old and gaz.name_at(code, 2023) == new


def test_an_abolished_township_is_a_town_of_its_own_under_its_county_of_today():
    gaz = gazetteer()
    # the towns of 2010 are in no package on PyPI or npm: the earliest town list read is 2015's, where 汉滨区 of
    # 安康市 still had 大同镇 (merged into 恒口镇 in 2016)
    town = next(c for c in gaz.aliases["大同镇"].codes if c.startswith("6109"))
    d = gaz.divisions[town]
    assert (d.code, d.level, d.until) == ("610902106", "Town", 2016)
    assert gaz.ancestors(town) == ["610902", "610900", "610000"]  # 汉滨区 → 安康市 → 陕西省
    assert gaz.successor(town) == "610902107" and gaz.divisions["610902107"].name == "恒口镇"
    assert gaz.valid(town) == (None, 2016) and gaz.name_at(town, 2010) == gaz.name_at(town, 2020) == "大同镇"
    assert gaz.successor("610902107") is None and gaz.divisions["610902107"].until is None


def test_an_abolished_district_and_a_code_taken_since():
    gaz = gazetteer()
    d = gaz.divisions["110103"]  # 崇文区, merged into 东城区 in 2010
    assert (d.name, d.level, d.parent, d.successor, d.until) == ("崇文区", "County", "110000", "110101", 2010)
    assert gaz.aliases["闸北"].codes == ("310108",) and not gaz.aliases["闸北"].full  # a safe short form
    # 万盛区 (500110) went into 綦江区, which has its code now: the abolished one is keyed by its 12-digit code
    assert gaz.divisions["500110"].name == "綦江区" and gaz.aliases["綦江县"].codes == ("500110",)
    assert gaz.aliases["万盛区"].codes == ("500110000000",) and gaz.successor("500110000000") == "500110"
    assert not [d for code, d in gaz.divisions.items() if code != d.code]


def test_the_hand_list_of_former_names_adds_what_the_data_lacks(monkeypatch):
    import graph.gazetteer as module

    lex = dict(module.lexicon())
    for old, (current, parent) in lex["former_names"].items():  # what is left there still resolves
        assert old in gazetteer().aliases, old
    lex["former_names"] = {"旧富平县": ["富平县", "渭南市"], "金坛市": ["金坛区", "常州市"]}
    monkeypatch.setattr(module, "lexicon", lambda: lex)
    gaz = module.Gazetteer()
    assert gaz.aliases["旧富平县"].codes == ("610528",) and gaz.aliases["旧富平县"].full
    assert gaz.aliases["金坛市"].codes == ("320413",)  # the data and the hand list agree: one code


def test_english_names_are_official_for_provinces_and_tell_divisions_apart():
    gaz = gazetteer()
    en = {d.name: d.name_en for d in gaz.divisions.values() if d.level == "Province"}
    assert en["陕西省"] == "Shaanxi Province" and en["山西省"] == "Shanxi Province"
    assert en["内蒙古自治区"] == "Inner Mongolia Autonomous Region" and en["西藏自治区"] == "Tibet Autonomous Region"
    assert en["广西壮族自治区"] == "Guangxi Zhuang Autonomous Region" and en["新疆维吾尔自治区"] == "Xinjiang Uygur Autonomous Region"
    assert gaz.divisions["610600"].name_en == "Yan'an City"  # an apostrophe where a syllable opens with a, o or e
    assert {d.name_en for d in gaz.divisions.values() if d.until and d.name == "天安街道"} == {"Tian'an Subdistrict"}  # abolished too
    seen: dict[tuple, str] = {}
    clashes = []
    for d in gaz.divisions.values():
        if d.until is None:  # divisions of today (an abolished one never stood beside its namesake)
            other = seen.setdefault((d.level, d.parent, d.name_en), d.name)
            if other != d.name:
                clashes.append((d.name, other, d.name_en))
    assert clashes == []  # homophones under one parent carry tone marks: 清河镇 Qīnghé Town, 庆和镇 Qìnghé Town
