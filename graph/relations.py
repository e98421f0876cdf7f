"""Relations between the entities of one document: pairedWith, funds, coBuilds, and reported figures.

``relate`` is pure; it reads the spans that ``entities.recognise`` found and returns facts whose
evidence points into the original text.
"""
from __future__ import annotations

import re
from functools import cache

from .documents import Document
from .entities import Found, Span
from .facts import DIVISION_LEVELS, Observation, Relation
from .lexicon import lexicon
from .numbers import amounts, counts, years

_CLAUSE = re.compile(r"[,;:]")
_PLACE_TYPES = set(DIVISION_LEVELS)


@cache
def _rules() -> dict:
    rel, deixis = lexicon()["relations"], lexicon()["deixis"]
    verbs = rel["funding_verbs"]
    return {
        "pairing": sorted(rel["pairing"], key=len, reverse=True),
        "connectors": set(rel["connectors"]),
        "verbs": re.compile("|".join(sorted(map(re.escape, verbs), key=len, reverse=True))),
        "verb_kind": verbs,
        "prepositions": set(rel["receiver_prepositions"]),
        "cumulative": rel["cumulative"],
        "cobuild": sorted(rel["cobuild"], key=len, reverse=True),
        "pair_deixis": sorted(deixis["pair"], key=len, reverse=True),
    }


def relate(doc: Document, found: Found) -> tuple[list[Relation], list[Observation]]:
    """All relations and figures of a document (pure)."""
    relations: list[Relation] = []
    observations: list[Observation] = []
    types = {k: e.type for k, e in found.entities.items()}
    last_pairs: dict[str, tuple[str, str]] = {}  # level -> the pair named last, for 两省, 两市, 双方
    fused = {(s, e): (a, b) for s, e, a, b in found.fused_pairs}
    for s, e in doc.sentences:
        spans = [sp for sp in found.spans if s <= sp.start < e]
        places = _places(spans, found)
        year = _year(doc, s, e)
        sentence_pairs = []
        for (fs, fe), (a, b) in fused.items():
            if s <= fs < e:
                sentence_pairs.append((a, b, fs, fe, "fused-abbreviation-pair"))
        if any(w in doc.clean[s:e] for w in _rules()["pairing"]):
            sentence_pairs += _pairs_in_sentence(doc, places)
        seen = set()
        for a, b, ps, pe, rule in sentence_pairs:
            if a == b or frozenset((a, b)) in seen:
                continue
            seen.add(frozenset((a, b)))
            relations.append(Relation("pairedWith", (a, b), doc.evidence(ps, pe, rule),
                                      level=_pair_level(types[a], types[b]), year=year))
        for a, b, *_ in sentence_pairs:
            last_pairs[_pair_level(types[a], types[b])] = last_pairs["any"] = (a, b)
        funds, used = _fundings(doc, s, e, places, year)
        relations += funds
        relations += _cobuilds(doc, s, e, spans, found, last_pairs)
        observations += _observations(doc, s, e, spans, used, year)
    return relations, observations


def _places(spans: list[Span], found: Found) -> list[Span]:
    """Place mentions in order; a written-out chain (云南省文山州富宁县) counts as its last, most specific place."""
    out: list[Span] = []
    for sp in spans:
        if sp.type not in _PLACE_TYPES or any(o.start <= sp.start < o.end for o in out):
            continue
        if out and out[-1].end == sp.start and out[-1].key in _ancestors(found, sp.key):
            sp = Span(out[-1].start, sp.end, sp.key, sp.type, sp.rule, out[-1].text + sp.text)
            out[-1] = sp
        else:
            out.append(sp)
    return out


def _ancestors(found: Found, key: str) -> list[str]:
    out, e = [], found.entities.get(key)
    while e is not None and e.parent:
        out.append(e.parent)
        e = found.entities.get(e.parent)
    return out


def _pair_level(a: str, b: str) -> str:
    return a if a == b else "Mixed"


def _year(doc: Document, s: int, e: int) -> int | None:
    """The year a sentence speaks of: its own 20xx年, else the one that leads its paragraph."""
    found = years(doc.clean, s, e)
    if found:
        return found[0][2]
    para = next(((ps, pe) for ps, pe in doc.paragraphs if ps <= s < pe), None)
    if para:
        lead = years(doc.clean, para[0], min(para[1], para[0] + 12))
        if lead and not doc.clean.startswith("以来", lead[0][1]):
            return lead[0][2]
    return None


def _pairs_in_sentence(doc: Document, places: list[Span]):
    """A与B、C与D结对 / 深圳市与百色市、河池市 / A对口帮扶B: who pairs with whom in one sentence."""
    text, rules = doc.clean, _rules()
    out = []
    left = None
    for prev, sp in zip(places, places[1:]):
        gap = text[prev.end:sp.start].strip()
        nxt = places[places.index(sp) + 1] if sp is not places[-1] else None
        followed_by_connector = nxt is not None and text[sp.end:nxt.start].strip() in rules["connectors"]
        if gap in rules["connectors"]:
            left = prev
            out.append((left.key, sp.key, left.start, sp.end, "pairing-connector"))
        elif gap in ("、", ",") and left is not None and not followed_by_connector:
            out.append((left.key, sp.key, left.start, sp.end, "pairing-list"))
        elif len(gap) <= 8 and any(w in gap for w in rules["pairing"]) and not re.search(r"[,、]", gap):
            out.append((prev.key, sp.key, prev.start, sp.end, "pairing-verb"))
            left = None
        else:
            left = None
    return out


