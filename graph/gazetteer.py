"""The national list of divisions (graph/data/divisions.tsv) and a matcher over all their names."""
from __future__ import annotations

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


class Alias(NamedTuple):
    """One spelling of one or more divisions: full (富平县), short (富平) or former (子长县)."""

    text: str
    codes: tuple[str, ...]
    full: bool
    common: bool  # also an everyday word (延长, 合作): needs more than the name alone


class Gazetteer:
    """Divisions by code, and an Aho-Corasick automaton over every alias."""

    def __init__(self):
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
        for table, full in (("former_names", True), ("aliases", False)):
            for old, (current, parent) in lex[table].items():
                for code in self.resolve(current, parent, by_name):
                    add(old, code, full)
        common = set(lex["common_words"]["extra"])
        with (DATA / "common_words.tsv").open(encoding="utf-8") as f:
            common |= {line.split("\t")[0] for line in f if not line.startswith("#")}
        self.common = frozenset(common)
        self.aliases = {
            text: Alias(text, tuple(codes), any(codes.values()), text in common)
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
            self._village_text = text = gzip.decompress((DATA / "villages.tsv.gz").read_bytes()).decode("utf-8")
            # sorted by code, so each province's villages are one block of lines
            starts, at = [], 0
            for p in sorted({c[:2] for c in self.divisions}):  # in the file's order: one pass over it
                if (i := text.find("\n" + p, at)) >= 0:
                    starts.append((i + 1, p))
                    at = i + 1
            self._village_blocks = {p: (a, b) for (a, p), (b, _) in zip(starts, [*starts[1:], (len(text), "")])}
            self._villages = {}
        province = town_code[:2]
        if province not in self._villages:
            table: dict[str, dict[str, str]] = {}
            start, end = self._village_blocks.get(province, (0, 0))
            for line in self._village_text[start:end].splitlines():
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
