"""Relations between the entities of one document: pairedWith, funds, coBuilds, and reported figures.

``relate`` is pure; it reads the spans that ``entities.recognise`` found and returns facts whose
evidence points into the original text.
"""
from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from functools import cache

from .documents import Document
from .entities import Found, Span
from .facts import DIVISION_LEVELS, Observation, Relation
from .lexicon import lexicon
from .numbers import Quantity, amounts, counts, parse_number, unit_of, years

_CLAUSE = re.compile(r"[,;:]")
_YEARS = re.compile(r"(?:19|20)\d{2}年(?:[、和](?:19|20)\d{2}年)*")
_MONTH = re.compile(r"(?<![\d年])\d{1,2}月")
_PLACE_TYPES = set(DIVISION_LEVELS)
_DEIXIS_LEVEL = {"省": "Province", "市": "City", "县": "County", "区": "County", "地": "any", "方": "any"}


@cache
def _rules() -> dict:
    rel, deixis = lexicon()["relations"], lexicon()["deixis"]
    by_length = lambda words: sorted(words, key=len, reverse=True)  # noqa: E731
    adverbs = "|".join(map(re.escape, by_length(rel["adverbs"])))
    linking = "|".join(map(re.escape, by_length(rel["linking_verbs"])))
    return {
        "pairing": rel["pairing"],
        "connector_gap": re.compile(rf"(?:{adverbs})*(?:{'|'.join(map(re.escape, rel['connectors']))})"),
        "linking_gap": re.compile(rf"(?:{adverbs})*(?:{linking})"),
        "linking_end": re.compile(rf"(?:{linking})$"),
        "linking_then_of": re.compile(rf"(?:{linking})(?:关系)?的"),
        "connector_chars": set(rel["connectors"]),
        "parallel_gap": re.compile(rf"(?:(?:等|[两二三四五六七八九十\d]+个?)[省市区县州盟旗镇乡村]+(?:{adverbs})*|(?:{adverbs})*分别)"
                                   rf"(?:{'|'.join(map(re.escape, rel['connectors']))}|{linking})"),
        "verbs": re.compile("|".join(map(re.escape, by_length(rel["funding_verbs"])))),
        "verb_kind": rel["funding_verbs"],
        "prepositions": set(rel["receiver_prepositions"]),
        "receiver_after": tuple(by_length(rel["receiver_after"])),
        "eastern": set(rel["eastern_provinces"]),
        "not_funding_before": tuple(rel["not_funding_before"]),
        "organisations": tuple(rel["organisations"]),
        "cumulative": re.compile("|".join(map(re.escape, rel["cumulative"] + ["以来"]))),
        "relative_years": rel["relative_years"],
        "relative": re.compile("|".join(map(re.escape, rel["relative_years"]))),
        "cobuild": by_length(rel["cobuild"]),
        "zones": set(lexicon()["names"]["zones"]),
        "table_givers": tuple(rel["table_givers"]),
        "table_receivers": tuple(rel["table_receivers"]),
        "table_totals": tuple(rel["table_totals"]),
        "table_money": tuple(rel["table_money"]),
        "pair_deixis": by_length(deixis["pair"]),
    }


