"""The national list of divisions (graph/data/divisions.tsv), the names of earlier years (history.tsv), and a
matcher over all their names; kept between runs in the per-user cache (graph/usercache.py), from which a run
reads only the rows it asks for."""
from __future__ import annotations

import gc
import gzip
import json
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import NamedTuple, TypeVar

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
    """Divisions by code, and an Aho-Corasick automaton over every alias. Built, its tables are dicts; read from the
    cache, they are mappings that make a row when it is first asked for (_Table)."""

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
        self._towns = _towns_by_county(self.divisions)
        self._villages: dict[str, dict[str, str]] = {}  # town → village name → code
        self._village_lines_read: dict[str, bytes] = {}  # province → its lines of villages.tsv.gz
        self._village_blocks: dict[str, bytes] | None = None  # the same, every province, when the file was unpacked

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
        tables = meta and usercache.verified(folder / TABLES, meta["sha256"].get(TABLES))
        if not tables or usercache.verified(folder / AUTOMATON, meta["sha256"].get(AUTOMATON)) is None:
            return None
        gaz = cls.__new__(cls)
        try:
            gaz._restore(tables, ahocorasick.load(str(folder / AUTOMATON), _no_objects))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return gaz

    def save(self, folder: Path) -> None:
        """Save the tables and the automaton in a cache folder, for cached() to read."""
        usercache.save(folder / "gazetteer.json", {TABLES: self._tables(), AUTOMATON: self.automaton.save})

    def _tables(self) -> bytes:
        """The tables as the cache keeps them, for _restore: a line of JSON that says where each section lies in the
        bytes after it ([start, end]), then the sections. A table is three: its rows, a line each (its key, then its
        other cells, tab-separated; None and False as nothing, a tuple's items joined by |), as UTF-8; ``.starts``,
        where each row starts and where the last ends; and ``.order``, the rows' numbers in the order of their keys.
        Those two are arrays of unsigned ints, as the machine stores them (usercache's key covers its byte order).
        The sets are a line a member."""
        rows = {"divisions": ([*d] for d in self.divisions.values()),
                "aliases": ([*a] for a in self._alias_list),
                "former": ([code, *(cell for name in names for cell in name)] for code, names in self._former.items()),
                "valid": ([code, *years] for code, years in self._valid.items()),
                "old_codes": ([old, new] for old, new in self._old_codes.items()),
                "towns": ([county, towns] for county, towns in self._towns.items())}
        sections = {"common": "\n".join(sorted(self.common)).encode(), "bigrams": "\n".join(sorted(self.bigrams)).encode(),
                    "abbreviations": "\n".join(map("\t".join, self.abbreviations.items())).encode()}
        for name, table in rows.items():
            lines = [("\t".join(_cells(cells)) + "\n").encode() for cells in table]
            starts = array(_UINT, [0])
            for line in lines:
                starts.append(starts[-1] + len(line))
            keys = [line[:line.index(b"\t")] for line in lines]
            sections |= {name: b"".join(lines), f"{name}.starts": starts.tobytes(),
                         f"{name}.order": array(_UINT, sorted(range(len(keys)), key=keys.__getitem__)).tobytes()}
        layout, at = {}, 0
        for name, data in sections.items():
            layout[name] = [at, at + len(data)]
            at += len(data)
        return b"".join([json.dumps(layout).encode(), b"\n", *sections.values()])

    def _restore(self, tables: bytes, automaton) -> None:
        """Set the tables from the bytes _tables wrote, and the automaton saved with them. Nothing is parsed but the
        sets: a table's row becomes a Division, an Alias… when first asked for."""
        head = tables.index(b"\n") + 1
        layout = json.loads(tables[:head])

        def section(name: str) -> bytes:
            start, end = layout[name]
            return tables[head + start:head + end]

        def numbers(name: str) -> array:
            numbers = array(_UINT)
            numbers.frombytes(section(name))
            return numbers

        def table(name: str, parse: Callable[[list[str]], _V]) -> _Table[_V]:
            return _Table(section(name), numbers(f"{name}.starts"), numbers(f"{name}.order"), parse)

        def lines(name: str) -> list[str]:
            return section(name).decode().split("\n") if layout[name][1] > layout[name][0] else []

        self.divisions = table("divisions", _division)
        self.aliases = table("aliases", _alias)
        self._alias_list = _Numbered(self.aliases)
        self._former = table("former", _former)
        self._valid = table("valid", lambda cells: (_int(cells[1]), _int(cells[2])))
        self._old_codes = table("old_codes", lambda cells: cells[1])
        self._towns = table("towns", lambda cells: tuple(cells[1].split("|")))
        self.common, self.bigrams = frozenset(lines("common")), frozenset(lines("bigrams"))
        self.abbreviations = dict(line.split("\t") for line in lines("abbreviations"))
        self.automaton = automaton
        self._villages, self._village_lines_read, self._village_blocks, self._cache = {}, {}, None, None

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

    def towns(self, county: str) -> tuple[str, ...]:
        """The codes of the towns under a county-level division (abolished ones too), in the gazetteer's order."""
        return self._towns.get(county, ())

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
        """Village name → code for the villages and communities of one town. Its province's lines are read when a
        document first needs that province, and the town's found among them and parsed when first asked for (the
        whole file takes half a second to parse, a province a tenth of that)."""
        if town_code not in self._villages:
            lines = _town_lines(self._village_lines(town_code[:2]), town_code).decode("utf-8").splitlines()
            self._villages[town_code] = {name: code for code, name, _ in (line.split("\t") for line in lines)}
        return self._villages[town_code]

    def _village_lines(self, province: str) -> bytes:
        """One province's lines of villages.tsv.gz (code, name and town, tab-separated, in the order of the codes and
        so of the towns), read once."""
        if province not in self._village_lines_read:
            self._village_lines_read[province] = self._read_village_lines(province)
        return self._village_lines_read[province]

    def _read_village_lines(self, province: str) -> bytes:
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
        longer than reading it, so a town's lines are decoded when first needed."""
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
        """Every table's rows made and every province's villages read, now: before worker processes fork, so that
        they share them (a town's villages are parsed when first asked for, a few lines each)."""
        for table in (self.divisions, self.aliases, self._former, self._valid, self._old_codes, self._towns):
            table.items()
        for province in {code[:2] for code in self.divisions}:
            self._village_lines(province)


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


