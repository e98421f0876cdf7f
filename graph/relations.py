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

from .documents import CJK, Document
from .entities import Found, Span
from .facts import DIVISION_LEVELS, Observation, Relation
from .lexicon import lexicon
from .numbers import Quantity, amounts, counts, parse_number, unit_of, years

_CLAUSE = re.compile(r"[,;:]")
_YEARS = re.compile(r"(?:19|20)\d{2}年(?:[、和](?:19|20)\d{2}年)*")
_MONTH = re.compile(r"(?<![\d年])\d{1,2}月")
_PLACE_TYPES = set(DIVISION_LEVELS)
_NOT_GIVING = ("资金", "款", "集团", "公司", "有限", "基金")  # 帮扶资金, 富平发展投资集团: the verb names something
_IN_COMPANY = re.compile(r"[\u4e00-\u9fff]{0,8}?(?:有限公司|公司|集团|银行)")  # 富平发展投资集团有限公司, 陕西分行 …
_COUNTED_PARTNERS = re.compile(r"^[\d一二三四五六七八九十两]+个(?:与|同|和)[^,;。]{1,12}?(?:结对|对口)[^,;。]{0,6}?的[\u4e00-\u9fff]{0,3}")
_COUNT_AFTER = re.compile(r"[^,;。\d]{0,4}\d+(?:个|项|家|所|批|名|人)")
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
        "linking_any": re.compile(rf"(?:{linking})"),
        "since_year": re.compile(r"^自?(?:19|20)\d{2}年(?:起|以来)?"),
        "person_titles": lexicon()["names"]["person_titles"],
        "connector_chars": set(rel["connectors"]),
        "parallel_gap": re.compile(rf"(?:(?:等|[两二三四五六七八九十\d]+个?)[省市区县州盟旗镇乡村]+(?:{adverbs})*|(?:{adverbs})*分别)"
                                   rf"(?:{'|'.join(map(re.escape, rel['connectors']))}|{linking})"),
        "verbs": re.compile("|".join(map(re.escape, by_length([*rel["funding_verbs"], *rel["receiving_verbs"]])))),
        "verb_kind": rel["funding_verbs"] | dict.fromkeys(rel["receiving_verbs"], "FiscalAid"),
        "prepositions": set(rel["receiver_prepositions"]),
        "receiver_after": tuple(by_length(rel["receiver_after"])),
        "eastern": set(rel["eastern_provinces"]),
        "not_funding_before": tuple(rel["not_funding_before"]),
        "organisations": tuple(rel["organisations"]),
        "cumulative": re.compile("|".join(map(re.escape, rel["cumulative"] + ["以来"]))),
        "relative_years": rel["relative_years"],
        "relative": re.compile("|".join(map(re.escape, rel["relative_years"]))),
        "cobuild": by_length(rel["cobuild"]),
        "cobuild_rx": re.compile("|".join(map(re.escape, by_length(rel["cobuild"] + rel["cobuild_weak"])))),
        "cobuild_weak": set(rel["cobuild_weak"]),
        "zones": set(lexicon()["names"]["zones"]),
        "table_givers": tuple(rel["table_givers"]),
        "table_receivers": tuple(rel["table_receivers"]),
        "table_totals": tuple(rel["table_totals"]),
        "table_money": tuple(rel["table_money"]),
        "pair_deixis": by_length(deixis["pair"]),
        "money_nouns": by_length(rel["money_nouns"]),
        "owned_money": re.compile(rf"[{CJK}]{{0,8}}?(?:{'|'.join(map(re.escape, by_length(rel['money_nouns'])))})"),
        "receiving_verbs": set(rel["receiving_verbs"]),
        "project_after": set(rel["project_after"]),
        "located": tuple(rel["located"]),
        "not_funding_after": tuple(rel["not_funding_after"]),
        "help_verbs": by_length(rel["help_verbs"]),
        "events": re.compile("|".join(map(re.escape, rel["event_words"])) + r"|(?<![\d月])\d{1,2}日(?!前)"),
        "annual": re.compile("|".join(map(re.escape, rel["annual_words"]))),
        # word lists the rules read as they are
        **{k: rel[k] for k in ("collaboration_words", "aid_qualifiers", "collective_givers", "deal_words", "per_unit",
                               "organisation_givers")},
        "span_of_years": re.compile(r"(?:19|20)\d{2}年?(?:到|至|—|-|~|－)(?:19|20)\d{2}年|[\d一二三四五六七八九十两几多]+年(?:来|间|以来)|至今"),
    }


def relate(doc: Document, found: Found) -> tuple[list[Relation], list[Observation]]:
    """All relations and figures of a document (pure)."""
    relations: list[Relation] = []
    observations: list[Observation] = []
    types = {k: e.type for k, e in found.entities.items()}
    starts = [sp.start for sp in found.spans]  # the spans are in order: a sentence's are found by binary search
    fused = sorted(found.fused_pairs)
    # first the pairs of every sentence: money and parks read the collaboration they belong to
    sentences, carried = [], False
    for s, e in doc.sentences:
        spans = found.spans[bisect.bisect_left(starts, s):bisect.bisect_left(starts, e)]
        places = _places(spans, found, doc.clean)
        pairs = [(a, b, fs, fe, "fused-abbreviation-pair")
                 for fs, fe, a, b in fused[bisect.bisect_left(fused, (s,)):bisect.bisect_left(fused, (e,))]]
        # 廉江市对口融水县,吴川市对口三江县;茂南、电白两区共同帮扶金秀县: clauses after ; go on saying so
        says_pairing = any(w in doc.clean[s:e] for w in _rules()["pairing"]) or carried
        carried = says_pairing and doc.clean[e - 1] == ";" and doc.paragraph_at(e) == doc.paragraph_at(s)
        if says_pairing:
            pairs += _pairs_in_sentence(doc, s, e, places, found, sentences)
        pairs += _provinces_together(doc.clean, s, e, places, found)
        sentences.append((s, e, spans, places, _distinct(pairs)))
    context = _Context(doc, found, sentences)
    last_pairs: dict[str, tuple[str, str]] = {}  # level -> the pair named last, for 两省, 两市, 双方
    for s, e, spans, places, pairs in sentences:
        context.enter(s)
        for a, b, ps, pe, rule in pairs:
            relations.append(Relation("pairedWith", (a, b), doc.evidence(ps, pe, rule),
                                      level=_pair_level(types[a], types[b]), year=_year(doc, s, e, e)))
            last_pairs[_pair_level(types[a], types[b])] = last_pairs["any"] = (a, b)
        funds, used = _fundings(doc, s, e, places, context)
        relations += funds
        relations += _cobuilds(doc, s, e, spans, found, last_pairs, context)
        observations += _observations(doc, s, e, spans, used)
    for table in doc.tables:
        relations += _table(doc, table, found, types)
    return _without_rounded_headline(doc, relations), observations