def relate(doc: Document, found: Found) -> tuple[list[Relation], list[Observation]]:
    """All relations and figures of a document (pure)."""
    relations: list[Relation] = []
    observations: list[Observation] = []
    types = {k: e.type for k, e in found.entities.items()}
    last_pairs: dict[str, tuple[str, str]] = {}  # level -> the pair named last, for 两省, 两市, 双方
    last_funding, paragraph, carried = None, None, False
    starts = [sp.start for sp in found.spans]  # the spans are in order: a sentence's are found by binary search
    fused = sorted(found.fused_pairs)
    for s, e in doc.sentences:
        if paragraph is None or not paragraph[0] <= s < paragraph[1]:
            paragraph = doc.paragraph_at(s) or (s, e)
            last_funding, carried = None, False
        spans = found.spans[bisect.bisect_left(starts, s):bisect.bisect_left(starts, e)]
        places = _places(spans, found, doc.clean)
        pairs = [(a, b, fs, fe, "fused-abbreviation-pair")
                 for fs, fe, a, b in fused[bisect.bisect_left(fused, (s,)):bisect.bisect_left(fused, (e,))]]
        # 廉江市对口融水县,吴川市对口三江县;茂南、电白两区共同帮扶金秀县: clauses after ; go on saying so
        says_pairing = any(w in doc.clean[s:e] for w in _rules()["pairing"]) or carried
        carried = says_pairing and doc.clean[e - 1] == ";"
        if says_pairing:
            pairs += _pairs_in_sentence(doc, places)
        seen = set()
        for a, b, ps, pe, rule in pairs:
            if a == b or frozenset((a, b)) in seen:
                continue
            seen.add(frozenset((a, b)))
            relations.append(Relation("pairedWith", (a, b), doc.evidence(ps, pe, rule),
                                      level=_pair_level(types[a], types[b]), year=_year(doc, s, e, e)))
            last_pairs[_pair_level(types[a], types[b])] = last_pairs["any"] = (a, b)
        funds, used, last_funding = _fundings(doc, s, e, places, pairs, found, last_funding)
        relations += funds
        relations += _cobuilds(doc, s, e, spans, found, last_pairs)
        observations += _observations(doc, s, e, spans, used)
    for table in doc.tables:
        relations += _table(doc, table, found, types)
    return relations, observations


_HELPERS = re.compile(r"帮扶(?:县|市|区|州|旗|镇|乡|街道)")


def _table(doc: Document, rows, found: Found, types: dict[str, str]) -> list[Relation]:
    """A table's rows: who gave how much to whom (a heading with 资金 and a unit), and pairs when the heading or the
    caption above says the rows are pairs (结对, 对口). Givers and receivers by their headings, else by the east."""
    rules, text = _rules(), doc.clean
    heading = [text[a:b] for a, b in rows[0]]
    at = bisect.bisect_right(doc.paragraphs, (rows[0][0][0], math.inf)) - 1  # the heading's line; the caption is above
    above = doc.paragraphs[at - 1] if at > 0 else None
    caption = text[slice(*above)] if above and above[1] - above[0] <= 60 and "。" not in text[slice(*above)] else ""
    receiver = next((i for i, h in enumerate(heading) if any(w in h for w in rules["table_receivers"])), None)
    # 帮扶方, or 帮扶县(区) beside 受帮扶县: a column of places that help
    giver = next((i for i, h in enumerate(heading) if i != receiver and (any(w in h for w in rules["table_givers"])
                                                                         or _HELPERS.match(h))), None)
    money = next(((i, unit) for i, h in enumerate(heading)
                  if (unit := unit_of(h)) and any(w in h for w in rules["table_money"])), None)
    pairing = any(w in h for h in heading + [caption] for w in rules["pairing"]) or (
        giver is not None and bool(_HELPERS.match(heading[giver])))  # 帮扶县 and 受帮扶县: places paired
    when = years(heading[money[0]]) if money else []
    year = when[0][2] if when else next((y for _, _, y in years(caption)), None)
    kind = next((k for verb, k in rules["verb_kind"].items() if money and verb in heading[money[0]]), "FiscalAid")
    starts = [sp.start for sp in found.spans]
    out = []
    for row in rows[1:]:
        if any(text[a:b].strip() in rules["table_totals"] for a, b in row):
            continue
        places = {i: ps[-1] for i, (a, b) in enumerate(row)  # not the 宁 of 闽宁 in a project's name
                  if (ps := [p for p in _places(found.spans[bisect.bisect_left(starts, a):bisect.bisect_left(starts, b)],
                                                found, text) if p.rule != "fused-abbreviation"])}
        if giver is not None and receiver is not None:
            ends = (places.get(giver), places.get(receiver))
        elif giver is None and receiver is None and len(places) == 2:  # 帮扶单位 beside 实施地点 names no receiver
            a, b = places.values()
            east = [sp for sp in (a, b) if _province(found, sp.key) in rules["eastern"]]
            ends = (east[0], b if east[0] is a else a) if len(east) == 1 else (None, None)
        else:
            continue
        if None in ends or ends[0].key == ends[1].key:
            continue
        g, r = ends
        evidence = doc.evidence(row[0][0], row[-1][1], "table-row")
        if pairing:
            out.append(Relation("pairedWith", (g.key, r.key), evidence, level=_pair_level(types[g.key], types[r.key]),
                                year=year))
        if money and money[0] < len(row):
            cell = text[slice(*row[money[0]])].strip()
            if re.fullmatch(r"\d[\d,]*(?:\.\d+)?", cell):
                out.append(Relation("funds", (g.key, r.key), evidence, year=year, currency="CNY", funding_kind=kind,
                                    amount=parse_number(cell) * money[1]))
    return out


