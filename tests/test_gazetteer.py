import functools
import gzip
import hashlib
import json
import os
import shutil
import subprocess

import pytest

import graph.gazetteer as module
from graph.gazetteer import Gazetteer, gazetteer
from graph.lexicon import DATA
from tests.conftest import FIXTURES


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


def test_the_villages_of_every_town_are_those_of_the_file():
    with gzip.open(DATA / "villages.tsv.gz", "rt", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
    assert [town for _, _, town in rows] == sorted(town for _, _, town in rows)  # what Gazetteer.villages relies on
    wanted: dict[str, dict[str, str]] = {}
    for code, name, town in rows:
        wanted.setdefault(town, {})[name] = code
    gaz = gazetteer()
    assert {town: gaz.villages(town) for town in wanted} == wanted
    ends = [f"{p}0000000" for p in {t[:2] for t in wanted}] + [f"{p}9999999" for p in {t[:2] for t in wanted}]
    assert all(gaz.villages(t) == {} for t in ["610622", "6106221", "61062210300", *ends])


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


# The per-user cache (graph/usercache.py): a gazetteer read from it is the one built, whatever happened to it.

SENTENCES = ["江苏省2017年支援陕西省扶贫协作资金4.5亿元。", "富平县与丹阳市结对，金坛市、子长县、鼓楼区和万盛区。",
             "延长县合作社在文安驿镇梁家河村", "苏陕协作：宁商生物医药产业园落户商洛市商州区。"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A gazetteer built and saved with its villages into a cache folder of its own: (the gazetteer, the folder)."""
    folder = tmp_path_factory.mktemp("cache") / "key"
    built = Gazetteer()
    built._cache = folder
    built.save(folder)
    built.preload()  # unpacks the villages, and saves them
    return built, folder


def tables(gaz: Gazetteer) -> tuple:
    return gaz.divisions, gaz.aliases, gaz._former, gaz._valid, gaz._old_codes, gaz._towns


def state(gaz: Gazetteer) -> str:
    """Everything a gazetteer holds, in order and with its types (1 is not 1.0 nor True)."""
    return repr(([list(table.items()) for table in tables(gaz)], list(gaz._alias_list), sorted(gaz.common),
                 sorted(gaz.bigrams), gaz.abbreviations))


def test_a_gazetteer_read_from_the_cache_is_the_one_built(saved):
    built, folder = saved
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["gazetteer.json", "gazetteer.tables", "gazetteer.automaton", "villages.json"]
        + [f"villages-{p}.tsv" for p in {c[:2] for c in built.divisions}])
    loaded = Gazetteer.cached(folder)
    assert loaded is not None and state(loaded) == state(built)
    assert sorted(loaded.automaton.items()) == sorted(built.automaton.items())
    for text in SENTENCES:
        assert list(loaded.scan(text)) == list(built.scan(text)) != [], text
        assert list(loaded.scan(text, 3, 12)) == list(built.scan(text, 3, 12)), text
    assert loaded.name_at("320413", 2010) == "金坛市" and loaded.former_names("610681") == built.former_names("610681")
    loaded._cache = folder
    town = next(d.code for d in loaded.divisions.values() if d.name == "文安驿镇" and d.parent == "610622")
    assert list(loaded.villages(town).items()) == list(built.villages(town).items()) and "梁家河村" in loaded.villages(town)
    assert loaded._village_blocks is None  # read from the cache's copy, not unpacked again
    loaded.preload()
    assert loaded._village_lines_read == built._village_lines_read and len(loaded._village_lines_read) == 31
    towns = [t for county in ("610622", "320481", "110101") for t in built.towns(county)]
    assert [loaded.villages(t) for t in towns] == [built.villages(t) for t in towns] and all(towns)


def test_a_cached_gazetteer_makes_only_the_rows_asked_for_and_they_are_the_built_ones(saved):
    built, folder = saved
    lazy = Gazetteer.cached(folder)
    assert all(table._made == {} and table._whole is None for table in tables(lazy))  # nothing made yet
    # today's divisions, abolished ones (崇文区, 大同镇, 万盛区 by its 12-digit code), one left out (620201) and none
    codes = ["610528", "320413", "610681", "110103", "610902106", "610902107", "500110", "500110000000", "620201",
             "441900101", "", "61", "6105280", "999999", *list(built.divisions)[::997]]
    olds = ["320482", *list(built._old_codes)[::97]]  # codes of earlier years
    for code in codes + olds:
        for asked, wanted in zip(tables(lazy), tables(built)):
            assert (code in asked) == (code in wanted), code
            assert repr(asked.get(code)) == repr(wanted.get(code)), code  # 1 is not 1.0 nor True
        for year in (None, 2008, 2015, 2023):
            if code in built.divisions or code in built._old_codes:
                assert lazy.name_at(code, year) == built.name_at(code, year), (code, year)
        assert lazy.current(code) == built.current(code) and lazy.valid(code) == built.valid(code), code
        assert lazy.successor(code) == built.successor(code) and lazy.ancestors(code) == built.ancestors(code), code
        assert lazy.towns(code) == built.towns(code), code
        if code in built.divisions:
            assert lazy.former_names(code) == built.former_names(code), code
    assert lazy.current("320482") == "320413" and lazy.towns("610622") and lazy.divisions["110103"].until == 2010
    texts = ["富平", "富平县", "金坛市", "万盛区", "鼓楼区", "延长", "北京", "北京市", "大同镇", "不是地名", "",
             *list(built.aliases)[::97]]
    for text in texts:
        assert repr(lazy.aliases.get(text)) == repr(built.aliases.get(text)), text
    for i in range(0, len(built._alias_list), 997):
        assert lazy._alias_list[i] == built._alias_list[i]
    assert lazy.divisions.get(610528) is None and None not in lazy.aliases  # not a str: in no table
    with pytest.raises(KeyError):
        lazy.divisions["620201"]
    with pytest.raises(IndexError):
        lazy._alias_list[len(built._alias_list)]
    made = len(lazy.divisions._made)
    assert 0 < made < len(codes) + 200 and lazy.divisions._whole is None  # the rows asked for and their ancestors
    assert lazy.divisions["610528"] is lazy.divisions["610528"]  # made once
    # iterating: every key, in the built order, without making the values
    for asked, wanted in zip(tables(lazy), tables(built)):
        assert list(asked) == list(wanted) and len(asked) == len(wanted)
    assert len(lazy.divisions._made) == made
    # values() and items() make every row, once; the rows made before are kept
    early = lazy.divisions["610528"]
    for asked, wanted in zip(tables(lazy), tables(built)):
        assert repr(list(asked.items())) == repr(list(wanted.items())) and list(asked.values()) == list(wanted.values())
        assert dict(asked) == dict(wanted) and asked == wanted
    assert dict(lazy.divisions.items())["610528"] is early is lazy.divisions["610528"]
    assert [lazy._alias_list[i] for i in range(len(built._alias_list))] == list(built._alias_list)


def test_a_county_s_towns_are_its_towns_of_today_and_the_abolished(saved):
    built, _ = saved
    towns = built.towns("610902")  # 汉滨区
    assert "610902106" in towns and "610902107" in towns  # 大同镇 (abolished in 2016) and 恒口镇
    assert set(towns) == {d.code for d in built.divisions.values() if d.level == "Town" and d.parent == "610902"}
    assert built.towns("610000") == () and built.towns("no such code") == ()
    assert sum(map(len, built._towns.values())) == sum(d.level == "Town" and bool(d.parent) for d in built.divisions.values())


@pytest.mark.parametrize("damage", ["tables cut short", "a name changed", "tables missing", "automaton cut short",
                                    "automaton byte changed", "sidecar not JSON", "sidecar without sums"])
def test_a_damaged_cache_is_not_read_and_is_built_again(saved, tmp_path, monkeypatch, damage):
    built, folder = saved
    monkeypatch.delenv("KG_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    copy = module._cache_folder()
    shutil.copytree(folder, copy)
    tables, automaton, sidecar = copy / "gazetteer.tables", copy / "gazetteer.automaton", copy / "gazetteer.json"
    if damage == "tables cut short":
        tables.write_bytes(tables.read_bytes()[:100_000])
    elif damage == "a name changed":  # which the tables' own form would not show
        tables.write_bytes(tables.read_bytes().replace("富平县".encode(), "富干县".encode(), 1))
    elif damage == "automaton cut short":
        automaton.write_bytes(automaton.read_bytes()[:-1000])
    elif damage == "automaton byte changed":
        data = bytearray(automaton.read_bytes())
        data[len(data) // 2] ^= 0xFF
        automaton.write_bytes(bytes(data))
    elif damage == "tables missing":
        tables.unlink()
    elif damage == "sidecar not JSON":
        sidecar.write_bytes(b'{"sha256": {"gazetteer.tables": ')
    else:
        sidecar.write_text(json.dumps({"files": []}))
    assert Gazetteer.cached(copy) is None
    gaz = module.gazetteer.__wrapped__()  # what gazetteer() does in a new process
    assert state(gaz) == state(built) and gaz._cache == copy
    assert (rebuilt := Gazetteer.cached(copy)) is not None and state(rebuilt) == state(built)


def test_a_damaged_province_of_villages_is_unpacked_again(saved, tmp_path):
    built, folder = saved
    copy = tmp_path / "key"
    shutil.copytree(folder, copy)
    lines = copy / "villages-61.tsv"
    lines.write_bytes(lines.read_bytes()[:-5000])
    gaz = Gazetteer.cached(copy)
    gaz._cache = copy
    town = next(d.code for d in gaz.divisions.values() if d.name == "文安驿镇" and d.parent == "610622")
    assert gaz.villages(town) == built.villages(town) and gaz._village_blocks is not None  # unpacked
    towns = [d.code for d in built.divisions.values() if d.level == "Town" and d.code.startswith("61")]
    assert [gaz.villages(t) for t in towns] == [built.villages(t) for t in towns]
    meta = json.loads((copy / "villages.json").read_text())
    assert hashlib.sha256(lines.read_bytes()).hexdigest() == meta["sha256"]["villages-61.tsv"]  # and saved whole again


def test_a_changed_data_file_makes_a_new_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("KG_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    extra = tmp_path / "extra.tsv"
    extra.write_text("a\n")
    monkeypatch.setattr(module, "SOURCES", (*module.SOURCES, extra))
    first = module._cache_folder()
    module.gazetteer.__wrapped__()
    extra.write_text("b\n")
    second = module._cache_folder()
    assert second != first and second.parent == first.parent and not second.exists()
    module.gazetteer.__wrapped__()
    assert Gazetteer.cached(first) is not None and Gazetteer.cached(second) is not None
    extra.write_text("a\n")
    assert module._cache_folder() == first


def test_the_cache_key_covers_every_file_the_gazetteer_reads(monkeypatch):
    import pathlib

    read = set()
    opened = pathlib.Path.open

    def spy(self, *args, **kwargs):
        read.add(pathlib.Path(self).resolve())
        return opened(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "open", spy)
    monkeypatch.setattr(module, "lexicon", functools.cache(module.lexicon.__wrapped__))  # read again, not remembered
    gaz = Gazetteer()
    gaz.villages("610622103")
    assert DATA / "lexicon.toml" in read and DATA / "villages.tsv.gz" in read
    assert read <= {p.resolve() for p in module.SOURCES}


def test_an_unwritable_cache_folder_is_no_error(tmp_path, monkeypatch):
    (tmp_path / "cache").write_text("a file where the cache folder would be")  # refused to root as well
    monkeypatch.delenv("KG_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    gaz = module.gazetteer.__wrapped__()
    assert gaz.aliases["富平"].codes == ("610528",) and "梁家河村" in gaz.villages("610622103")
    assert [p.name for p in tmp_path.iterdir()] == ["cache"]


def test_kg_cache_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    gaz = module.gazetteer.__wrapped__()
    assert gaz._cache is None and "梁家河村" in gaz.villages("610622103")
    gaz.preload()
    assert list(tmp_path.iterdir()) == []


def test_kg_extract_says_the_same_with_a_cold_cache_a_warm_one_and_none(kg, tmp_path):
    article = FIXTURES / "articles" / "blind-minning-2018-07-16.txt"
    env = {k: v for k, v in os.environ.items() if k != "KG_CACHE"} | {"XDG_CACHE_HOME": str(tmp_path)}
    outputs = []
    for extra in ({}, {}, {"KG_CACHE": "off"}):
        r = subprocess.run([kg, "extract", str(article)], capture_output=True, env=env | extra, timeout=300)
        assert r.returncode == 0 and r.stderr == b"", r.stderr
        outputs.append(r.stdout)
        assert (tmp_path / "ewc-graph").is_dir()  # written by the first run
    assert outputs[0] == outputs[1] == outputs[2] and b'"relations"' in outputs[0]