TABLES, AUTOMATON = "gazetteer.tables", "gazetteer.automaton"


def _no_objects(data: bytes):
    raise ValueError("the automaton holds integers, not objects")  # what a damaged file could ask for


def _cells(values) -> list[str]:
    return ["" if v is None or v is False else "1" if v is True else "|".join(v) if type(v) is tuple else str(v)
            for v in values]


def _int(cell: str) -> int | None:
    return int(cell) if cell else None


def _float(cell: str) -> float | None:
    return float(cell) if cell else None


def _division(cells: list[str]) -> Division:
    code, name, level, parent, name_en, lon, lat, until, successor = cells
    return Division(code, name, level, parent or None, name_en, _float(lon), _float(lat), _int(until), successor or None)


def _alias(cells: list[str]) -> Alias:
    text, codes, full, common = cells
    return Alias(text, tuple(codes.split("|")), bool(full), bool(common))


def _former(cells: list[str]) -> list[tuple[int, int | None, str]]:
    return [(int(cells[i]), _int(cells[i + 1]), cells[i + 2]) for i in range(1, len(cells), 3)]


def _towns_by_county(divisions: Mapping[str, Division]) -> dict[str, tuple[str, ...]]:
    towns: dict[str, list[str]] = {}
    for d in divisions.values():
        if d.level == "Town" and d.parent:
            towns.setdefault(d.parent, []).append(d.code)
    return {county: tuple(codes) for county, codes in towns.items()}


_V = TypeVar("_V")
_UINT = "I"  # the arrays of a cached table: unsigned ints (4 bytes wherever CPython runs)
_MISSING = -1