def _places(spans: list[Span], found: Found, text: str) -> list[Span]:
    """Place mentions in order; a written-out chain (云南省文山州富宁县, 日照经开区北京路街道) counts as its last,
    most specific place."""
    out: list[Span] = []
    for sp in spans:
        if sp.type not in _PLACE_TYPES or any(o.start <= sp.start < o.end for o in out):
            continue
        if out and (out[-1].end == sp.start or text[out[-1].end:sp.start] in _rules()["zones"]) \
                and out[-1].key in _ancestors(found, sp.key):
            out[-1] = Span(out[-1].start, sp.end, sp.key, sp.type, sp.rule, out[-1].text + sp.text)
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


def _year(doc: Document, s: int, e: int, pos: int) -> int | None:
    """The year a statement at ``pos`` speaks of: the last time word before it in its sentence decides — a
    20xx年, 今年/去年 from the article's date, or 累计/以来 (no single year); else the year that opens a
    sentence of the paragraph, else the article's year for a date like 5月."""
    text, rules = doc.clean, _rules()
    published = int(doc.date[:4]) if doc.date else None
    # the last word before pos that says when: a year, a year relative to the article, or 累计/以来
    marks = [(a, b, y) for a, b, y in years(text, s, pos)]
    marks += [(m.start(), m.end(), "cumulative") for m in rules["cumulative"].finditer(text, s, pos)
              if not re.match(r"截[至止]\d{1,2}月", text[m.start():m.start() + 6])]  # 截至5月底 stays in its year
    year_ends = {b for _, b, _ in marks}
    marks += [(m.start(), m.end(), published + rules["relative_years"][m.group()]) for m in rules["relative"].finditer(text, s, pos)
              if published and m.start() not in year_ends]  # 2018年上半年 is 2018
    if marks:
        start, end, what = max(marks, key=lambda m: (m[1], m[0]))
        if what == "cumulative":
            adjacent = next((m for m in marks if m[1] == start and m[2] != "cumulative"), None)
            # 今年以来 is within this year; 2017年以来 and 累计 are not one year
            if text[start:end] == "以来" and adjacent and adjacent[2] == published \
                    and text[adjacent[0]:adjacent[1]] in rules["relative_years"]:
                return published
            return None
        if not text.startswith("以来", end):
            return what
        return None
    para = doc.paragraph_at(s)
    # a year that opens a sentence of the paragraph (2019年, …; 分省份看,今年…) holds until another one does
    first = bisect.bisect_left(doc.sentences, (para[0],)) if para else 0
    lead = [y for a, b in doc.sentences[first:bisect.bisect_right(doc.sentences, (s, math.inf))]
            if para and (y := _opening_year(text, a, min(b, a + 12), published)) is not None]
    if lead:
        return lead[-1]
    if published and _MONTH.match(text, s):
        return published
    return None


