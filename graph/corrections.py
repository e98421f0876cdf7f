"""Users' corrections: a TOML file of entries, read and checked, then applied to each document's facts after
extraction and before RDF, so that every output shows them and records each change with the fact.

Entries are tables of five arrays: ``[[suppress]]`` a fact, ``[[set]]`` a fact's values, ``[[add]]`` a fact the
text states, ``[[alias]]`` a name that means a division or park, ``[[not-a-place]]`` a name that is none.
docs/corrections.md describes every field.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from .facts import Correction, Entity, Evidence, Facts, Mention, Relation

ACTIONS = ("suppress", "set", "add", "alias", "not-a-place")
KINDS = ("pairedWith", "funds", "coBuilds")
FUNDING_KINDS = ("FiscalAid", "Donation", "Investment")
COMMON = {"note", "author", "date", "document"}
SELECTORS = {"fact", "kind", "giver", "receiver", "partners", "park", "amount", "year", "funding"}
FIELDS = {"suppress": COMMON | SELECTORS, "set": COMMON | SELECTORS | {"to"},
          "add": COMMON | {"kind", "giver", "receiver", "partners", "park", "amount", "year", "funding", "passage"},
          "alias": COMMON | {"name", "means", "park"}, "not-a-place": COMMON | {"name"}}
SETTABLE = {"amount", "year", "funding", "kind", "giver", "receiver", "partners"}
FACT_IRI = re.compile(r"https://w3id\.org/ewc/id/(pairing|funding|cobuilding)/[0-9a-f]{16}")
_HEADER = re.compile(r'^\s*\[\[\s*("?)([A-Za-z0-9_-]+)\1\s*\]\]')
_SENTENCE_END = "。！？!?\n"


class CorrectionsError(ValueError):
    """A corrections file that cannot be read at all; the message is one line."""


@dataclass(frozen=True)
class Names:
    """A place as an entry gives it: the text, and the codes of the divisions it may mean."""

    text: str
    codes: frozenset[str]


@dataclass(frozen=True)
class Entry:
    """One checked entry: its action, where it is, its values, and a digest of all three."""

    action: str
    file: str
    line: int
    values: dict
    key: str

    @property
    def where(self) -> str:
        """Where the entry is, as the graph records it: the file's name and the line (corrections.toml:12)."""
        return f"{Path(self.file).name}:{self.line}"

    @property
    def at(self) -> str:
        """Where the entry is, for messages: the file as given and the line."""
        return f"{self.file}:{self.line}"


class Corrections:
    """The entries of one or more corrections files, and what was wrong with the others (a line each)."""

    def __init__(self, entries: list[Entry] = (), problems: list[str] = (), files: list[str] = ()):
        self.entries, self.problems, self.files = list(entries), list(problems), list(files)

    def __bool__(self) -> bool:
        return bool(self.entries)

    @property
    def digest(self) -> str:
        """Changes whenever an entry, or where one stands, changes."""
        return hashlib.sha256("\n".join(e.key for e in self.entries).encode()).hexdigest()[:16]

    def apply(self, facts: Facts) -> tuple[Facts, list[str], list[str]]:
        """The document's facts as corrected; the keys of the entries that changed them; and, a line each, the
        entries that cannot apply to this document (a passage it does not hold)."""
        mine = [e for e in self.entries if _for_document(e, facts.document)]
        if not mine:
            return facts, [], []
        return _Application(facts).run(mine)


def read(paths: list[str | Path]) -> Corrections:
    """The entries of these corrections files, checked: each bad entry is left out and said in one line with its
    line number. CorrectionsError when a file cannot be read or is no TOML."""
    entries, problems = [], []
    for path in map(Path, paths):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CorrectionsError(f"{path}: not UTF-8 text") from None
        except OSError as exc:
            raise CorrectionsError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise CorrectionsError(f"{path}: not valid TOML ({exc})") from None
        lines, found = _header_lines(text), []
        for table, items in data.items():
            action = table.replace("_", "-")
            line = lines.get(table, [0])
            if action not in ACTIONS or not isinstance(items, list):
                found.append((line[0], f"{path}:{line[0]}: unknown table [{table}] (entries are [[{']], [['.join(ACTIONS)}]])"))
                continue
            for i, values in enumerate(items):
                n = line[i] if i < len(line) else line[-1]
                try:
                    values = _checked(action, values)
                except ValueError as exc:
                    found.append((n, f"{path}:{n}: {action}: {exc}"))
                    continue
                key = hashlib.sha256(json.dumps([action, path.name, n, values], ensure_ascii=False, sort_keys=True,
                                                default=_plain).encode()).hexdigest()[:16]
                entries.append(Entry(action, str(path), n, values, key))
        problems += [p for _, p in sorted(found, key=lambda f: f[0])]
    return Corrections(entries, problems, [str(p) for p in paths])