def _distinct(pairs):
    seen, out = set(), []
    for a, b, *rest in pairs:
        if a != b and frozenset((a, b)) not in seen:
            seen.add(frozenset((a, b)))
            out.append((a, b, *rest))
    return out


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
            if re.fullmatch(r"\d[\d,]{0,19}(?:\.\d+)?", cell):  # a cell of more digits is no sum (nor a float)
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
    20xx年, 今年/去年 from the article's date, an event the article reports (日前, 会上, 13日), or 累计/以来/
    16年来/2016年至今 (no single year); else the year that opens a sentence of the paragraph, else the article's
    year for a date like 5月. 较去年增长 after it makes it a figure of the article's year."""
    text, rules = doc.clean, _rules()
    published = doc.year
    if published and rules["annual"].search(text, pos, e):
        return published
    marks = [(a, b, y) for a, b, y in years(text, s, pos)]
    spans = [m.span() for m in rules["span_of_years"].finditer(text, s, pos)]
    marks = [(a, b, y) for a, b, y in marks if not any(x <= a and b <= y_ for x, y_ in spans)]  # 1996年到2015年
    marks += [(a, b, "cumulative") for a, b in spans]
    marks += [(m.start(), m.end(), "cumulative") for m in rules["cumulative"].finditer(text, s, pos)
              if not re.match(r"截[至止]\d{1,2}月", text[m.start():m.start() + 6])  # 截至5月底 stays in its year
              and not (_COUNT_AFTER.match(text, m.end()) and _CLAUSE.search(text, m.end(), pos))]  # 共计109个,…
    year_ends = {b for _, b, _ in marks}
    marks += [(m.start(), m.end(), published + rules["relative_years"][m.group()]) for m in rules["relative"].finditer(text, s, pos)
              if published and m.start() not in year_ends]  # 2018年上半年 is 2018
    marks += [(m.start(), m.end(), published) for m in rules["events"].finditer(text, s, pos) if published]
    if marks:
        start, end, what = max(marks, key=lambda m: (m[1], m[0]))
        if what == "cumulative":
            adjacent = next((m for m in marks if m[1] == start and m[2] != "cumulative"), None)
            # 今年以来 is within this year; 2017年以来 and 累计 are not one year
            if text[start:end] == "以来" and adjacent and adjacent[2] == published \
                    and text[adjacent[0]:adjacent[1]] in rules["relative_years"]:
                return published
            return None
        if not text.startswith(("以来", "开始", "起"), end) and not re.match(r"[^,;。]{0,4}(?:以来|开始)", text[end:end + 8]):
            return what
        return None
    para = doc.paragraph_at(s)
    if para and text.startswith(("同时", "随后", "其间", "期间", "会后"), s) and para[0] < s:  # 同时: when the sentence before was
        before = doc.sentence_at(s - 1)
        if before and before[0] >= para[0]:
            return _year(doc, before[0], before[1], before[1])
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
    spans = _rules()["span_of_years"].match(text, start) if y is not None else None  # 1996年到2011年, … is no one year
    return None if y is None or spans or "以来" in text[end:end + 6] else y


def _pairs_in_sentence(doc: Document, s: int, e: int, places: list[Span], found: Found, sentences):
    """Who pairs with whom in one pairing sentence: A与B、C与D结对 / 深圳市与百色市、河池市 / A对口帮扶B、C /
    A是首批对口支援B的 / 与B结对的A / A、B、C三市分别对口支援D、E和F / A、B、C是D的对口帮扶伙伴 /
    A·B对口结对协议 / A自1996年对口帮扶地处…的B; and those whose subject or object is left to the reader."""
    text, rules = doc.clean, _rules()

    def joins(a: Span, b: Span) -> str | None:
        gap = text[a.end:b.start].strip()
        if rules["connector_gap"].fullmatch(gap):
            return "pairing-connector"
        if gap == "·" and text.startswith(tuple(rules["pairing"]), b.end):
            return "pairing-connector"  # 东莞市虎门镇·铜仁市松桃苗族自治县长兴堡镇对口结对协议
        core = rules["since_year"].sub("", gap)  # 自1996年对口帮扶地处少数民族聚居区的黔西南州: the verb, then what the place is
        if (m := rules["linking_gap"].match(core)) and re.fullmatch(r"(?:[^,;:、与和及的]{1,14}的)?", core[m.end():]):
            return "pairing-verb"
        if len(gap) <= 12 and rules["linking_end"].search(gap) and not re.search(r"[,、;:与和及]|所辖", gap):
            return "pairing-verb"  # (江门、肇庆4市所辖县(区)帮扶广西: the counties under them help)
        if gap == "是" and text[b.end:b.end + 1] == "的" and rules["linking_gap"].match(text, b.end + 1):
            return "pairing-relative"  # 永康、东阳、船山是理县的对口帮扶伙伴
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
    return out + parallel + _elided_pairs(doc, s, e, places, found, sentences, out + parallel)