def _opening_year(text: str, a: int, b: int, published: int | None) -> int | None:
    """The first 20xx年 (or 今年, 去年… when the article is dated) in text[a:b], unless 以来 follows it."""
    marks = [(start, end, y) for start, end, y in years(text, a, b)]
    if published:
        marks += [(m.start(), m.end(), published + _rules()["relative_years"][m.group()])
                  for m in _rules()["relative"].finditer(text, a, b)]
    start, end, y = min(marks, default=(0, 0, None))
    return None if y is None or "以来" in text[end:end + 6] else y


def _pairs_in_sentence(doc: Document, places: list[Span]):
    """Who pairs with whom in one pairing sentence: A与B、C与D结对 / 深圳市与百色市、河池市 / A对口帮扶B、C /
    A是首批对口支援B的 / 与B结对的A / A、B、C三市分别对口支援D、E和F."""
    text, rules = doc.clean, _rules()

    def joins(a: Span, b: Span) -> str | None:
        gap = text[a.end:b.start].strip()
        if rules["connector_gap"].fullmatch(gap):
            return "pairing-connector"
        if rules["linking_gap"].fullmatch(gap):
            return "pairing-verb"
        if len(gap) <= 12 and rules["linking_end"].search(gap) and not re.search(r"[,、;:与和及]", gap):
            return "pairing-verb"
        if gap == "对":
            return "pairing-verb"  # 市级结对关系为:深圳对百色、河池,湛江对柳州
        if gap == "由" and rules["linking_gap"].match(text, b.end):
            return "pairing-passive"  # 汕尾市城区由福田区结对帮扶
        return None

    parallel = _parallel_pairs(text, places, rules)
    in_lists = {x for pair in parallel for x in pair[:2]}
    out, left = [], None
    for i in range(1, len(places)):
        prev, sp = places[i - 1], places[i]
        if prev.key in in_lists and sp.key in in_lists:
            continue
        gap = text[prev.end:sp.start].strip()
        # the next place starts a pair of its own (C与D), unless 和/及 just ends this list
        opens_pair = i + 1 < len(places) and joins(sp, places[i + 1]) is not None \
            and text[sp.end:places[i + 1].start].strip() not in ("和", "及")
        rule = joins(prev, sp)
        if gap in ("、", ",", "和", "及") and left is not None and not opens_pair:
            out.append((left.key, sp.key, left.start, sp.end, "pairing-list"))
        elif rule == "pairing-connector" and rules["linking_end"].search(text[max(0, prev.start - 6):prev.start]):
            left = None  # 对口支援西藏和新疆: both are the object, not a pair
        elif rule:
            left = prev
            out.append((left.key, sp.key, left.start, sp.end, rule))
            # 上海市静安区、虹口区对口帮扶文山州: each place of a list before the verb, unless already paired (A与B、C与D)
            paired = {k for pair in out for k in pair[:2]}
            for j in range(i - 2, -1, -1):
                if text[places[j].end:places[j + 1].start] != "、" or places[j].key in paired:
                    break
                out.append((places[j].key, sp.key, places[j].start, sp.end, rule))
        elif rules["linking_then_of"].fullmatch(gap) and text[prev.start - 1:prev.start] in rules["connector_chars"]:
            out.append((prev.key, sp.key, prev.start, sp.end, "pairing-relative"))  # 与花垣县结对的槐荫区
            left = None
        else:
            left = None
    return out + parallel


def _parallel_pairs(text: str, places: list[Span], rules):
    """北京、天津、上海4省市分别与内蒙古、甘肃、云南3省区结对: two lists of the same length, paired in order."""
    groups, current = [], places[:1]
    for prev, sp in zip(places, places[1:]):
        if text[prev.end:sp.start].strip() in ("、", "和", "及"):
            current.append(sp)
        else:
            groups.append(current)
            current = [sp]
    if current:
        groups.append(current)
    out = []
    if not places or "分别" not in text[places[0].start:places[-1].end + 8]:
        return out  # only 分别 says the lists pair off one by one
    for a, b in zip(groups, groups[1:]):
        gap = text[a[-1].end:b[0].start]
        if len(a) == len(b) > 1 and rules["parallel_gap"].fullmatch(gap):
            out += [(x.key, y.key, x.start, y.end, "pairing-parallel") for x, y in zip(a, b)]
    return out


