"""The national list of divisions (graph/data/divisions.tsv), the names of earlier years (history.tsv), and a
matcher over all their names."""
from __future__ import annotations

import gc
import gzip
from functools import cache
from typing import NamedTuple

from .lexicon import DATA, lexicon


class Division(NamedTuple):  # tuples: the gazetteer makes 90,000 of these and aliases, and so loads faster
    code: str
    name: str
    level: str
    parent: str | None
    name_en: str
    lon: float | None
    lat: float | None
    until: int | None = None  # an abolished division: the last year it is known (None: it exists today)
    successor: str | None = None  # an abolished division: the code of the one it was merged into, when known


class Alias(NamedTuple):
    """One spelling of one or more divisions: full (富平县), short (富平) or former (子长县)."""

    text: str
    codes: tuple[str, ...]
    full: bool
    common: bool  # also an everyday word (延长, 合作): needs more than the name alone


class Gazetteer:
    """Divisions by code, and an Aho-Corasick automaton over every alias."""

    def __init__(self):
        # 45,000 divisions and their aliases are a million small objects: a full garbage collection while they are
        # made would scan them all for nothing (none of them is a cycle), and took a third of the time
        paused = gc.isenabled()
        gc.disable()
        try:
            self._build()
        finally:
            if paused:
                gc.enable()

    def _build(self):
        import ahocorasick

        self.divisions: dict[str, Division] = {}
        aliases: dict[str, dict[str, bool]] = {}  # text -> code -> full

        def add(text: str, code: str, full: bool):
            aliases.setdefault(text, {}).setdefault(code, full)

        with (DATA / "divisions.tsv").open(encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
        names = {row[0]: row[1] for row in rows}
        # A county-level record named as its own prefecture city (嘉峪关市 620201 under 620200) is the city's
        # 市辖区 record, not a second place: articles mean the city, and its towns belong to it.
        own_district = {row[0]: row[3] for row in rows if row[2] == "County" and names.get(row[3]) == row[1]}
        for code, name, level, parent, shorts, lon, lat, name_en in rows:
            if code in own_district:
                continue
            parent = own_district.get(parent, parent)
            self.divisions[code] = Division(code, name, level, parent or None, name_en,
                                            float(lon) if lon else None, float(lat) if lat else None)
            add(name, code, True)
            for short in filter(None, shorts.split("|")):
                add(short, code, False)
            if level == "Town" and name.endswith("族乡"):
                add(_without_peoples(name[:-1]) + "乡", code, False)
        lex = lexicon()
        by_name = {}
        for d in self.divisions.values():
            by_name.setdefault(d.name, []).append(d.code)
        needs_sign: set[str] = set()  # former names that, like everyday words, need more than the name alone
        self._read_history(add, own_district, by_name, needs_sign)
        for table, full in (("former_names", True), ("aliases", False)):  # the hand lists: what history.tsv lacks
            for old, (current, parent) in lex[table].items():
                for code in self.resolve(current, parent, by_name):
                    add(old, code, full)
        common = set(lex["common_words"]["extra"])
        with (DATA / "common_words.tsv").open(encoding="utf-8") as f:
            common |= {line.split("\t")[0] for line in f if not line.startswith("#")}
        self.common = frozenset(common)
        self.aliases = {
            text: Alias(text, tuple(codes), any(codes.values()), text in common or text in needs_sign)
            for text, codes in aliases.items()
        }
        self.automaton = ahocorasick.Automaton()
        for text, alias in self.aliases.items():
            if len(text) >= 2:
                self.automaton.add_word(text, alias)
        self.automaton.make_automaton()
        with (DATA / "common_bigrams.txt").open(encoding="utf-8") as f:
            self.bigrams = frozenset(line.strip() for line in f if not line.startswith("#"))
        self.abbreviations = {ch: code for ch, code in lex["province_abbreviations"].items()}
        self._villages = None

    def _read_history(self, add, own_district: dict[str, str], by_name: dict[str, list[str]],
                      needs_sign: set[str]) -> None:
        """Names of earlier years (scripts/make_history.py): a renamed division's former names and codes point at
        it; an abolished one is a division of its own, under its parent's code of today. A former name that is
        today's name of another division is left to that one (县级铜仁市, now 碧江区, is not 铜仁市; 城关镇, now
        文岩街道, is one of the 城关镇 of today), but for an abolished division among several of its level of that
        name. One that is an everyday word is no alias; one that holds one (新建县), or an abolished division's short
        form (鼓浪屿), needs a strong sign (Alias.common)."""
        rank = {"Province": 0, "City": 1, "County": 2, "Town": 3}
        divisions = self.divisions

        def taken(name: str, code: str, level: str, abolished: bool) -> bool:
            holders = by_name.get(name)
            return bool(holders) and code not in holders and (
                not abolished or len(holders) == 1 or min(rank[divisions[h].level] for h in holders) < rank[level])

        def names(code: str, name: str, level: str, shorts: str, word: str, abolished: bool) -> None:
            if word != "word" and not taken(name, code, level, abolished):
                add(name, code, True)
                if word == "common" and name not in by_name:
                    needs_sign.add(name)
            for short in filter(None, shorts.split("|")):
                add(short, code, False)
                if abolished:
                    needs_sign.add(short)
            if level == "Town" and name.endswith("族乡"):
                short = _without_peoples(name[:-1]) + "乡"
                if not taken(short, code, level, abolished):
                    add(short, code, False)

        self._former: dict[str, list[tuple[int, int | None, str]]] = {}  # code → [(last, first, name)]
        self._valid: dict[str, tuple[int | None, int | None]] = {}
        self._old_codes: dict[str, str] = {}  # a code of an earlier year that is no code today → today's code
        with (DATA / "history.tsv").open(encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
        year = lambda s: int(s) if s else None  # noqa: E731
        for row in rows:  # the abolished first: former names may point at them
            if row[0] == "ABOLISHED":
                _, code, name, level, first, last, key, parent, successor, name_en, shorts, word = row
                first, last, parent = year(first), year(last), own_district.get(parent, parent)
                successor = own_district.get(successor, successor)
                self.divisions[key] = Division(key, name, level, parent or None, name_en, None, None, last,
                                               successor or None)
                self._valid[key] = (first, last)
                self._former.setdefault(key, []).append((last, first, name))
                names(key, name, level, shorts, word, True)
                if key != code:
                    self._old_codes.setdefault(code, key)
        for row in rows:
            if row[0] == "RENAME":
                _, code, name, level, first, last, to = row[:7]
                to = own_district.get(to, to)
                if to not in self.divisions:
                    continue
                first, last = year(first), year(last)
                self._former.setdefault(to, []).append((last, first, name))
                names(to, name, level, row[10], row[11], False)
                if code not in self.divisions:
                    self._old_codes.setdefault(code, to)
                    was = self._valid.get(code)
                    self._valid[code] = (first, last) if was is None else \
                        (None if None in (was[0], first) else min(was[0], first), max(was[1], last))
            elif row[0] == "CURRENT":
                self._valid[own_district.get(row[1], row[1])] = (year(row[4]), None)
        for former in self._former.values():
            former.sort(key=lambda n: (n[0], n[1] or 0))

    def current(self, code: str) -> str | None:
        """The gazetteer's code for a code of any year (320482, 金坛市 until 2015 → 320413), None if unknown."""
        return code if code in self.divisions else self._old_codes.get(code)

    def name_at(self, code: str, year: int | None = None) -> str:
        """The name a division had in a year (320413 in 2010 → 金坛市, in 2020 → 金坛区; in the year of a change,
        the earlier name); its name today when nothing earlier is known or year is None. An abolished division
        keeps its last name. ``code`` may also be a code of an earlier year."""
        code = self.current(code) or code
        if year is not None:
            for last, first, name in self._former.get(code, ()):
                if year <= last and (first is None or year >= first):
                    return name
        return self.divisions[code].name

    def former_names(self, code: str) -> list[tuple[str, int | None, int]]:
        """The earlier names of a division, each with the first (None: before the lists read) and last year of use."""
        current = self.divisions[code].name if code in self.divisions else ""
        # not the lists' own spellings of the same name: 红寺堡区红寺堡镇, or 孙各庄乡 for 孙各庄满族乡
        return [(name, first, last) for last, first, name in self._former.get(code, ())
                if not name.endswith(current) and _without_peoples(current[:-1]) + current[-1:] != name]

    def valid(self, code: str) -> tuple[int | None, int | None]:
        """(first, last) year a division's present name (or an abolished division, or an earlier code) is known
        to be in use; None where open: in the earliest list read (2000 for counties and above, 2015 for towns),
        or still in use."""
        return self._valid.get(code, (None, None))

    def successor(self, code: str) -> str | None:
        """The code of the division an abolished one was merged into, when known; None otherwise."""
        d = self.divisions.get(code)
        return d.successor if d else None

    def resolve(self, name: str, parent: str, by_name: dict[str, list[str]]) -> list[str]:
        parents = set(by_name.get(parent, ()))
        return [c for c in by_name.get(name, ()) if parents & set(self.ancestors(c))]

    def ancestors(self, code: str) -> list[str]:
        """Codes of the parent, grandparent, … of a division (not the division itself)."""
        out, d = [], self.divisions.get(code)
        while d is not None and d.parent and d.parent not in out and d.parent != code:
            out.append(d.parent)
            d = self.divisions.get(d.parent)
        return out

    def scan(self, text: str, start: int = 0, end: int | None = None):
        """Every alias occurrence in text[start:end] as (start, end, Alias), overlapping ones included."""
        # iter(text, start, end) would copy the whole text on every call: a long report took minutes
        for last, alias in self.automaton.iter(text[start:end]):
            yield start + last + 1 - len(alias.text), start + last + 1, alias

    def villages(self, town_code: str) -> dict[str, str]:
        """Village name → code for the villages and communities of one town. The file is read on first use and
        parsed a province at a time, when a document first needs that province (the whole takes half a second)."""
        if self._villages is None:
            # bytes, decoded a province at a time: decoding the whole file took longer than reading it
            self._village_bytes = data = gzip.decompress((DATA / "villages.tsv.gz").read_bytes())
            # sorted by code, so each province's villages are one block of lines
            starts, at = [], 0
            for p in sorted({c[:2] for c in self.divisions}):  # in the file's order: one pass over it
                if (i := data.find(b"\n" + p.encode(), at)) >= 0:
                    starts.append((i + 1, p))
                    at = i + 1
            self._village_blocks = {p: (a, b) for (a, p), (b, _) in zip(starts, [*starts[1:], (len(data), "")])}
            self._villages = {}
        province = town_code[:2]
        if province not in self._villages:
            table: dict[str, dict[str, str]] = {}
            start, end = self._village_blocks.get(province, (0, 0))
            for line in self._village_bytes[start:end].decode("utf-8").splitlines():
                code, name, town = line.split("\t")
                table.setdefault(town, {})[name] = code
            self._villages[province] = table
        return self._villages[province].get(town_code, {})

    def preload(self) -> None:
        """Every province's villages, parsed now: before worker processes fork, so that they share them."""
        for province in {code[:2] for code in self.divisions}:
            self.villages(province)


@cache
def gazetteer() -> Gazetteer:
    """The shared gazetteer (built once per process, about half a second)."""
    return Gazetteer()


def _without_peoples(stem: str) -> str:
    """科克亚尔柯尔克孜族 → 科克亚尔: an ethnic township's name without the peoples it is named for, as papers write it."""
    peoples = lexicon()["names"]["peoples"]
    while True:
        people = next((p for p in peoples if stem.endswith(p) and len(stem) - len(p) >= 2), None)
        if people is None:
            return stem
        stem = stem[:-len(people)]