def _elided_pairs(doc: Document, s: int, e: int, places: list[Span], found: Found, sentences, pairs):
    """Pairs whose subject or object the sentence leaves to the reader: 自与松桃结对…以来,虎门镇… (the place the
    sentence is about); 山东…,先后担负起对口支援日喀则市及其下辖桑珠孜、白朗…的重任 (the sentence's subject);
    扎赉特旗盛产大米…。丰台区对口帮扶后 (the place the sentence before is about); “松江区与我们结对帮扶”, said by
    西双版纳州副州长 (the speaker's place); 景宁县先后得到鄞州区、温岭市等地的对口扶持; 作为杭州对口协作地区,衢州…;
    化隆…锡山…两地…对口协作 (the two places named)."""
    text, rules = doc.clean, _rules()
    real = [p for p in places if p.rule != "fused-abbreviation"]
    out = []
    for i, b in enumerate(real):
        linked = rules["linking_gap"].match(text, b.end)
        if linked and re.search(r"(?:^|[,;:自])(?:与|同|和)$", text[max(s, b.start - 2):b.start]) \
                and not any(p.end == b.start - 1 for p in real):
            subject = next((p for p in reversed(real[:i]) if p.key != b.key), None) \
                or next((p for p in real[i + 1:] if p.key != b.key), None)
            if subject:
                out.append((subject.key, b.key, min(subject.start, b.start), max(subject.end, b.end), "pairing-elided-subject"))
        gap = text[b.end:real[i + 1].start] if i + 1 < len(real) else ""
        if re.fullmatch(r"(?:先后)?(?:得到|获得|接受)(?:了)?", gap):  # D先后得到A、B等地的对口扶持
            members = _run(text, real, i + 1)
            after = text[members[-1].end:members[-1].end + 12]
            if re.match(r"(?:等[地市县区]*)?的", after) and rules["linking_gap"].match(after, after.index("的") + 1):
                out += [(b.key, m.key, b.start, m.end, "pairing-received") for m in members]
        if re.search(r"[\d一二三四五六七八九十两]+个(?:与|同|和)$", text[max(s, b.start - 6):b.start]) \
                and re.match(r"(?:结对|对口)[^,;。]{0,6}?的", text[b.end:b.end + 10]):  # A、B、C 3个与D结对的乡镇
            count = re.search(r"[\d一二三四五六七八九十两]+个(?:与|同|和)$", text[max(s, b.start - 6):b.start])
            last = next((p for p in reversed(real[:i]) if p.end == b.start - len(count.group())), None)
            if last:
                out += [(p.key, b.key, p.start, b.end, "pairing-counted") for p in _run_back(text, last, real)]
        if text.endswith("作为", 0, b.start) and i + 1 < len(real) and rules["linking_gap"].match(text, b.end) \
                and re.fullmatch(r"[^,;。]{0,10},", text[rules["linking_gap"].match(text, b.end).end():real[i + 1].start]):
            out.append((b.key, real[i + 1].key, b.start, real[i + 1].end, "pairing-as"))  # 作为杭州对口协作地区,衢州
    for m in rules["linking_any"].finditer(text, s, e):
        clause = max([s] + [c.end() for c in _CLAUSE.finditer(text, s, m.start())])
        subject_here = [p for p in real if clause <= p.start < m.start()]
        objects = [p for p in real if m.end() <= p.start <= m.end() + 1]
        if not subject_here and objects:  # …,先后担负起对口支援西藏日喀则市及其下辖桑珠孜、白朗…
            topic = _topic(text, s, real)
            if topic and topic.end <= clause:
                out += [(topic.key, o.key, topic.start, o.end, "pairing-sentence-subject")
                        for o in _run(text, real, real.index(objects[0]))]
        elif len(subject_here) == 1 and not objects and re.match(r"\s*(?:后|以来|之后|,)", text[m.end():m.end() + 3]) \
                and text[subject_here[-1].end:m.start()].strip() == "" \
                and not re.search(r"[与和同及、]", text[clause:subject_here[0].start]):
            subject = subject_here[-1]
            topic = _previous_topic(doc, s, sentences)
            if topic and _city(found, topic.key) != _city(found, subject.key):  # 扎赉特旗…。丰台区对口帮扶后
                out.append((subject.key, topic.key, subject.start, m.end(), "pairing-elided-object"))
    for m in re.finditer(r"(?:与|和|同)我们", text[s:e]):
        before = [p for p in real if p.end <= s + m.start()]
        speaker = _speaker(doc, s, found)
        if before and speaker and rules["linking_gap"].match(text, s + m.end()):
            out.append((before[-1].key, speaker, before[-1].start, s + m.end(), "pairing-speaker"))
    deixis = next((text.find(w, s, e) for w in ("两地", "双方") if text.find(w, s, e) >= 0), -1)
    if not pairs and not out and deixis >= 0:
        named = list(dict.fromkeys(p.key for p in real if p.end <= deixis))
        if len(named) == 2 and _city(found, named[0]) != _city(found, named[1]):
            out.append((named[0], named[1], s, deixis + 2, "pairing-deixis"))  # 化隆人来锡山…,只是两地…对口协作
    return out


def _run(text: str, places: list[Span], i: int) -> list[Span]:
    """The places from places[i] on that a list joins: 桑珠孜、白朗和昂仁, 日喀则市及其下辖桑珠孜…."""
    run = [places[i]]
    for p in places[i + 1:]:
        if not re.fullmatch(r"、|和|及|与|及其下辖|及所辖|及其所辖", text[run[-1].end:p.start]):
            break
        run.append(p)
    return run


def _topic(text: str, s: int, places: list[Span]) -> Span | None:
    """The place a sentence opens with, after a time phrase at most: 30年来,山东认真贯彻…."""
    first = places[0] if places else None
    if first and re.fullmatch(r"(?:[^,;:。]{0,12}[,:]+)?", text[s:first.start]):
        return first
    return None


def _previous_topic(doc: Document, s: int, sentences) -> Span | None:
    """The place the sentence before, in the same paragraph, opens with."""
    para = doc.paragraph_at(s)
    prev = [x for x in sentences if x[1] <= s and para and para[0] <= x[0]]
    if not prev:
        return None
    ps, _, _, places, _ = prev[-1]
    real = [p for p in places if p.rule != "fused-abbreviation"]
    return _topic(doc.clean, ps, real)


def _speaker(doc: Document, s: int, found: Found) -> str | None:
    """The place of the official who speaks: 西双版纳州副州长刘俊杰介绍,…“上海市松江区与我们…”."""
    para = doc.paragraph_at(s) or (s, s)
    titles = _rules()["person_titles"]
    text = doc.clean
    quote = text.rfind("“", para[0], s + 1)
    speech = [sp for sp in found.spans if para[0] <= sp.start < (quote if quote >= 0 else s)
              and sp.type in _PLACE_TYPES and re.match(rf"[{CJK}]{{0,2}}(?:{'|'.join(titles)})", text[sp.end:sp.end + 8])]
    return speech[-1].key if speech else None