@dataclass(frozen=True)
class _Frame:
    """Who gives to whom with which verb, before any amount is attached."""

    giver: Span
    receiver: Span | None
    verb_end: int
    kind: str


def _fundings(doc: Document, s: int, e: int, places: list[Span], pairs, found: Found, last):
    """X向Y援助/捐赠/投入…N元, X支援Y…N元, X拿出N元支持Y, A与B结对以来投入N元: giver, receiver, amount, year, kind.
    ``last`` is the paragraph's previous funding, whose receiver a later amount of the same giver keeps."""
    text, rules = doc.clean, _rules()
    out, used, floor, here = [], set(), s, None  # here: the last funding of this sentence
    sums, spread = amounts(text, s, e), {}  # spread: an amount's start -> its receiver, when the receivers are as many
    spread_years: dict[int, int] = {}  # the same for years: 2008年、2009年分别…21.4亿元、36.8亿元
    for i, q in enumerate(sums):
        lead = text[max(s, q.start - 8):q.start]
        if q.value < 1000 or any(w in re.split(r"[,;]", lead)[-1] for w in rules["not_funding_before"]):
            continue
        verbs = list(rules["verbs"].finditer(text, floor, q.start))
        since, floor = floor, q.end
        # 帮扶资金, 援助资金: a verb that only qualifies the money is not the one that gives it
        verb = next((v for v in reversed(verbs) if not text.startswith(("资金", "款"), v.end())), verbs[-1] if verbs else None)
        if verb is not None:
            frame = _frame(text, verb, places, rules) or _pair_frame(pairs, found, verb, rules)
            if frame is None and here is not None:  # 深圳市向百色市投入6.3亿元、向河池市投入5.1亿元: the same giver
                to = next((sp for sp in places if since <= sp.start < verb.start()
                           and text[sp.start - 1:sp.start] in rules["prepositions"]), None)
                frame = _Frame(here.giver, to, verb.end(), rules["verb_kind"][verb.group()]) if to else None
        else:
            frame = here  # 从2017年的2000万元增加到2019年的1.02亿元; 投入百色市5.12亿元、河池市4.63亿元
        if frame is None:
            continue
        receiver = _listed_receiver(text, q, places, frame) or frame.receiver \
            or _receiver_after(text, q, places, rules, e) \
            or (here.receiver if here else None) \
            or (last.receiver if last and last.giver.key == frame.giver.key else None)
        if receiver is not None and q.start not in spread:
            spread.update(_amounts_respectively(text, receiver, i, sums, places))
        receiver = spread.get(q.start, receiver)
        if receiver is None or receiver.key == frame.giver.key:
            continue
        kind = "Donation" if "捐" in text[s:q.end] else frame.kind
        if q.start not in spread_years:
            spread_years.update(_years_respectively(text, s, i, sums))
        year = spread_years.get(q.start) or _year(doc, s, e, q.start)
        for giver, to in _respectively(text, frame, receiver, places) or [(frame.giver, receiver)]:
            out.append(Relation("funds", (giver.key, to.key), doc.evidence(frame.giver.start, q.end, "funding-verb"),
                                year=year, amount=q.value, currency=q.unit, funding_kind=kind))
        used.add((q.start, q.end))
        last = here = _Frame(frame.giver, receiver, q.end, kind)
    return out, used, last


