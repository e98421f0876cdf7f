"""The national list of divisions (graph/data/divisions.tsv), the names of earlier years (history.tsv), and a
matcher over all their names; kept between runs in the per-user cache (graph/usercache.py)."""
from __future__ import annotations

import gc
import gzip
from contextlib import contextmanager
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import NamedTuple

from . import usercache
from .lexicon import DATA, lexicon

# what the gazetteer and the villages are made from, and the code that makes them and writes them to the cache
SOURCES = (*(DATA / name for name in ("divisions.tsv", "history.tsv", "lexicon.toml", "common_words.tsv",
                                       "common_bigrams.txt", "villages.tsv.gz")),
           Path(__file__), Path(usercache.__file__))


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


@contextmanager
def _without_gc():
    # 45,000 divisions and their aliases are a million small objects: a full garbage collection while they are
    # made would scan them all for nothing (none of them is a cycle), and took a third of the time
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


class Gazetteer:
    """Divisions by code, and an Aho-Corasick automaton over every alias."""

    def __init__(self):
        with _without_gc():
            self._build()
        self._cache: Path | None = None  # the cache folder the villages are kept in (see gazetteer())

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
        self._alias_list = list(self.aliases.values())
        self.automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)  # of integers, so that it can be saved
        for i, alias in enumerate(self._alias_list):
            if len(alias.text) >= 2:
                self.automaton.add_word(alias.text, i)
        self.automaton.make_automaton()
        with (DATA / "common_bigrams.txt").open(encoding="utf-8") as f:
            self.bigrams = frozenset(line.strip() for line in f if not line.startswith("#"))
        self.abbreviations = {ch: code for ch, code in lex["province_abbreviations"].items()}
        self._villages: dict[str, dict[str, dict[str, str]]] = {}  # province → town → village name → code
        self._village_blocks: dict[str, bytes] | None = None

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

    @classmethod
    def cached(cls, folder: Path) -> Gazetteer | None:
        """The gazetteer an earlier run saved in ``folder`` (a cache folder), if it is there and whole."""
        import ahocorasick

        meta = usercache.sidecar(folder / "gazetteer.json")
        tables = meta and usercache.verified(folder / "gazetteer.tsv", meta["sha256"].get("gazetteer.tsv"))
        if not tables or usercache.verified(folder / AUTOMATON, meta["sha256"].get(AUTOMATON)) is None:
            return None
        gaz = cls.__new__(cls)
        try:
            gaz._restore(tables, ahocorasick.load(str(folder / AUTOMATON), _no_objects))
        except (OSError, ValueError, KeyError):
            return None
        return gaz

    def save(self, folder: Path) -> None:
        """Save the tables and the automaton in a cache folder, for cached() to read."""
        usercache.save(folder / "gazetteer.json", {"gazetteer.tsv": self._tables(), AUTOMATON: self.automaton.save})

    def _tables(self) -> bytes:
        """The tables as text, a line a column: its name, then its values (None and False as nothing), tab-separated."""
        former = [(code, *name) for code, names in self._former.items() for name in names]
        columns = {**{f"division.{f}": c for f, c in zip(Division._fields, zip(*self.divisions.values()))},
                   **{f"alias.{f}": c for f, c in zip(Alias._fields, zip(*self._alias_list))},
                   "common": sorted(self.common), "bigrams": sorted(self.bigrams),
                   "abbreviation.char": self.abbreviations.keys(), "abbreviation.code": self.abbreviations.values(),
                   **dict(zip(("former.code", "former.last", "former.first", "former.name"), zip(*former))),
                   "valid.code": self._valid.keys(), "valid.first": [v[0] for v in self._valid.values()],
                   "valid.last": [v[1] for v in self._valid.values()],
                   "old_code.old": self._old_codes.keys(), "old_code.new": self._old_codes.values()}
        return "\n".join("\t".join([name, *_cells(values)]) for name, values in columns.items()).encode("utf-8")

    def _restore(self, tables: bytes, automaton) -> None:
        """Set the tables from the text _tables wrote, and the automaton saved with them."""
        col = {}
        for line in tables.split(b"\n"):  # decoded a line at a time: most columns are ASCII, which decodes fast
            name, *values = line.decode("utf-8").split("\t")
            col[name] = values
        fields = (col["division." + f] for f in Division._fields)
        code, name, level, parent, name_en, lon, lat, until, successor = fields
        self.divisions = dict(zip(code, _records(Division, zip(
            code, name, level, _nones(parent), name_en, _floats(lon), _floats(lat), _ints(until), _nones(successor),
            strict=True))))
        texts, codes = col["alias.text"], [tuple(c.split("|")) for c in col["alias.codes"]]
        self._alias_list = list(_records(Alias, zip(texts, codes, map(bool, col["alias.full"]),
                                                    map(bool, col["alias.common"]), strict=True)))
        self.aliases = dict(zip(texts, self._alias_list))
        self.common, self.bigrams = frozenset(col["common"]), frozenset(col["bigrams"])
        self.abbreviations = dict(zip(col["abbreviation.char"], col["abbreviation.code"], strict=True))
        self._former = {}
        for code, *former in zip(col["former.code"], map(int, col["former.last"]), _ints(col["former.first"]),
                                 col["former.name"], strict=True):
            self._former.setdefault(code, []).append(tuple(former))
        self._valid = dict(zip(col["valid.code"], zip(_ints(col["valid.first"]), _ints(col["valid.last"]), strict=True),
                               strict=True))
        self._old_codes = dict(zip(col["old_code.old"], col["old_code.new"], strict=True))
        self.automaton = automaton
        self._villages, self._village_blocks, self._cache = {}, None, None

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
        aliases = self._alias_list
        # iter(text, start, end) would copy the whole text on every call: a long report took minutes
        for last, i in self.automaton.iter(text[start:end]):
            alias = aliases[i]
            yield start + last + 1 - len(alias.text), start + last + 1, alias

    def villages(self, town_code: str) -> dict[str, str]:
        """Village name → code for the villages and communities of one town. The file is read on first use and
        parsed a province at a time, when a document first needs that province (the whole takes half a second)."""
        province = town_code[:2]
        if province not in self._villages:
            table: dict[str, dict[str, str]] = {}
            for line in self._village_lines(province).decode("utf-8").splitlines():
                code, name, town = line.split("\t")
                table.setdefault(town, {})[name] = code
            self._villages[province] = table
        return self._villages[province].get(town_code, {})

    def _village_lines(self, province: str) -> bytes:
        """One province's lines of villages.tsv.gz: the cache's copy when it is whole, else the file unpacked."""
        if self._village_blocks is None:
            meta = self._cache and usercache.sidecar(self._cache / "villages.json")
            if meta:
                name = f"villages-{province}.tsv"
                if (data := usercache.verified(self._cache / name, meta["sha256"].get(name))) is not None:
                    return data
            self._village_blocks = self._unpack_villages()
        return self._village_blocks.get(province, b"")

    def _unpack_villages(self) -> dict[str, bytes]:
        """Each province's lines of villages.tsv.gz, as bytes (and saved in the cache): decoding the whole file took
        longer than reading it, so a province is decoded when first needed."""
        data = gzip.decompress((DATA / "villages.tsv.gz").read_bytes())
        # sorted by code, so each province's villages are one block of lines
        provinces, starts, at = sorted({c[:2] for c in self.divisions}), [], 0
        for p in provinces:  # in the file's order: one pass over it
            if (i := data.find(b"\n" + p.encode(), at)) >= 0:
                starts.append((i + 1, p))
                at = i + 1
        blocks = dict.fromkeys(provinces, b"")
        blocks.update({p: data[a:b] for (a, p), (b, _) in zip(starts, [*starts[1:], (len(data), "")])})
        if self._cache:
            usercache.save(self._cache / "villages.json", {f"villages-{p}.tsv": lines for p, lines in blocks.items()})
        return blocks

    def preload(self) -> None:
        """Every province's villages, parsed now: before worker processes fork, so that they share them."""
        for province in {code[:2] for code in self.divisions}:
            self.villages(province)