def _city(found: Found, key: str) -> str:
    chain = [key] + _ancestors(found, key)
    return next((k for k in chain if found.entities[k].type == "City"), chain[-1])


def _provinces_together(text: str, s: int, e: int, places: list[Span], found: Found):
    """江苏省与陕西省探索挂钩扶贫协作, 江苏省——陕西省东西扶贫协作, 按照山东、西藏两省区…部署: two provinces
    (one eastern) joined and said to work together."""
    rules, out = _rules(), []
    if len(places) < 2:
        return out
    provinces = [p for p in places if p.type == "Province" and p.rule != "fused-abbreviation"]
    for a, b in zip(provinces, provinces[1:]):
        if not re.fullmatch(r"与|和|同|、|—+|-+|·", text[a.end:b.start].strip()) \
                or text[a.start - 1:a.start] == "、" or text[b.end:b.end + 1] == "、":
            continue  # 北京、天津、辽宁…9个东部省市: a list, not two partners
        clause = re.match(r"[^,;:。]*", text[b.end:e]).group()
        if (text.startswith(("两省", "两地"), b.end) or any(w in clause for w in rules["collaboration_words"])) \
                and len({_province(found, a.key), _province(found, b.key)} & set(rules["eastern"])) == 1:
            out.append((a.key, b.key, a.start, b.end, "provinces-together"))
    return out


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


@dataclass(frozen=True)
class _Side:
    """A collaboration the text states, oriented: the eastern partner gives, the western receives."""

    giver: str
    receiver: str
    at: int  # the start of the sentence that states it
    weak: bool = False  # a fused abbreviation (苏陕): it names the umbrella collaboration only


class _Context:
    """The collaborations a passage is about, for money whose giver or receiver its sentence leaves out (落实协作
    资金710万元): the sentence's own pairs, then its paragraph's fundings and pairs, the title's, and the pair the
    passage states most; a pair of provinces is narrowed to the one pair of cities or counties under it."""

    def __init__(self, doc: Document, found: Found, sentences):
        self.doc, self.found = doc, found
        self._chains: dict[str, set[str]] = {}
        self.sides = [side for s, _, _, _, pairs in sentences for a, b, *_, rule in pairs
                      if (side := self.orient(a, b, s, weak=rule.startswith("fused")))]
        # places said to work together without a pairing word (南海与从江当地紧密协作): for parks only
        self.together = [side for s, e, _, places, _ in sentences
                         for a, b in zip(places, places[1:]) if re.fullmatch(r"与|和|同", doc.clean[a.end:b.start])
                         and any(w in re.match(r"[^,;。]*", doc.clean[b.end:e]).group() for w in ("协作", "合作", "共建"))
                         and (side := self.orient(a.key, b.key, s))]
        self.title = self._title(sentences)
        stated = self.sides + ([self.title] if self.title else [])
        counts: dict[tuple[str, str], float] = {}
        for side in stated:  # a fused abbreviation names the umbrella: it counts less than a pair stated
            counts[side.giver, side.receiver] = counts.get((side.giver, side.receiver), 0) + (0.5 if side.weak else 1)
        self.main = next((x for x in stated if counts[x.giver, x.receiver] == max(counts.values())), None)
        self.paragraph: tuple[int, int] | None = None
        self.fundings: list[_Side] = []  # this paragraph's, in text order

    def _chain(self, key: str) -> set[str]:
        """A place and every division it lies in (kept: parks ask it of every pair)."""
        if key not in self._chains:
            self._chains[key] = {key, *_ancestors(self.found, key)}
        return self._chains[key]

    def orient(self, a: str, b: str, at: int, weak: bool = False) -> _Side | None:
        east = [k for k in (a, b) if _province(self.found, k) in _rules()["eastern"]]
        if len(east) != 1:
            return None
        return _Side(east[0], b if east[0] == a else a, at, weak)

    def _title(self, sentences) -> _Side | None:
        """西双版纳州92个贫困村 上海帮扶全覆盖: a title that names a giver, a receiver and help."""
        para = _title_paragraph(self.doc)
        if not para:
            return None
        text = self.doc.clean[slice(*para)]
        if not any(w in text for w in _rules()["collaboration_words"]):
            return None
        places = [p for s, _, _, ps, _ in sentences if para[0] <= s < para[1] for p in ps if p.rule != "fused-abbreviation"]
        east = next((p.key for p in places if _province(self.found, p.key) in _rules()["eastern"]), None)
        west = next((p.key for p in places if _province(self.found, p.key) not in _rules()["eastern"]
                     and _province(self.found, p.key)), None)
        return _Side(east, west, para[0]) if east and west else None

    def enter(self, s: int) -> None:
        """A sentence starts: a new paragraph forgets the last one's fundings."""
        para = self.doc.paragraph_at(s) or (s, s + 1)
        if para != self.paragraph:
            self.paragraph, self.fundings = para, []

    def funded(self, giver: str, receiver: str, at: int) -> None:
        self.fundings.append(_Side(giver, receiver, at))

    def _candidates(self, s: int):
        para = self.paragraph or (s, s)
        here = [x for x in self.sides if x.at == s]
        before = [x for x in reversed(self.sides) if para[0] <= x.at < s]
        yield from [x for x in here if not x.weak]
        yield from reversed(self.fundings)
        yield from [x for x in before if not x.weak]
        yield from [x for x in here + before if x.weak]
        if self.title:
            yield self.title
        if self.main:
            yield self.main

    def both(self, s: int) -> tuple[str, str] | None:
        """Giver and receiver of money that names neither: 苏陕 narrowed to the 徐州–宝鸡 the passage is about."""
        side = next(self._candidates(s), None)
        if side is None:
            return None
        if not side.weak or side.at == s:  # a pair or funding stated, or the umbrella the sentence names, is meant
            return side.giver, side.receiver
        receiver = self._narrowed(side.giver, side.receiver)
        givers = {x.giver for x in self.sides + self.together if x.receiver == receiver
                  and (x.giver == side.giver or side.giver in _ancestors(self.found, x.giver))}
        return (givers.pop() if len(givers) == 1 else side.giver), receiver

    def receiver_for(self, giver: str, s: int) -> str | None:
        """The partner that a giver named alone gives to: its collaboration in the sentence, paragraph or passage."""
        fits = lambda g: g == giver or giver in _ancestors(self.found, g) or g in _ancestors(self.found, giver)  # noqa: E731
        side = next((x for x in self._candidates(s) if fits(x.giver)), None) \
            or next((x for x in self.sides if fits(x.giver)), None)
        if side is None:
            return None
        return self._narrowed(giver, side.receiver) if side.weak and side.at != s else side.receiver

    def under(self, named: list[str]) -> list[str]:
        """The places the text pairs that lie under a park name's places, one of each pair under each: 佛山-黔东南…
        built by 南海 (佛山) and 从江 (黔东南)."""
        if len(named) < 2:
            return []
        under = lambda k: {n for n in named if n in self._chain(k)}  # noqa: E731  the name's places k lies in
        out = []
        for x in self.sides + self.together:
            a, b = under(x.giver), under(x.receiver)
            if a and b and (len(a | b) > 1) and {x.giver, x.receiver} != set(named[:2]):
                out += [x.giver, x.receiver]
        return [k for k in dict.fromkeys(out) if k not in named]

    def giver_for(self, receiver: str, s: int) -> str | None:
        """Who gives to a receiver named alone: the partner of the collaboration it (or a place it lies in) is in."""
        fits = lambda r: r == receiver or r in _ancestors(self.found, receiver)  # noqa: E731
        side = next((x for x in self._candidates(s) if fits(x.receiver)), None) \
            or next((x for x in self.sides if fits(x.receiver)), None)
        return side.giver if side else None

    def _narrowed(self, giver: str, receiver: str) -> str:
        """上海 gives to 云南, and the passage pairs 松江区 with 西双版纳州 only: 西双版纳州 receives."""
        givers = {giver} | {x.giver for x in self.sides + self.together if giver in _ancestors(self.found, x.giver)}
        pool = self.sides + self.together + ([self.title] if self.title else [])
        while self.found.entities[receiver].type in ("Province", "City"):  # not down to a county's towns and villages
            under = {self._below(receiver, x.receiver) for x in pool if x.giver in givers} - {None}
            if len(under) != 1:
                return receiver
            receiver = under.pop()
        return receiver

    def _below(self, top: str, key: str) -> str | None:
        """The division just below ``top`` on the way down to ``key`` (key itself when it lies right below)."""
        chain = [key] + _ancestors(self.found, key)
        return chain[chain.index(top) - 1] if top in chain and chain.index(top) > 0 else None