def _fundings(doc: Document, s: int, e: int, places: list[Span], year: int | None):
    """X向Y援助/捐赠/投入…N元, X支援Y…N元, X拿出N元支持Y: giver, receiver, amount, year, kind."""
    text, rules = doc.clean, _rules()
    out, used = [], set()
    floor, giver = s, None
    cumulative = any(w in text[s:e] for w in rules["cumulative"])
    for q in amounts(text, s, e):
        if q.value < 1000:
            continue
        verbs = [m for m in rules["verbs"].finditer(text, floor, q.start)]
        after = [m for m in rules["verbs"].finditer(text, q.end, _clause_end(text, q.end, e))]
        verb = verbs[-1] if verbs else None
        if verb is None:
            floor = q.end
            continue
        candidates = [sp for sp in places if floor <= sp.start and sp.end <= verb.start()]
        subject = next((sp for sp in reversed(candidates) if _subject_gap(text, sp, verb.start(), rules)), None)
        giver = subject or giver
        receiver = None
        if giver is not None:
            receiver = next((sp for sp in candidates if sp.start > giver.start and
                             text[sp.start - 1:sp.start] in rules["prepositions"] | {"在"}), None)
        if receiver is None:
            receiver = next((sp for sp in places if verb.end() <= sp.start < q.start and sp.start - verb.end() <= 3), None)
        if receiver is None and after:
            receiver = next((sp for sp in places if after[0].end() <= sp.start <= after[0].end() + 2), None)
        floor = q.end
        if giver is None or receiver is None or giver.key == receiver.key:
            continue
        kind = rules["verb_kind"][verb.group()]
        if "捐" in text[s:q.end]:
            kind = "Donation"
        own = [y for y in years(text, s, q.start)]
        when = own[-1][2] if own else year
        if cumulative or (own and text.startswith("以来", own[-1][1])):
            when = None
        out.append(Relation("funds", (giver.key, receiver.key), doc.evidence(giver.start, q.end, "funding-verb"),
                            year=when, amount=q.value, currency=q.unit, funding_kind=kind))
        used.add((q.start, q.end))
    return out, used


def _clause_end(text: str, pos: int, end: int) -> int:
    m = _CLAUSE.search(text, pos, end)
    return m.start() if m else end


def _subject_gap(text: str, sp: Span, verb_start: int, rules) -> bool:
    """Between a giver and its verb: a year, 政府, 还… but no list or second party."""
    gap = text[sp.end:verb_start]
    return len(gap) <= 15 and not re.search(r"[、,;与和及]", gap) and text[sp.start - 1:sp.start] not in rules["prepositions"]


def _cobuilds(doc: Document, s: int, e: int, spans: list[Span], found: Found, last_pairs):
    """Parks built together: partners from the park's name (富(富平)丹(丹阳)) and the builders (A与B共建, 两省共建)."""
    text, rules = doc.clean, _rules()
    out = []
    triggers = [(m.start(), m.end()) for w in rules["cobuild"] for m in re.finditer(re.escape(w), text[s:e])]
    for sp in (sp for sp in spans if sp.type == "Park"):
        partners = list(found.park_partners.get(sp.key, ()))
        before = [t for t in triggers if s + t[1] <= sp.start]
        if before:
            t0 = s + before[0][0]
            clause_start = max([s] + [m.end() for m in _CLAUSE.finditer(text, s, t0)])
            builders = [p.key for p in _places(spans, found) if clause_start <= p.start and p.end <= t0]
            if not builders:
                builders = list(_pair_deixis(text[clause_start:t0], last_pairs))
            partners += builders
        partners = list(dict.fromkeys(partners))
        if len(partners) >= 2 and (before or len(found.park_partners.get(sp.key, ())) >= 2):
            out.append(Relation("coBuilds", tuple(partners), doc.evidence(sp.start, sp.end, "cobuild"), park=sp.key))
    return out


_DEIXIS_LEVEL = {"省": "Province", "市": "City", "县": "County", "区": "County", "地": "any", "方": "any"}


def _pair_deixis(text: str, last_pairs) -> tuple[str, ...]:
    """两省 → the provinces named last as a pair, 两市 → the cities, 两地/双方 → whichever pair came last."""
    for word in _rules()["pair_deixis"]:
        if word in text:
            level = "Province" if word.startswith("两省") else _DEIXIS_LEVEL.get(word[-1], "any")
            return last_pairs.get(level, ())
    return ()


def _observations(doc: Document, s: int, e: int, spans: list[Span], used: set, year):
    """Figures (236对镇, 135家企业, 49.72亿元) about the nearest place or program before them in the clause."""
    text, out = doc.clean, []
    for q in counts(text, s, e) + amounts(text, s, e):
        if (q.start, q.end) in used:
            continue
        clause_start = max([s] + [m.end() for m in _CLAUSE.finditer(text, s, q.start)])
        about = [sp for sp in spans if clause_start <= sp.start and sp.end <= q.start]
        if not about:
            continue
        label = text[about[-1].start:min(e, q.end + 4)]
        out.append(Observation(about[-1].key, q.value, q.unit, label, doc.evidence(q.start, q.end, "figure"), year=year))
    return out