def _frame(text: str, verb: re.Match, places: list[Span], rules) -> _Frame | None:
    """The giver before a funding verb (with nothing but a year or 政府 between) and the receiver, if named."""
    before = [sp for sp in places if sp.end <= verb.start()]
    giver = next((sp for sp in reversed(before) if _subject_gap(text, sp, verb.start(), rules)
                  and text[_list_start(text, sp, before).start - 1:][:1] not in rules["prepositions"]), None)
    if giver is None:
        return None
    # the last place marked as the receiver before the verb: 向百色市投入6.3亿元、向河池市投入 gives to 河池市
    receiver = next((sp for sp in reversed(before) if sp.start > giver.start
                     and text[sp.start - 1:sp.start] in rules["prepositions"]), None)
    if receiver is None:  # 投入京蒙协作资金: the 京 of a collaboration's name receives nothing
        receiver = next((sp for sp in places if verb.end() <= sp.start <= verb.end() + 3 and sp.rule != "fused-abbreviation"), None)
    return _Frame(giver, receiver, verb.end(), rules["verb_kind"][verb.group()])


def _list_start(text: str, sp: Span, places: list[Span]) -> Span:
    """The first place of the 、-list that ``sp`` ends (向柳林镇、扎古录镇: 柳林镇)."""
    first = sp
    for p in reversed([p for p in places if p.end <= sp.start]):
        if text[p.end:first.start] != "、":
            break
        first = p
    return first


def _subject_gap(text: str, sp: Span, verb_start: int, rules) -> bool:
    """Between a giver and its verb: a year, 政府, 还… but no list, no second party, no organisation."""
    gap = _YEARS.sub("", text[sp.end:verb_start])  # 上海市2008年、2009年分别向…: a list of years is no list of givers
    to = next((i for i, ch in enumerate(gap) if ch in rules["prepositions"]), None)
    gap = gap if to is None else gap[:to]  # 分别向柳林镇、扎古录镇拨付: the receivers are no second giver
    return (len(gap) <= 15 and not re.search(r"[、,;与和及]", gap) and not any(w in gap for w in rules["organisations"])
            and text[sp.start - 1:sp.start] not in rules["prepositions"])


def _respectively(text: str, frame: _Frame, receiver: Span, places: list[Span]):
    """中山门街道、春华街道分别向柳林镇、扎古录镇拨付资金20万元: each giver to its receiver, the same amount."""
    if frame.receiver is None or "分别" not in text[frame.giver.end:frame.verb_end]:
        return None
    givers, receivers = [frame.giver], [receiver]
    for sp in reversed([p for p in places if p.end <= frame.giver.start]):
        if text[sp.end:givers[0].start] != "、":
            break
        givers.insert(0, sp)
    for sp in [p for p in places if p.start >= receiver.end]:
        if text[receivers[-1].end:sp.start] not in ("、", "和"):
            break
        receivers.append(sp)
    return list(zip(givers, receivers)) if len(givers) == len(receivers) > 1 else None


def _amounts_respectively(text: str, receiver: Span, i: int, sums: list[Quantity],
                          places: list[Span]) -> dict[int, Span]:
    """向广西、贵州两省区分别投入31.2亿元和38.5亿元: as many receivers as amounts, one each, in order."""
    listed = _listed(text, i, sums)
    receivers = [receiver]
    for sp in [p for p in places if p.start >= receiver.end]:
        if text[receivers[-1].end:sp.start] not in ("、", "和"):
            break
        receivers.append(sp)
    return {a.start: r for a, r in zip(listed, receivers)} if len(listed) == len(receivers) > 1 else {}


def _years_respectively(text: str, s: int, i: int, sums: list[Quantity]) -> dict[int, int]:
    """上海市2008年、2009年分别向都江堰市投入…21.4亿元、36.8亿元: a list of years and 分别 date the amounts in order."""
    listed, q = _listed(text, i, sums), sums[i]
    if len(listed) < 2:
        return {}
    found = years(text, s, q.start)
    run = found[-1:]
    for y in reversed(found[:-1]):  # the last run of years joined by 、 or 和
        if text[y[1]:run[0][0]] not in ("、", "和", "及"):
            break
        run.insert(0, y)
    if len(run) != len(listed) or "分别" not in text[run[-1][1]:q.start]:
        return {}
    return {a.start: y for a, (_, _, y) in zip(listed, run)}