def _fundings(doc: Document, s: int, e: int, places: list[Span], context: _Context):
    """X向Y援助/捐赠/投入…N元, X支援Y…N元, X拿出N元支持Y, A与B结对以来投入N元: giver, receiver, amount, year, kind,
    each filled from the sentence if it says so, else from the collaboration the paragraph or passage is about."""
    text, rules = doc.clean, _rules()
    out, used, floor, here = [], set(), s, None  # here: the last funding of this sentence
    sums, spread = amounts(text, s, e), {}  # spread: an amount's start -> its receiver, when the receivers are as many
    spread_years: dict[int, int] = {}  # the same for years: 2008年、2009年分别…21.4亿元、36.8亿元
    for i, q in enumerate(sums):
        clause_start = max([s] + [m.end() for m in _CLAUSE.finditer(text, s, q.start)])
        lead = text[max(clause_start, q.start - 8):q.start]
        if q.value < 1000 or any(w in lead for w in rules["not_funding_before"]) \
                or any(w in text[clause_start:q.start] for w in rules["per_unit"]) \
                or text.startswith(rules["not_funding_after"], q.end):
            continue
        verbs = list(rules["verbs"].finditer(text, floor, q.start))
        since, floor = floor, q.end
        # 帮扶资金, 援助资金: a verb that only qualifies the money is not the one that gives it
        verb = next((v for v in reversed(verbs) if not text.startswith(_NOT_GIVING, v.end())), verbs[-1] if verbs else None)
        aid = _aid_money(text, clause_start, q)
        if verb is None and not aid and here is None:
            continue
        kind = rules["verb_kind"][verb.group()] if verb is not None else "FiscalAid"
        if kind == "Investment" and any(w in text[s:q.start] for w in rules["deal_words"]):
            continue  # 签约…项目4个,协议投资2.8亿元: a deal, not money given
        frame = _frame(text, verb, places, rules, context.found, q.start) if verb is not None else None
        for earlier in reversed(verbs):  # 由丹阳市政府出资以富平发展投资集团有限公司名义注资1亿元: the verb with a subject
            if frame is not None or earlier.start() < clause_start:
                break
            if earlier is not verb and not text.startswith(_NOT_GIVING, earlier.end()):
                frame = _frame(text, earlier, places, rules, context.found, q.start)
        if frame is None and verb is not None and here is not None:
            # 深圳市向百色市投入6.3亿元、向河池市投入5.1亿元: the same giver
            to = next((sp for sp in places if since <= sp.start < verb.start()
                       and text[sp.start - 1:sp.start] in rules["prepositions"]), None)
            frame = _Frame(here.giver, to, verb.end(), kind) if to else None
        # the subject of a verb in the amount's own clause gives; else the owner the money is named after
        # (房山区对口帮扶突泉县以来,利用2058万元京蒙扶贫协作资金 → 北京市); else a place right before the amount
        owner = _owner(text, clause_start, q, places, context.found)
        in_clause = frame.giver.key if frame and verb.start() >= clause_start else None
        adjacent = next((sp.key for sp in places if sp.end == q.start and sp.rule != "fused-abbreviation"), None) \
            if verb is None else None
        giver = in_clause or owner or (frame.giver.key if frame else None) or adjacent
        blocked = _collective(text, s, clause_start, q, places)
        continued = giver is None and here is not None and not blocked  # 投入资金3559万元,其中省级财政拨付1000万元
        if continued:
            giver = here.giver.key
        topic = None
        if giver is None and not blocked:  # 扬州市以镇、村结对为突破口助力榆林市…,捐助扶贫济困资金近200万元
            topic = _topic(text, s, [p for p in places if p.rule not in ("fused-abbreviation", "abbreviation-after-verb")])
            if topic and topic.end <= clause_start and _province(context.found, topic.key) in rules["eastern"]:
                giver = topic.key
            else:
                topic = None
        after_verb = next((sp for sp in places if verb is not None and verb.end() <= sp.start <= verb.end() + 3
                           and sp.rule not in ("fused-abbreviation", "abbreviation-after-verb")), None)
        receiver = _listed_receiver(text, q, places, frame) or (frame.receiver if frame else None) or after_verb \
            or _receiver_after(text, q, places, rules, e, context.found) or _located(text, s, q, places, context.found) \
            or (here.receiver if continued else None) or (_helped(text, topic, q, places) if topic else None)
        if q.start not in spread:  # lists in step: A、B分别安排…850万元和720万元,用于C、D
            spread.update(_aligned(text, frame, receiver, i, sums, places, e))
        receiver = spread[q.start][0][1] if q.start in spread else receiver
        receiver_key = receiver.key if receiver else None
        if giver is None and not blocked:
            if receiver_key is None:
                giver, receiver_key = context.both(s) or (None, None)
            else:
                giver = context.giver_for(receiver_key, s)
        elif giver is not None and receiver_key is None:
            receiver_key = context.receiver_for(giver, s)
        if giver is None or receiver_key is None or receiver_key == giver:
            continue
        kind = "Donation" if "捐" in text[s:q.end] else kind
        if q.start not in spread_years:
            spread_years.update(_years_respectively(text, s, i, sums))
        year = spread_years.get(q.start) or _year(doc, s, e, q.start)
        for g, to in [(a.key, b.key) for a, b in spread[q.start]] if q.start in spread else [(giver, receiver_key)]:
            out.append(Relation("funds", (g, to), doc.evidence(frame.giver.start if frame and frame.giver.end > s else q.start,
                                                                   q.end, "funding-verb" if frame else "funding-context"),
                                year=year, amount=q.value, currency=q.unit, funding_kind=kind))
            context.funded(g, to, s)
        used.add((q.start, q.end))
        giver_span = frame.giver if frame and frame.giver.key == giver else Span(q.start, q.start, giver, "", "context", "")
        here = _Frame(giver_span, receiver or Span(q.end, q.end, receiver_key, "", "context", ""), q.end, kind)
    return out, used