class _Table(Mapping[str, _V]):
    """A table of the cache (Gazetteer._tables) kept as its bytes: a row is made into its value when first asked
    for, by its key (a binary search of the keys, in the order of their UTF-8 bytes, which is that of the str) or by
    its number. A run reads only the few hundred rows its articles name. Iterating reads every row's key; values()
    and items() make every row's value, once, and keep them all."""

    def __init__(self, rows: bytes, starts: Sequence[int], order: Sequence[int], parse: Callable[[list[str]], _V]):
        self._rows = rows  # a line a row: the key, then the other cells, tab-separated
        self._starts = starts  # where each row starts, then where the last ends
        self._order = order  # the rows' numbers in the order of their keys
        self._parse = parse  # a row's cells, its key first → its value
        self._numbers: dict[object, int] = {}  # key → row number (_MISSING: none), for each key asked for
        self._made: dict[int, _V] = {}  # row number → value
        self._whole: dict[str, _V] | None = None  # every row, once values() or items() asked for them

    def __len__(self) -> int:
        return len(self._order)

    def __getitem__(self, key: str) -> _V:
        i = self._number(key)
        if i == _MISSING:
            raise KeyError(key)
        return self.row(i)

    def __contains__(self, key: object) -> bool:
        return self._number(key) != _MISSING

    def __iter__(self):
        if self._whole is not None:
            return iter(self._whole)
        return (self._key(i).decode() for i in range(len(self)))

    def values(self):
        return self._all().values()

    def items(self):
        return self._all().items()

    def row(self, i: int) -> _V:
        """The value of row number ``i``."""
        try:
            return self._made[i]
        except KeyError:
            cells = self._rows[self._starts[i]:self._starts[i + 1] - 1].decode().split("\t")
            value = self._made[i] = self._parse(cells)
            return value

    def _number(self, key: object) -> int:
        try:
            return self._numbers[key]
        except KeyError:
            pass
        i = _MISSING
        if isinstance(key, str):
            wanted = key.encode()
            at = bisect_left(self._order, wanted, key=self._key)
            if at < len(self._order) and self._key(self._order[at]) == wanted:
                i = self._order[at]
        self._numbers[key] = i
        return i

    def _key(self, i: int) -> bytes:
        start = self._starts[i]
        return self._rows[start:self._rows.index(b"\t", start)]

    def _all(self) -> dict[str, _V]:
        if self._whole is None:
            made, parse = self._made, self._parse
            whole = {}
            for i, line in enumerate(self._rows.decode().split("\n")[:-1]):
                cells = line.split("\t")
                if i not in made:
                    made[i] = parse(cells)
                whole[cells[0]] = made[i]
            self._whole = whole
        return self._whole


class _Numbered(Sequence):
    """A table's values by row number: the aliases as the automaton's integers name them."""

    def __init__(self, table: _Table):
        self._table = table

    def __len__(self) -> int:
        return len(self._table)

    def __getitem__(self, i: int):
        if not 0 <= i < len(self._table):
            raise IndexError(i)
        return self._table.row(i)


def _town_lines(lines: bytes, town: str) -> bytes:
    """The lines of one town's villages among lines of villages (code, name and town, tab-separated) in the order of
    their towns: a binary search over the bytes, each of which stands for the town of its line (a newline too)."""
    def town_at(at: int) -> bytes:
        end = lines.find(b"\n", at)
        end = len(lines) if end < 0 else end
        return lines[lines.rfind(b"\t", 0, end) + 1:end]

    every, wanted = range(len(lines)), town.encode()
    return lines[bisect_left(every, wanted, key=town_at):bisect_right(every, wanted, key=town_at)]


def _without_peoples(stem: str) -> str:
    """科克亚尔柯尔克孜族 → 科克亚尔: an ethnic township's name without the peoples it is named for, as papers write it."""
    peoples = lexicon()["names"]["peoples"]
    while True:
        people = next((p for p in peoples if stem.endswith(p) and len(stem) - len(p) >= 2), None)
        if people is None:
            return stem
        stem = stem[:-len(people)]