@cache
def gazetteer() -> Gazetteer:
    """The shared gazetteer: read from the per-user cache (graph/usercache.py) when an earlier run saved it, else
    built (about a quarter of a second) and saved for the next run."""
    folder = _cache_folder()
    with _without_gc():
        gaz = Gazetteer.cached(folder) if folder else None
        if gaz is None:
            gaz = Gazetteer()
            if folder:
                gaz.save(folder)
        gaz._cache = folder
    return gaz


def _cache_folder() -> Path | None:
    import ahocorasick  # its build is part of the key: the automaton is saved in its format

    return usercache.folder(*SOURCES, Path(ahocorasick.__file__))


AUTOMATON = "gazetteer.automaton"


def _no_objects(data: bytes):
    raise ValueError("the automaton holds integers, not objects")  # what a damaged file could ask for


def _cells(values) -> list[str]:
    return ["" if v is None or v is False else "1" if v is True else "|".join(v) if type(v) is tuple else str(v)
            for v in values]


def _records(cls, rows):
    """NamedTuples made in C from rows of their fields (cls._make is a Python call a row, a fifth of a load)."""
    return map(tuple.__new__, repeat(cls), rows)


def _nones(column: list[str]) -> list[str | None]:
    return [v or None for v in column]


def _ints(column: list[str]) -> list[int | None]:
    return [int(v) if v else None for v in column]


def _floats(column: list[str]) -> list[float | None]:
    return [float(v) if v else None for v in column]


def _without_peoples(stem: str) -> str:
    """科克亚尔柯尔克孜族 → 科克亚尔: an ethnic township's name without the peoples it is named for, as papers write it."""
    peoples = lexicon()["names"]["peoples"]
    while True:
        people = next((p for p in peoples if stem.endswith(p) and len(stem) - len(p) >= 2), None)
        if people is None:
            return stem
        stem = stem[:-len(people)]