def _helped(text: str, topic: Span, q: Quantity, places: list[Span]) -> Span | None:
    """The place a sentence's subject helps (助力榆林市), before the amount."""
    helps = _rules()["help_verbs"]
    return next((p for p in places if topic.end <= p.start < q.start and p.key != topic.key
                 and any(text.startswith(w, p.start - len(w)) for w in helps)), None)


def _aid_money(text: str, clause_start: int, q: Quantity) -> bool:
    """财政援助资金9.65亿元, 9.65亿元财政援助资金, 援疆资金: the amount is named as aid money."""
    rules = _rules()
    before = text[max(clause_start, q.start - 14):q.start]
    after = re.match(r"[^,;:。]{0,8}", text[q.end:q.end + 8]).group()
    if after.startswith("资金由"):  # 37.15亿元资金由苏入青
        return True
    return any(n in part and any(w in part for w in rules["aid_qualifiers"])
               for part in (before, after) for n in rules["money_nouns"])


def _owner(text: str, clause_start: int, q: Quantity, places: list[Span], found: Found) -> str | None:
    """江苏省对口援疆资金11000万元, 利用2058万元京蒙扶贫协作资金: money named after its owner, right before or right
    after the amount, is the owner's (a collaboration's name: its eastern partner)."""
    rules = _rules()
    nouns = "|".join(map(re.escape, rules["money_nouns"]))
    for sp in places:
        if not (clause_start <= sp.start < q.start or sp.start == q.end):
            continue
        m = rules["owned_money"].match(text, sp.end)
        if not m or not any(w in m.group() for w in rules["aid_qualifiers"]) or (sp.start < q.start and m.end() < q.start - 2):
            continue
        # 向柳林镇拨付结对帮扶资金: a verb between the place and its money makes the place no owner
        if rules["verbs"].search(re.sub(rf"(?:{'|'.join(rules['verb_kind'])})(?=(?:{nouns})$)", "", m.group())) \
                or rules["verbs"].search(text, max(clause_start, sp.start - 4), sp.start) \
                or text[sp.start - 1:sp.start] in rules["prepositions"]:
            continue
        if sp.rule != "fused-abbreviation" or _province(found, sp.key) in rules["eastern"]:
            return sp.key
    return None


def _collective(text: str, s: int, clause_start: int, q: Quantity, places: list[Span]) -> bool:
    """社会各界捐助折款1.45亿元, 对口市县区援助3.35亿元, 东部9省市累计…投入: a giver that is no one place (in the
    amount's clause, or the clause before when this one names no place)."""
    start = clause_start
    if not any(clause_start <= sp.start < q.start for sp in places):
        start = max([s] + [m.end() for m in _CLAUSE.finditer(text, s, max(s, clause_start - 1))])
    gap = text[start:q.start]
    for sp in places:
        if start <= sp.start < q.start:
            gap = gap.replace(sp.text, " ")
    return any(w in gap for w in _rules()["collective_givers"]) or bool(_COUNTED_PLACES.search(gap)) \
        or any(w in text[s:q.start] for w in _rules()["organisation_givers"])


_COUNTED_PLACES = re.compile(r"(?<![向给为对])\d+个?(?:省区市|省市|省区|市县|县市|区县|县区|省|市|县|区)")