def _header_lines(text: str) -> dict[str, list[int]]:
    """Each array of tables → the line numbers of its [[headers]], in order (tomllib gives no positions)."""
    lines: dict[str, list[int]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if m := _HEADER.match(line):
            lines.setdefault(m.group(2), []).append(n)
        elif m := re.match(r"^\s*([A-Za-z0-9_-]+)\s*=\s*\[", line):  # an inline array of tables
            lines.setdefault(m.group(1), []).append(n)
    return lines


def _plain(value):
    return value.text if isinstance(value, Names) else sorted(value) if isinstance(value, frozenset) else str(value)


def _checked(action: str, values) -> dict:
    """An entry's values, checked and made plain: names resolved to divisions, amounts to yuan; ValueError says
    what is wrong."""
    if not isinstance(values, dict):
        raise ValueError("not a table")
    unknown = sorted(set(values) - FIELDS[action])
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (known: {', '.join(sorted(FIELDS[action]))})")
    if not isinstance(values.get("note"), str) or not values["note"].strip():
        raise ValueError("every entry needs a note saying why")
    out = {"note": values["note"].strip()}
    for key in ("author", "document", "passage", "name"):
        if key in values:
            if not isinstance(values[key], str) or not values[key].strip():
                raise ValueError(f"{key} must be a non-empty string")
            out[key] = values[key].strip() if key != "passage" else values[key]
    if "date" in values:
        out["date"] = _date(values["date"])
    if action in ("suppress", "set"):
        out.update(_facts_fields(values, need_kind=False))
        if not set(out) & SELECTORS:
            raise ValueError("name the fact: by its IRI (fact), or by kind, partners, amount or year")
    if action == "set":
        to = values.get("to")
        if not isinstance(to, dict) or not to:
            raise ValueError("say what to change in a table: to = { amount = \"1.2亿元\" }")
        if set(to) - SETTABLE:
            raise ValueError(f"cannot set {sorted(set(to) - SETTABLE)[0]!r} (settable: {', '.join(sorted(SETTABLE - {'kind'}))})")
        if "kind" in to:
            if to["kind"] not in FUNDING_KINDS:
                raise ValueError("a fact's kind cannot be changed; suppress it and add the right one "
                                 f"(to.kind may only be a kind of funding: {', '.join(FUNDING_KINDS)})")
            to = {**{k: v for k, v in to.items() if k != "kind"}, "funding": to["kind"]}
        out["to"] = _facts_fields(to, need_kind=False, unique=True)
    elif action == "add":
        for key in ("document", "passage", "kind"):
            if key not in values:
                raise ValueError(f"an added fact needs {key}")
        out.update(_facts_fields(values, need_kind=True, unique=True))
        kind = out["kind"]
        if kind == "funds" and not {"giver", "receiver", "amount"} <= set(out):
            raise ValueError("an added funding needs giver, receiver and amount")
        if kind == "pairedWith" and len(out.get("partners", ())) != 2:
            raise ValueError("an added pairing needs two partners")
        if kind == "coBuilds" and not ("park" in values and out.get("partners")):
            raise ValueError("an added co-building needs a park and its partners")
        if kind != "funds" and {"giver", "receiver", "amount"} & set(out):
            raise ValueError(f"a {kind} fact has no giver, receiver or amount (use partners)")
    elif action in ("alias", "not-a-place"):
        if "name" not in out:
            raise ValueError("say which name (name = \"…\")")
        if action == "alias":
            if ("means" in values) == ("park" in values):
                raise ValueError("say what the name means: a division (means = name or code) or a park (park = name)")
            if "park" in values:
                out["park"] = _facts_fields({"park": values["park"]}, need_kind=False)["park"]
            else:
                out["means"] = _division(values["means"], unique=True)
    return out


def _date(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueError(f"date must be a date (2026-12-06), not {value!r}")


def _facts_fields(values: dict, *, need_kind: bool, unique: bool = False) -> dict:
    """The fields that pick or make a fact, checked."""
    out = {}
    if "kind" in values or need_kind:
        if values.get("kind") not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {values.get('kind')!r}")
        out["kind"] = values["kind"]
    if "fact" in values:
        iri = values["fact"]
        iri = f"https://w3id.org/ewc/id/{iri}" if isinstance(iri, str) and FACT_IRI.fullmatch(f"https://w3id.org/ewc/id/{iri}") else iri
        if not isinstance(iri, str) or not FACT_IRI.fullmatch(iri):
            raise ValueError(f"{values['fact']!r} is no fact's IRI (https://w3id.org/ewc/id/funding/…, pairing/…, cobuilding/…)")
        out["fact"] = iri
    for key in ("giver", "receiver"):
        if key in values:
            out[key] = _division(values[key], unique=unique)
    if "partners" in values:
        partners = values["partners"]
        if isinstance(partners, str):
            partners = [partners]
        if not isinstance(partners, list) or not partners:
            raise ValueError("partners must be a list of names")
        out["partners"] = tuple(_division(p, unique=unique) for p in partners)
    if "park" in values:
        if not isinstance(values["park"], str) or not values["park"].strip():
            raise ValueError("park must be a park's name")
        out["park"] = values["park"].strip()
    if "amount" in values:
        out["amount"] = _amount(values["amount"])
    if "year" in values:
        year = values["year"]
        if not isinstance(year, int) or isinstance(year, bool) or not 1949 <= year <= 2100:
            raise ValueError(f"year must be a year such as 2018, not {year!r}")
        out["year"] = year
    if "funding" in values:
        if values["funding"] not in FUNDING_KINDS:
            raise ValueError(f"funding must be one of {', '.join(FUNDING_KINDS)}, not {values['funding']!r}")
        out["funding"] = values["funding"]
    return out


def _amount(value) -> float:
    """An amount in yuan: a number, or as articles write it (1.2亿元, 3000万)."""
    from .numbers import amounts

    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        text = text if text.endswith("元") else text + "元"
        found = amounts(text)
        if len(found) == 1 and found[0].start == 0 and found[0].end == len(text) and found[0].unit == "CNY":
            return found[0].value
    raise ValueError(f"amount must be yuan (120000000) or written as in articles (1.2亿元), not {value!r}")


def _division(value, *, unique: bool) -> Names:
    """A division given by name (full, short or former) or code; ValueError when it names none, or (``unique``)
    several."""
    from .gazetteer import gazetteer

    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"a place must be given by its name or code, not {value!r}")
    text, gaz = value.strip(), gazetteer()
    if text.isdigit():
        code = gaz.current(text)
        if code is None:
            raise ValueError(f"{text} is no division's code")
        return Names(text, frozenset({code}))
    alias = gaz.aliases.get(text)
    codes = frozenset(gaz.current(c) or c for c in alias.codes) if alias else frozenset()
    if not codes:
        raise ValueError(f"{text!r} is no division's name (give a division's name or code)")
    if unique and len(codes) > 1:
        shown = ", ".join(f"{gaz.divisions[c].name} {c}" for c in sorted(codes)[:5] if c in gaz.divisions)
        raise ValueError(f"{text!r} names {len(codes)} divisions ({shown}{', …' if len(codes) > 5 else ''}); give its code")
    return Names(text, codes)


def _for_document(entry: Entry, info) -> bool:
    doc = entry.values.get("document")
    return doc is None or doc in (info.id, info.name) or info.id.endswith("/" + doc)


class _Application:
    """The entries for one document applied to its facts, in the order: names (not-a-place, alias), then facts
    (suppress, set), then additions."""

    def __init__(self, facts: Facts):
        self.facts = facts
        self.entities = {e.key: e for e in facts.entities}
        self.mentions = list(facts.mentions)
        self.relations = list(facts.relations)
        self.corrections: list[Correction] = []
        self.applied: list[str] = []
        self.problems: list[str] = []

    def run(self, entries: list[Entry]):
        for action in ("not-a-place", "alias", "suppress", "set", "add"):
            for entry in (e for e in entries if e.action == action):
                if getattr(self, action.replace("-", "_"))(entry):
                    self.applied.append(entry.key)
        if not self.applied:
            return self.facts, [], self.problems
        self._prune()
        facts = replace(self.facts, entities=tuple(self.entities.values()), mentions=tuple(self.mentions),
                        relations=tuple(self.relations), corrections=tuple(self.corrections))
        return facts, self.applied, self.problems

    def _record(self, entry: Entry, **fields) -> None:
        v = entry.values
        self.corrections.append(Correction(entry.action, entry.where, v["note"], v.get("author"), v.get("date"), **fields))

    # ------------------------------------------------------------ names
    def not_a_place(self, entry: Entry) -> bool:
        name = entry.values["name"]
        hit = [m for m in self.mentions if m.text == name]
        if not hit:
            return False
        keys = {m.entity for m in hit}
        self.mentions = [m for m in self.mentions if m.text != name]
        still = {m.entity for m in self.mentions}
        gone = [self.entities[k] for k in keys - still if k in self.entities]
        suppressed = [r for r in self.relations if any(k in _parties(r) for k in keys - still)]
        self.relations = [r for r in self.relations if r not in suppressed]
        self._record(entry, name=name, removed=tuple(gone))
        for r in suppressed:
            self._record(entry, before=r, name=name, removed=tuple(gone))
        return True

    def alias(self, entry: Entry) -> bool:
        name, v = entry.values["name"], entry.values
        target = self._park(v["park"]) if "park" in v else self._place(next(iter(v["means"].codes)))
        changed, moved = False, {}
        for i, m in enumerate(self.mentions):
            if m.text == name and m.entity != target:
                moved[m.entity] = target
                self.mentions[i] = replace(m, entity=target)
                changed = True
        if not any(m.text == name for m in self.mentions):  # a name the builder did not see: its occurrences
            text = self.facts.text
            for match in re.finditer(re.escape(_folded(name)), _folded(text)):  # offsets hold: see _find
                a, b = match.span()
                inside = [m for m in self.mentions if a <= m.evidence.start and m.evidence.end <= b]  # 云南 of 七彩云南
                if any(m.evidence.start < b and a < m.evidence.end for m in self.mentions if m not in inside):
                    continue  # part of a longer name
                self.mentions = [m for m in self.mentions if m not in inside]
                self.mentions.append(Mention(target, _evidence(text, a, b, "correction-alias"), name))
                changed = True
        still = {m.entity for m in self.mentions}
        for old, new in moved.items():
            if old not in still:  # every mention of it meant the alias's place: so do its facts
                self.relations = [_repointed(r, old, new) for r in self.relations]
        if changed:
            self._record(entry, name=name, entity=target)
        return changed

    def _place(self, code: str) -> str:
        """The key of a division, added with its parents when the document did not name it."""
        from .entities import division_entity, division_key
        from .gazetteer import gazetteer

        gaz, key = gazetteer(), division_key(code)
        while code and division_key(code) not in self.entities:
            d = gaz.divisions[code]
            self.entities[division_key(code)] = division_entity(d, tuple(gaz.former_names(code)))
            code = d.parent
        return key

    def _park(self, name: str) -> str:
        key = f"park:{name}"
        self.entities.setdefault(key, Entity(key=key, name=name, type="Park"))
        return key

    # ------------------------------------------------------------ facts
    def suppress(self, entry: Entry) -> bool:
        hit = [r for r in self.relations if self._matches(r, entry.values)]
        self.relations = [r for r in self.relations if r not in hit]
        for r in hit:
            self._record(entry, before=r)
        return bool(hit)

    def set(self, entry: Entry) -> bool:
        hit = False
        for i, r in enumerate(self.relations):
            if self._matches(r, entry.values):
                new, change = self._changed(r, entry.values["to"])
                self.relations[i] = new
                self._record(entry, before=r, after=new, change=change)
                hit = True
        return hit

    def _changed(self, r: Relation, to: dict) -> tuple[Relation, str]:
        fields = {}
        if "amount" in to:
            fields["amount"] = to["amount"]
        if "year" in to:
            fields["year"] = to["year"]
        if "funding" in to and r.kind == "funds":
            fields["funding_kind"] = to["funding"]
        partners = list(r.partners)
        if r.kind == "funds":
            for i, key in ((0, "giver"), (1, "receiver")):
                if key in to:
                    partners[i] = self._place(next(iter(to[key].codes)))
        if "partners" in to:
            partners = [self._place(next(iter(p.codes))) for p in to["partners"]]
        if partners != list(r.partners):
            fields["partners"] = tuple(partners)
            if r.kind == "pairedWith" and len(partners) == 2:
                from .relations import _pair_level

                fields["level"] = _pair_level(*(self.entities[p].type for p in partners))
        new = replace(r, **fields)
        names = lambda keys: "、".join(self.entities[k].name for k in keys if k in self.entities)  # noqa: E731
        said = {"partners": names, "amount": _yuan, "funding_kind": str, "year": str}
        change = "; ".join(f"{k.replace('_kind', '')} {said[k](getattr(r, k)) if getattr(r, k) is not None else '—'} → "
                           f"{said[k](getattr(new, k))}" for k in fields if k != "level" and getattr(r, k) != getattr(new, k))
        return new, change

    def _matches(self, r: Relation, v: dict) -> bool:
        if "kind" in v and r.kind != v["kind"]:
            return False
        if "fact" in v and self._iri(r) != v["fact"]:
            return False
        if "giver" in v and not (r.kind == "funds" and self._is(r.partners[0], v["giver"])):
            return False
        if "receiver" in v and not (r.kind == "funds" and self._is(r.partners[1], v["receiver"])):
            return False
        if "partners" in v and not all(any(self._is(p, n) for p in r.partners) for n in v["partners"]):
            return False
        if "park" in v and not (r.park and self.entities.get(r.park) and self.entities[r.park].name == v["park"]):
            return False
        if "amount" in v and (r.amount is None or abs(r.amount - v["amount"]) >= 0.5):
            return False
        if "year" in v and r.year != v["year"]:
            return False
        return "funding" not in v or r.funding_kind == v["funding"]

    def _is(self, key: str, names: Names) -> bool:
        e = self.entities.get(key)
        return e is not None and (e.code in names.codes or names.text in (e.name, e.called))

    def _iri(self, r: Relation) -> str:
        from .rdf import entity_iri, fact_iri

        return fact_iri(r, {k: entity_iri(self.entities[k], self.facts.document.id) for k in _parties(r)}).value

    # ------------------------------------------------------------ additions
    def add(self, entry: Entry) -> bool:
        v, text = entry.values, self.facts.text
        at = _find(text, v["passage"])
        if at < 0:
            self.problems.append(f"{entry.at}: add: the passage is not in {self.facts.document.name}")
            return False
        end = at + len(v["passage"])
        ev = _evidence(text, at, end, "correction-add")
        given = (v["giver"], v["receiver"]) if v["kind"] == "funds" else v["partners"]
        partners = tuple(self._place(next(iter(p.codes))) for p in given)
        park = self._park(v["park"]) if v["kind"] == "coBuilds" else None
        folded = _folded(text)
        parties = [*((k, p.text) for k, p in zip(partners, given)), *([(park, v["park"])] if park else [])]
        for key, written in parties:  # each party quoted where the passage names it, else the passage
            if any(m.entity == key and at <= m.evidence.start < end for m in self.mentions):
                continue
            span = next(((i, i + len(n)) for n in (self.entities[key].name, written)
                         if (i := folded.find(_folded(n), at, end)) >= 0), (at, end))
            self.mentions.append(Mention(key, _evidence(text, *span, "correction-add"), folded[span[0]:span[1]]))
        level = None
        if v["kind"] == "pairedWith":
            from .relations import _pair_level

            level = _pair_level(*(self.entities[p].type for p in partners))
        r = Relation(v["kind"], partners, ev, park=park, level=level, year=v.get("year"), amount=v.get("amount"),
                     currency="CNY" if v["kind"] == "funds" else None,
                     funding_kind=v.get("funding", "FiscalAid") if v["kind"] == "funds" else None)
        self.relations.append(r)
        self._record(entry, after=r)
        return True

    def _prune(self) -> None:
        """Only the entities something still names, with their parents: those a name taken away alone held go."""
        if not any(c.action in ("not-a-place", "alias") for c in self.corrections):
            return
        keep = {m.entity for m in self.mentions} | {k for r in self.relations for k in _parties(r)}
        keep |= {o.about for o in self.facts.observations}
        if self.facts.document.home:
            keep.add(self.facts.document.home)
        todo = list(keep)
        while todo:
            e = self.entities.get(todo.pop())
            if e is not None and e.parent and e.parent not in keep:
                keep.add(e.parent)
                todo.append(e.parent)
        self.entities = {k: e for k, e in self.entities.items() if k in keep}
        self.mentions = [m for m in self.mentions if m.entity in self.entities]


def _yuan(amount: float) -> str:
    """An amount as articles write it: 4.6亿元, 2000万元, 800元."""
    for unit, size in (("亿元", 1e8), ("万元", 1e4)):
        if amount >= size:
            return f"{amount / size:.6g}{unit}"
    return f"{amount:.6g}元"


def _parties(r: Relation) -> tuple[str, ...]:
    return (*r.partners, *([r.park] if r.park else []))


def _repointed(r: Relation, old: str, new: str) -> Relation:
    if old not in _parties(r):
        return r
    return replace(r, partners=tuple(new if p == old else p for p in r.partners), park=new if r.park == old else r.park)


def _find(text: str, passage: str) -> int:
    """Where a passage is in a document's text: as written, or else in simplified characters and half-width
    punctuation (a user quoting a traditional page in simplified); -1 if nowhere."""
    at = text.find(passage)
    return at if at >= 0 else _folded(text).find(_folded(passage))


def _folded(text: str) -> str:
    """Simplified characters and half-width punctuation; every character keeps its place."""
    from .documents import to_simplified, width_folded

    return to_simplified(width_folded(text))


def _evidence(text: str, start: int, end: int, rule: str) -> Evidence:
    """Evidence for text[start:end] with the sentence around it (bounded, as extraction's are)."""
    s = max((text.rfind(ch, max(0, start - 500), start) for ch in _SENTENCE_END), default=-1) + 1
    ends = [i for ch in _SENTENCE_END if (i := text.find(ch, end, end + 500)) >= 0]
    e = min(ends) + 1 if ends else min(len(text), end + 500)
    return Evidence(start, end, max(s, start - 500), e, rule)


def correct(action: str, file: str | Path = "corrections.toml", **values) -> int:
    """Append a checked entry to a corrections file, as ``kg correct`` does: ``correct("suppress", giver="云南省",
    receiver="文山州", amount="12亿元", note="…")``; returns its line. ValueError says what is wrong with it."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    return append(file, action, {"date": datetime.date.today(), **values})


def append(path: str | Path, action: str, values: dict) -> int:
    """Append one entry to a corrections file (made if missing), after checking it as a build would; returns
    its line. ValueError says what is wrong with the entry; CorrectionsError, with the file."""
    from .files import atomic_write

    _checked(action, values)
    path = Path(path)
    try:
        before = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise CorrectionsError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    if before:
        try:
            tomllib.loads(before)
        except tomllib.TOMLDecodeError as exc:
            raise CorrectionsError(f"{path}: not valid TOML ({exc}); mend it before adding to it") from None
    lead = "" if not before else "\n" if before.endswith("\n") else "\n\n"
    line = (before + lead).count("\n") + 1
    block = f"[[{action}]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in values.items() if v not in (None, "", [], {}))
    atomic_write(path, (before + lead + block).encode("utf-8"))
    return line


def _toml(value) -> str:
    """A value in TOML: strings, integers, dates, lists and inline tables."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_toml, value)) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