def _listed(text: str, i: int, sums: list[Quantity]) -> list[Quantity]:
    """The amounts that start with sums[i] and follow one another joined by 、 or 和: 21.4亿元、36.8亿元."""
    listed = [sums[i]]
    for nxt in sums[i + 1:]:
        if text[listed[-1].end:nxt.start] not in ("和", "、", "及"):
            break
        listed.append(nxt)
    return listed


def _pair_frame(pairs, found: Found, verb: re.Match, rules) -> _Frame | None:
    """A与B结对以来,投入资金N元: the partner in an eastern province gives to the other."""
    for a, b, start, end, _ in pairs:
        if end <= verb.start():
            east = [k for k in (a, b) if _province(found, k) in rules["eastern"]]
            if len(east) == 1:
                giver, receiver = (a, b) if east[0] == a else (b, a)
                g = Span(start, start, giver, found.entities[giver].type, "pair", "")
                r = Span(end, end, receiver, found.entities[receiver].type, "pair", "")
                return _Frame(g, r, verb.end(), rules["verb_kind"][verb.group()])
    return None


def _province(found: Found, key: str) -> str | None:
    chain = [key] + _ancestors(found, key)
    return next((k.split(":", 1)[1] for k in chain if found.entities[k].type == "Province" and k.startswith("division:")), None)


def _listed_receiver(text: str, q: Quantity, places: list[Span], frame: _Frame) -> Span | None:
    """深圳市投入百色市5.12亿元、河池市4.63亿元: a place right before the amount, after the frame's receiver."""
    sp = next((sp for sp in reversed(places) if sp.end <= q.start), None)
    if sp and q.start - sp.end <= 2 and frame.receiver and sp.start > frame.receiver.end and text[sp.start - 1] in "、,":
        return sp
    return None


def _receiver_after(text: str, q: Quantity, places: list[Span], rules, e: int) -> Span | None:
    """…安排资金500万元,在田林县援建…: the receiver named after the amount."""
    for sp in places:
        if q.end <= sp.start < e and sp.start - q.end <= 8 and text[:sp.start].endswith(rules["receiver_after"]):
            return sp
    return None


def _cobuilds(doc: Document, s: int, e: int, spans: list[Span], found: Found, last_pairs):
    """Parks built together: partners from the park's name (富(富平)丹(丹阳)) and the builders (A与B共建, 两省共建)."""
    text, rules = doc.clean, _rules()
    out = []
    parks = [sp for sp in spans if sp.type == "Park"]
    triggers = [s + m.start() for w in rules["cobuild"] for m in re.finditer(re.escape(w), text[s:e])] if parks else []
    for sp in parks:
        named = found.park_partners.get(sp.key, ())
        partners = list(named)
        before = sorted(t for t in triggers if t < sp.start)
        if before:
            t0 = before[-1]
            clause_start = max([s] + [m.end() for m in _CLAUSE.finditer(text, s, t0)])
            builders = [p.key for p in _places(spans, found, text) if clause_start <= p.start and p.end <= t0]
            partners += builders or _pair_deixis(text[clause_start:t0], last_pairs)
        partners = list(dict.fromkeys(partners))
        if len(partners) >= 2 and (before or len(named) >= 2):
            out.append(Relation("coBuilds", tuple(partners), doc.evidence(sp.start, sp.end, "cobuild"), park=sp.key))
    return out


def _pair_deixis(text: str, last_pairs) -> tuple[str, ...]:
    """两省 → the provinces named last as a pair, 两市 → the cities, 两地/双方 → whichever pair came last."""
    for word in _rules()["pair_deixis"]:
        if word in text:
            level = "Province" if word.startswith("两省") else _DEIXIS_LEVEL.get(word[-1], "any")
            return last_pairs.get(level, ())
    return ()


def _observations(doc: Document, s: int, e: int, spans: list[Span], used: set):
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
        out.append(Observation(about[-1].key, q.value, q.unit, label, doc.evidence(q.start, q.end, "figure"),
                               year=_year(doc, s, e, q.start)))
    return out