def _frame(text: str, verb: re.Match, places: list[Span], rules, found: Found, amount_at: int) -> _Frame | None:
    """The giver before a funding verb (with nothing but a year or 政府 between) and the receiver, if named;
    平武县收到…衢江区发来的…: the receiver first, after a verb of receiving, and the giver before the amount."""
    before = [sp for sp in places if sp.end <= verb.start()]
    subject = next((sp for sp in reversed(before) if sp.rule != "abbreviation-after-verb" and not _IN_COMPANY.match(text, sp.end)
                    and not (text[sp.start - 1:sp.start] in "与同和" and re.match(r"[^,;。]{0,6}的", text[sp.end:]))  # 与忻城县结对的乡镇
                    and _subject_gap(text, sp, verb.start(), rules)
                    and text[_list_start(text, sp, before).start - 1:][:1] not in rules["prepositions"]), None)
    if verb.group() in rules["receiving_verbs"]:
        giver = next((sp for sp in places if verb.end() <= sp.start and sp.end <= amount_at
                      and sp.rule != "fused-abbreviation"), None)
        return _Frame(giver, subject, verb.end(), "FiscalAid") if giver and subject else None
    if subject is None:
        return None
    giver = _side_of(text, subject, before, found)
    # the last place marked as the receiver before the verb: 向百色市投入6.3亿元、向河池市投入 gives to 河池市
    receiver = next((sp for sp in reversed(before) if sp.start > subject.start
                     and text[sp.start - 1:sp.start] in rules["prepositions"]), None)
    if receiver is None:  # 投入京蒙协作资金: the 京 of a collaboration's name receives nothing, nor the 藏 of 援藏
        receiver = next((sp for sp in places if verb.end() <= sp.start <= verb.end() + 3
                         and sp.rule not in ("fused-abbreviation", "abbreviation-after-verb")), None)
    return _Frame(giver, receiver, verb.end(), rules["verb_kind"][verb.group()])


def _side_of(text: str, giver: Span, before: list[Span], found: Found) -> Span:
    """宁波市交通委和奉化市、宁海县…帮扶: bodies of one side that give together are that side (宁波市)."""
    members, first = [giver], giver
    for p in reversed([p for p in before if p.end <= giver.start]):
        gap = text[p.end:first.start]
        if not (gap in ("、", "和", "及") or len(gap) <= 5 and gap[-1:] in ("和", "及") and not re.search(r"[,;、]", gap[:-1])):
            break
        members.insert(0, p)
        first = p
    keys = [m.key for m in members]
    return next((m for m in members if len(members) > 1 and all(k == m.key or m.key in _ancestors(found, k) for k in keys)),
                giver)


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
    gap = _COUNTED_PARTNERS.sub("", gap)  # 杨梅镇、同庆镇4个与忻城县结对的乡镇各捐助: the towns give
    to = next((i for i, ch in enumerate(gap) if ch in rules["prepositions"]), None)
    gap = gap if to is None else gap[:to]  # 分别向柳林镇、扎古录镇拨付: the receivers are no second giver
    return (len(gap) <= 15 and not re.search(r"[、,;与和及]", gap) and not any(w in gap for w in rules["organisations"])
            and text[sp.start - 1:sp.start] not in rules["prepositions"])


def _aligned(text: str, frame: _Frame | None, receiver: Span | None, i: int, sums: list[Quantity], places: list[Span],
             e: int) -> dict[int, list[tuple[Span, Span]]]:
    """Lists that go in step, by their order: 中山门街道、春华街道分别向柳林镇、扎古录镇拨付…20万元 (givers and
    receivers); 向广西、贵州两省区分别投入31.2亿元和38.5亿元 (receivers and amounts); 大丰区、东台市分别安排…850万元和
    720万元,用于宜君县、耀州区 (all three); 杭州、湖州、绍兴、金华4市将分别帮扶300万元,拟实施康定县…、丹巴县…等
    (receivers named after the amount); 杨梅镇、同庆镇…4个…乡镇各捐助资金10万元 (each giver, one amount)."""
    listed = _listed(text, i, sums)
    each = frame is not None and bool(re.search("分别|各", text[frame.giver.end:frame.verb_end]))
    givers = _run_back(text, frame.giver, places) if each else [frame.giver] if frame else []
    receivers = [] if receiver is None else _run(text, places, places.index(receiver)) if receiver in places else [receiver]
    if each and len(receivers) <= 1 and len(givers) > 1:  # 拟实施康定县核桃产业、丹巴县葡萄产业…: the places after
        end = next((m.start() for m in re.finditer(r"[;。]", text[listed[-1].end:e])), e - listed[-1].end) + listed[-1].end
        after = [p for p in places if listed[-1].end <= p.start < end and p.type in ("Province", "City", "County")
                 and p.key not in {g.key for g in givers}]
        if len({p.key for p in after}) == len(givers):
            receivers = after
    n_g, n_a, n_r = len(givers), len(listed), len(receivers)
    if not n_r:
        return {}
    if n_g > 1 and n_g == n_r and n_a in (1, n_g):
        return {listed[min(k, n_a - 1)].start: [(givers[k], receivers[k])] for k in range(n_g)} if n_a > 1 else \
            {listed[0].start: list(zip(givers, receivers))}
    if n_g <= 1 and n_r > 1 and n_a == n_r and frame is not None:
        return {a.start: [(frame.giver, r)] for a, r in zip(listed, receivers)}
    if n_g > 1 and n_r == 1 and (n_a == n_g or n_a == 1 and each):
        return {listed[0].start: [(g, receivers[0]) for g in givers]} if n_a == 1 else \
            {a.start: [(g, receivers[0])] for a, g in zip(listed, givers)}
    return {}


def _run_back(text: str, last: Span, places: list[Span]) -> list[Span]:
    """The places of the 、-list that ``last`` ends: 海淀、门头沟、顺义、房山 (4区将分别…)."""
    run = [last]
    for p in reversed([p for p in places if p.end <= last.start]):
        if text[p.end:run[0].start] not in ("、", "和", "及"):
            break
        run.insert(0, p)
    return run


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


def _province(found: Found, key: str) -> str | None:
    chain = [key] + _ancestors(found, key)
    return next((k.split(":", 1)[1] for k in chain if found.entities[k].type == "Province" and k.startswith("division:")), None)


def _listed_receiver(text: str, q: Quantity, places: list[Span], frame: _Frame | None) -> Span | None:
    """深圳市投入百色市5.12亿元、河池市4.63亿元: a place right before the amount, after the frame's receiver."""
    sp = next((sp for sp in reversed(places) if sp.end <= q.start), None)
    if frame and sp and q.start - sp.end <= 2 and frame.receiver and sp.start > frame.receiver.end \
            and text[sp.start - 1] in "、,":
        return sp
    return None


def _receiver_after(text: str, q: Quantity, places: list[Span], rules, e: int, found: Found) -> Span | None:
    """…安排资金500万元,在田林县援建…, 援助7.74亿元帮扶宁夏: the receiver named after the amount; a project's
    place (投资200万元,实施沙子镇三合村…) is its county's."""
    for sp in places:
        if q.end <= sp.start < e and sp.start - q.end <= 8 and sp.rule != "fused-abbreviation":
            word = next((w for w in rules["receiver_after"] if text.startswith(w, sp.start - len(w))
                         or text.startswith(w + "的", sp.start - len(w) - 1) or text.startswith(w + "的“", sp.start - len(w) - 2)), None)
            if word:
                return _county_of(found, sp) if word in rules["project_after"] else sp
    return None


def _located(text: str, s: int, q: Quantity, places: list[Span], found: Found) -> Span | None:
    """位于霍城县清水河镇的瞻德中学…投入1500万元: money for a project goes to the county it lies in."""
    for sp in places:
        if s <= sp.start < q.start and any(text.startswith(w, sp.start - len(w)) for w in _rules()["located"]) \
                and text.startswith("的", sp.end):
            return _county_of(found, sp)
    return None


def _county_of(found: Found, sp: Span) -> Span:
    if found.entities[sp.key].type not in ("Town", "Village"):
        return sp
    county = next((k for k in _ancestors(found, sp.key) if found.entities[k].type == "County"), None)
    return Span(sp.start, sp.end, county, "County", sp.rule, sp.text) if county else sp


def _title_paragraph(doc: Document) -> tuple[int, int] | None:
    title = (doc.title or "").strip()
    return next((p for p in doc.paragraphs[:8] if title and doc.clean[slice(*p)].strip() == title), None)


def _without_rounded_headline(doc: Document, relations: list[Relation]) -> list[Relation]:
    """福建16年累计援助7亿多元 over a report of 7.74亿元: the title's rounded figure is the body's, not a second one."""
    para = _title_paragraph(doc)
    if not para:
        return relations
    start, end = doc.original(*para)
    body = [r for r in relations if r.kind == "funds" and not start <= r.evidence.start < end]
    return [r for r in relations if not (r.kind == "funds" and start <= r.evidence.start < end and any(
        b.partners[1] == r.partners[1] and r.amount <= b.amount <= 1.5 * r.amount for b in body))]


def _cobuilds(doc: Document, s: int, e: int, spans: list[Span], found: Found, last_pairs, context: _Context):
    """Parks built together. Partners from the park's name (富(富平)丹(丹阳), 乌什·衢州…), from builder sentences
    (A与B共建P, P由A、B合力打造, 园区由A、B合力打造 after P, 两省共建, A、B…在C建立“P”), and, where the name
    abbreviates provinces or names cities, the places under them that the text pairs (浙川… built by 永康 and 理县)."""
    text, rules = doc.clean, _rules()
    parks = [sp for sp in spans if sp.type == "Park"]
    if not parks and not rules["cobuild_rx"].search(text, s, e):
        return []
    places = _places(spans, found, text)
    built: dict[str, list[str]] = {}
    for t in rules["cobuild_rx"].finditer(text, s, e):
        clause = max([s] + [m.end() for m in _CLAUSE.finditer(text, s, t.start())])
        clause_end = next((m.start() for m in _CLAUSE.finditer(text, t.end(), e)), e)
        after = [p for p in parks if t.end() <= p.start < clause_end]
        by = text.rfind("由", clause, t.start())
        before = [p for p in parks if clause <= p.start < (by if by >= 0 else t.start())]
        park = after[:1]
        for p in after[1:]:  # 两省共建宁(南京)商(商洛)生物医药产业园和富(富平)丹(丹阳)产业园: each of the list
            if text[park[-1].end:p.start] not in ("和", "、", "及", "与"):
                break
            park.append(p)
        park = park or (before[-1:] if by >= 0 else []) or _anaphor(doc, text, clause, found)
        if not park:
            continue
        floor = max([clause, by] + [p.end for p in parks if p.end <= t.start()])
        builders = [p.key for p in places if floor <= p.start and p.end <= t.start()
                    and not any(q.start <= p.start < q.end for q in parks)]
        if t.group() in rules["cobuild_weak"]:  # 在船山建立“P”: the place it is built in, and the sentence's subjects
            where = [p for p in places if clause <= p.start < t.start() and text.endswith("在", 0, p.start)]
            topic = _topic(text, s, [p for p in places if p.rule != "fused-abbreviation"])
            if not where or not topic:
                continue
            builders = [p.key for p in _run(text, places, places.index(topic))] + [p.key for p in where]
        builders = builders or list(_pair_deixis(text[clause:t.start()], last_pairs))
        for p in park:
            built.setdefault(p.key, []).extend(builders)
    out = []
    for sp in parks:
        named = _most_specific(found, found.park_partners.get(sp.key, ()))
        by_sentence = built.pop(sp.key, [])
        partners = list(dict.fromkeys(by_sentence + named + context.under(named)))
        if len(partners) >= 2 and (by_sentence or len(named) >= 2):
            out.append(Relation("coBuilds", tuple(partners), doc.evidence(sp.start, sp.end, "cobuild"), park=sp.key))
    for key, builders in built.items():  # 园区由A、B合力打造: the park named before
        if len(set(builders)) >= 2:
            at = next(x for x in reversed(found.spans) if x.key == key and x.start < s)
            partners = list(dict.fromkeys(builders + _most_specific(found, found.park_partners.get(key, ()))))
            out.append(Relation("coBuilds", tuple(partners), doc.evidence(at.start, at.end, "cobuild-anaphor"), park=key))
    return out


def _anaphor(doc: Document, text: str, clause: int, found: Found) -> list[Span]:
    """园区由…合力打造: a clause that opens with 园区, 该园 … speaks of the park the paragraph named last."""
    if not re.match(r"(?:该|这个|这一)?(?:园区|产业园|示范园|该园)", text[clause:clause + 6]):
        return []
    para = doc.paragraph_at(clause) or (clause, clause)
    before = [sp for sp in found.spans if sp.type == "Park" and para[0] - 2000 <= sp.start < clause]
    return before[-1:]


def _most_specific(found: Found, keys) -> list[str]:
    """江苏省栖霞…园: a name's places without those that another of them lies in."""
    keys = list(dict.fromkeys(keys))
    return [k for k in keys if not any(k in _ancestors(found, o) for o in keys if o != k)]


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
