"""Entities: divisions (linked to the gazetteer), villages, parks and programs, found in a Document.

``recognise`` is pure: a Document in, spans and entities out. Offsets here are offsets of ``Document.clean``.
"""
from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass, field, replace
from functools import cache

from .documents import CJK, Document
from .facts import Entity
from .gazetteer import Division, Gazetteer, gazetteer
from .lexicon import lexicon

LEVEL_RANK = {"Province": 0, "City": 1, "County": 2, "Town": 3, "Village": 4}
_COUNT_LEVEL = re.compile(r"(?:两|二|三|四|五|六|七|八|九|十|\d+)个?(?:县|市|区|旗|州|省|地|镇|乡)")
_LISTED_COUNT = re.compile(rf"(?:、[{CJK}]{{2,8}}?)*(?:两|二|三|四|五|六|七|八|九|十|\d+)个?(?:自治)?(县|市|区|旗|州)")
_QUOTED = re.compile(r"[“\"「『]([^“”\"「」『』]{2,20})[”\"」』]")
_QUOTED_LIST = re.compile(r"(?:[、和及]?[“\"「『][^“”\"「」『』]{2,20}[”\"」』])*(?:[两二三四五六七八九十\d]+[项大个])?")
_VILLAGE_STEM = re.compile(rf"[{CJK}]{{1,5}}?(?:村|社区)")
_DATELINE = re.compile(r"\d{1,2}月\d{1,2}日(?:电|消息|讯)")
_BEFORE_PROVINCE = set("向在到赴来与和同及、去至从往驻援入回对给为")  # 向上海 is no 向上 (搭上海风 holds no 上海)
_LISTED_VILLAGES = re.compile(rf"(?<![{CJK}])((?:[{CJK}]{{2,4}}、)+[{CJK}]{{2,4}}?)等(?:[\d两三四五六七八九十]+个)?(村|社区)")
_NOT_VILLAGE = ("贫困", "重点", "深度", "所有", "各", "全", "个", "对", "示范", "等", "农村", "乡村", "新村", "行政", "位", "名",
                "一", "两", "几", "每", "该", "本", "这", "其")


@dataclass(frozen=True)
class Span:
    """An entity mention in Document.clean."""

    start: int
    end: int
    key: str
    type: str
    rule: str
    text: str


@dataclass
class Found:
    """What recognition returns: entities by key, their spans in text order, and what relations need."""

    entities: dict[str, Entity] = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    home: str | None = None
    fused_pairs: list[tuple[int, int, str, str]] = field(default_factory=list)  # start, end, key, key
    park_partners: dict[str, tuple[str, ...]] = field(default_factory=dict)  # park key -> partner keys
    _index: list[tuple[int, int]] = field(default_factory=list, repr=False, compare=False)  # (start, end) of spans, sorted
    _indexed: int = field(default=0, repr=False, compare=False)  # how many of spans are in _index
    _longest: int = field(default=0, repr=False, compare=False)
    _sorted: list = field(default_factory=list, repr=False, compare=False)  # spans by start, for within()
    _sorted_starts: list = field(default_factory=list, repr=False, compare=False)
    _sorted_at: int = field(default=-1, repr=False, compare=False)

    def covered(self, start: int, end: int) -> bool:
        """Whether a span found so far overlaps clean[start:end] (a binary search: a long report has thousands)."""
        for sp in self.spans[self._indexed:]:  # spans are only ever added
            bisect.insort(self._index, (sp.start, sp.end))
            self._longest = max(self._longest, sp.end - sp.start)
        self._indexed = len(self.spans)
        near = self._index[bisect.bisect_left(self._index, (start - self._longest,)):bisect.bisect_left(self._index, (end,))]
        return any(e > start for _, e in near)

    def within(self, start: int, end: int) -> list[Span]:
        """The spans found so far that lie inside clean[start:end] (sorted once per change: a report has thousands)."""
        if not 0 <= self._sorted_at <= len(self.spans):  # first use, or spans were dropped
            self._sorted, self._sorted_starts, self._sorted_at = [], [], 0
        for sp in self.spans[self._sorted_at:]:  # spans are only ever added between drops
            at = bisect.bisect_right(self._sorted_starts, sp.start)
            self._sorted.insert(at, sp)
            self._sorted_starts.insert(at, sp.start)
        self._sorted_at = len(self.spans)
        lo, hi = bisect.bisect_left(self._sorted_starts, start), bisect.bisect_left(self._sorted_starts, end)
        return [sp for sp in self._sorted[lo:hi] if sp.end <= end]

    def drop(self, spans: list[Span]) -> None:
        """Take back spans a longer name has shown to be part of it (西安 in 瓶窑镇西安寺村)."""
        gone = set(map(id, spans))
        self.spans = [sp for sp in self.spans if id(sp) not in gone]
        self._index, self._indexed, self._longest, self._sorted_at = [], 0, 0, -1


def division_key(code: str) -> str:
    return f"division:{code}"


def division_entity(d: Division, former: tuple = ()) -> Entity:
    return Entity(key=division_key(d.code), name=d.name, type=d.level, code=d.code,
                  parent=division_key(d.parent) if d.parent else None, name_en=d.name_en, lon=d.lon, lat=d.lat,
                  former=former)


@cache
def _any_of(words: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


@cache
def _rules() -> dict:
    lex = lexicon()
    return {
        "self": lex["deixis"]["self"],
        "abbreviation_verbs": lex["deixis"]["abbreviation_verbs"],
        "fused_followers": sorted(lex["relations"]["fused_pair_followers"], key=len, reverse=True),
        "collaboration": sorted(lex["programs"]["collaboration_suffixes"], key=len, reverse=True),
        "quoted_followers": tuple(lex["programs"]["quoted_followers"]),
        "far_followers": re.compile(rf"(?:[{CJK}]{{0,6}}|等[^,;。]{{0,14}})(?:{'|'.join(lex['programs']['far_followers'])})"),
        "program_words": tuple(lex["programs"]["program_words"]),
        "named_programs": _any_of(tuple(lex["programs"]["named"])),
        "collaboration_after_pair": re.compile(r"互学互助对口协作|互学互助协作|[^\W\d两地省区市的和与及在是了落实开展推进加强深化]{2,4}?对口协作"),
        "launched_campaign": re.compile(rf"(?:实施|开展|启动|推进)([{CJK}]{{2,14}}?(?:行动|工程))(?=[为,。;、])"),
        "city_abbreviations": lex["city_abbreviations"],
        "park_suffixes": sorted(lex["parks"]["suffixes"], key=len, reverse=True),
        "park_stops": sorted(lex["parks"]["stop_words"], key=len, reverse=True),
        "listed_parks": re.compile(rf"((?:[{CJK}]{{2,6}}[—\-·][{CJK}]{{2,4}}?、)+[{CJK}]{{2,4}}[—\-·][{CJK}]{{2,4}}?)"
                                   r"等?[\d一二三四五六七八九十两]+个"),
        "built_park": re.compile(rf"(?:{'|'.join(map(re.escape, sorted(lex['relations']['cobuild'], key=len, reverse=True)))})"
                                 rf"[“\"]?((?:[{CJK}]|[·—\-]){{2,20}}?(?:园|飞地))[”\"]?(?=项目|,|、|。|;|$)"),
        "pairing": lex["relations"]["pairing"],
        "not_place_after": tuple(lex["names"]["not_place_after"]),
        "hiding_words": _any_of(tuple(lex["names"]["hiding_words"])),
        "person_titles": tuple(lex["names"]["person_titles"]),
        "surnames": frozenset(lex["names"]["surnames"]),
        "speech": tuple(lex["names"]["speech"]),
        "cobuild": tuple(lex["relations"]["cobuild"]),
        "generic_park_words": lex["parks"]["generic_words"],
        "connectors": lex["relations"]["connectors"],
    }


def recognise(doc: Document, gaz: Gazetteer | None = None) -> Found:
    """Find every entity mention of a document (pure)."""
    gaz = gaz or gazetteer()
    found = Found()
    text = doc.clean
    hits = []  # (start, end, alias)
    for s, e in doc.sentences + doc.asides:  # a page's menus and link lists name places too
        hidden = [m.span() for m in _rules()["hiding_words"].finditer(text, s, e)]
        scanned = list(gaz.scan(text, s, e))  # in order of their ends
        full = sorted((hs, he) for hs, he, alias in scanned if alias.full)
        longest = max((fe - fs for fs, fe in full), default=0)
        for hs, he, alias in scanned:
            near = full[bisect.bisect_left(full, (hs - longest,)):bisect.bisect_left(full, (he,))]
            if not alias.full and any(hs < fe and fe - fs > he - hs for fs, fe in near):
                continue  # 援建平武县: a longer full name beats the short one it overlaps (建平); 威宁县 keeps 宁县 out
            if hidden and any(a <= hs and he <= b for a, b in hidden):
                continue  # 长治久安 holds no 长治, 新县城 no 新县
            if len(alias.text) == 2 and alias.full and _inside_word(text, hs, gaz):
                continue  # 建成县级 holds no 成县, 健康县城 no 康县
            if not alias.full and (text.startswith(_rules()["not_place_after"], he)
                                   or _inside_word(text, hs, gaz) and not (_is_province(alias.codes, gaz)
                                                                           and text[hs - 1:hs] in _BEFORE_PROVINCE)
                                   or len(alias.text) == 2 and text[he - 1:he + 1] in gaz.bigrams  # 搭上海风, 市中等职业
                                   or _given_name(text, s, hs, he)):
                continue
            if _is_town(alias.codes, gaz) and _town_is_word(text, hs, he, gaz):
                continue
            hits.append((hs, he, alias))
    hits = _leftmost_longest(hits)
    common = {(hs, he) for hs, he, alias in hits if alias.common}
    _common_at = common.__contains__
    resolved = {}  # (start, end) -> code
    pending = []
    for hs, he, alias in hits:
        if len(alias.codes) == 1:
            resolved[hs, he] = alias.codes[0]
        else:
            pending.append((hs, he, alias, alias.codes))
    home = _home(doc, gaz)
    mentioned = set(resolved.values()) | ({home} if home else set())
    ending = {}  # end → code of the first place resolved that ends there
    for (a, b), c in resolved.items():
        ending.setdefault(b, c)
    written_full = {code for (hs, he), code in resolved.items() if text[hs:he] == gaz.divisions[code].name}
    for hs, he, alias, codes in pending:
        codes = _counted_as(text, he, codes, gaz)
        if not alias.full:
            # 阿克苏 beside 阿克苏市 written in full: the bare name is the prefecture the text does not spell out
            top = min(LEVEL_RANK[gaz.divisions[c].level] for c in codes)
            codes = [c for c in codes if c not in written_full or LEVEL_RANK[gaz.divisions[c].level] == top] or codes
            if _DATELINE.match(text, he):  # 央广网伊宁4月25日消息: a dateline names a city
                codes = [c for c in codes if gaz.divisions[c].name.endswith("市")] or codes
        before = ending.get(hs)
        # 宕昌县城关镇: the place written right before decides
        chained = [c for c in codes if before and before in gaz.ancestors(c)]
        code = chained[0] if len(chained) == 1 else _disambiguate(codes, mentioned, gaz, full=alias.full)
        if code:
            resolved[hs, he] = code
            ending.setdefault(he, code)
        elif len({gaz.divisions[c].name for c in codes}) == 1 and not (alias.common and not _supported(
                text, hs, he, sorted(k for k, c in resolved.items() if not _common_at(k)), _reach(resolved), doc)):
            d = gaz.divisions[codes[0]]
            key = f"unlinked:{d.level}:{d.name}"
            found.entities[key] = Entity(key=key, name=d.name, type=d.level, name_en=d.name_en)
            found.spans.append(Span(hs, he, key, d.level, "gazetteer-ambiguous", text[hs:he]))
    # only places that are no everyday word support one that is (产业合作、资源互补 holds neither 合作市 nor 资源县)
    accepted = sorted(k for k in resolved if not _common_at(k))
    reach = _reach(resolved)
    for hs, he, alias in hits:
        code = resolved.get((hs, he))
        if code is None:
            continue
        supported = _supported(text, hs, he, accepted, reach, doc)
        if alias.common and not supported:
            continue
        if not alias.full and not supported and LEVEL_RANK[gaz.divisions[code].level] >= LEVEL_RANK["County"] \
                and not set(gaz.ancestors(code)) & mentioned:
            continue  # a bare county name (建宁 in 共建宁…) needs its city or province named too
        _add_division(found, gaz, code, Span(hs, he, division_key(code), gaz.divisions[code].level,
                                              "gazetteer-full" if alias.full else "gazetteer-short", text[hs:he]))
    named = {sp.key for sp in found.spans}
    if home:
        found.home = division_key(home)
        _deixis(doc, gaz, found, home)
    _fused_pairs(doc, gaz, found)
    _abbreviation_verbs(doc, gaz, found, named | {found.home})
    _listed_towns(doc, gaz, found)
    _villages(doc, gaz, found)
    _parks(doc, gaz, found)
    _programs(doc, gaz, found)
    found.spans.sort(key=lambda sp: (sp.start, -sp.end))
    _names_of_the_time(doc, gaz, found)
    return found


def _names_of_the_time(doc: Document, gaz: Gazetteer, found: Found) -> None:
    """A division is called what the document calls it: 金坛市 in an article that writes 金坛市; for a bare name
    (高淳 in a 2010 yearbook), the name it had in the article's year."""
    written: dict[str, set[str]] = {}
    for sp in found.spans:
        if sp.rule == "gazetteer-full":
            written.setdefault(sp.key, set()).add(sp.text)
    for key, e in list(found.entities.items()):
        if not e.former:
            continue
        names = written.get(key, set())
        older = [n for n, _, _ in e.former if n in names]
        then = gaz.name_at(e.code, doc.year) if doc.year else e.name
        called = None if e.name in names else older[0] if older else then if then != e.name else None
        if called:
            found.entities[key] = replace(e, called=called)


def _reach(resolved) -> int:
    """How far apart two places joined by 、 or a connector can start: the longest name plus the longest connector."""
    return max((e - s for s, e in resolved), default=0) + max(map(len, _rules()["connectors"]), default=0)


def _is_province(codes, gaz: Gazetteer) -> bool:
    return all(gaz.divisions[c].level == "Province" for c in codes)


def _is_town(codes, gaz: Gazetteer) -> bool:
    return all(gaz.divisions[c].level == "Town" for c in codes)


def _town_is_word(text: str, start: int, end: int, gaz: Gazetteer) -> bool:
    """发展乡村 holds no 发展乡, 乡村建设镇村联动 no 建设镇: a town name that ends inside a word, or whose
    stem is an everyday word, counts only right after its county (富平县庄里镇)."""
    if text[end - 1:end + 1] in gaz.bigrams:
        return True
    stem = _TOWN_SUFFIX.sub("", text[start:end])
    return (stem in gaz.bigrams or stem in gaz.common) and not _after_place(text, start) \
        and not _next_to_town(text, start, end)


def _next_to_town(text: str, start: int, end: int) -> bool:
    """金沙街道与平安镇, 大连路社区—城西街道: a town joined to another town (or to a village) is a town."""
    before = re.search(r"(镇|乡|街道|村|社区)(与|和|、|同|—)$", text[max(0, start - 4):start])
    after = re.match(r"(与|和|、|同|—)[\u4e00-\u9fff]{1,6}?(镇|乡|街道)", text[end:end + 10])
    return bool(before or after)


def _after_place(text: str, start: int) -> bool:
    return any(text.endswith(a, 0, start) for a in ("县", "区", "市", "旗"))


def _inside_word(text: str, start: int, gaz: Gazetteer) -> bool:
    """A short name whose first character ends an everyday word (投资兴业 is not 资兴) is not a name."""
    return start > 0 and text[start - 1:start + 1] in gaz.bigrams


def _given_name(text: str, sentence_start: int, start: int, end: int) -> bool:
    """副县长陈赤峰说: a short name after a title and a surname is a person's given name, not the place; so is one
    right after a title that goes on to speak (牧民尼玛说)."""
    titles = _rules()["person_titles"]
    return end - start <= 2 and (
        start - 1 > sentence_start and text[start - 1] in _rules()["surnames"]
        and text.endswith(titles, sentence_start, start - 1)
        or text.endswith(titles, sentence_start, start) and text.startswith(_rules()["speech"], end))


def _leftmost_longest(hits, prefer=lambda h: not h[2].full):
    """Non-overlapping hits, scanning left to right and taking the longest (then preferred) at each place."""
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0]), prefer(h)))
    out, pos = [], -1
    for h in hits:
        if h[0] >= pos:
            out.append(h)
            pos = h[1]
    return out


def _counted_as(text: str, end: int, codes, gaz: Gazetteer):
    """中山、东莞两市: a name in a list that a count closes is of the kind counted (中山市, not 中山区)."""
    m = _LISTED_COUNT.match(text, end)
    if not m:
        return codes
    kind = [c for c in codes if gaz.divisions[c].name.endswith(m.group(1))]
    return kind or codes


def _disambiguate(codes, mentioned: set[str], gaz: Gazetteer, *, full: bool) -> str | None:
    """Pick the candidate whose parents the document names; a bare short name leans to the higher level."""
    weights = {"Province": 1, "City": 2, "County": 3, "Town": 4}
    scored = []
    for c in codes:
        score = sum(weights.get(gaz.divisions[a].level, 1) for a in gaz.ancestors(c) if a in mentioned)
        score += 5 if c in mentioned else 0
        scored.append((score, c))
    scored.sort(reverse=True)
    if scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    if scored[0][0] == 0 and not full:
        top = min(LEVEL_RANK[gaz.divisions[c].level] for c in codes)
        best = [c for c in codes if LEVEL_RANK[gaz.divisions[c].level] == top]
        if len(best) == 1:
            return best[0]
    return None


def _supported(text: str, start: int, end: int, accepted: list[tuple[int, int]], reach: int, doc: Document) -> bool:
    """An everyday word counts as a place only with a strong sign: listed with places, counted (两县),
    bracketed as an expansion (富(富平)), or paired with a place in a pairing sentence."""
    if _COUNT_LEVEL.match(text, end):
        return True
    if start > 1 and text[start - 1] == "(" and text[end:end + 1] == ")" and re.match(f"[{CJK}]", text[start - 2]):
        return True
    rules = _rules()
    # only a place right next to this one can be joined to it by 、 or a connector: one that starts within
    # ``reach`` (the longest place named plus the longest connector); a long report names thousands
    near = accepted[bisect.bisect_left(accepted, (start - reach,)):bisect.bisect_right(accepted, (end + reach, math.inf))]
    for s, e in near:
        if (s, e) == (start, end):
            continue
        between = text[e:start] if e <= start else text[end:s]
        if between == "、":
            return True
        if between in rules["connectors"]:
            a, b = doc.sentence_at(start) or (start, end)
            if any(w in text[a:b] for w in rules["pairing"]):
                return True
    return False


def _add_division(found: Found, gaz: Gazetteer, code: str, span: Span | None = None) -> None:
    """Record a mention and the division with its parents (so every view can show where it lies)."""
    if span is not None:
        found.spans.append(span)
    while code and division_key(code) not in found.entities:
        d = gaz.divisions[code]
        found.entities[division_key(code)] = division_entity(d, tuple(gaz.former_names(code)))
        code = d.parent


def _home(doc: Document, gaz: Gazetteer) -> str | None:
    """The newspaper's own place, from the source in the header: 陕西日报 → 陕西省."""
    known = next((code for name, code in lexicon()["newspapers"].items() if (doc.source or "").startswith(name)), None)
    if known:
        return known
    # a government site's notice names its place first in the title: 卓尼县2022年上半年…
    return _place_at_start(doc.source, gaz) or _place_at_start(doc.title, gaz)


def _place_at_start(text: str | None, gaz: Gazetteer) -> str | None:
    if not text:
        return None
    for s, e, alias in gaz.scan(text):
        if s == 0:
            codes = [c for c in alias.codes if gaz.divisions[c].level in ("Province", "City", "County")]
            if len(codes) == 1:
                return codes[0]
    return None


def _deixis(doc: Document, gaz: Gazetteer, found: Found, home: str) -> None:
    """我省, 我市, 本县…: the newspaper's own place at the level the word names."""
    chain = [home] + gaz.ancestors(home)
    for word, levels in _rules()["self"].items():
        levels = [levels] if isinstance(levels, str) else levels
        # 我区 is the district in a district's paper, the autonomous region in 广西日报
        target = next((c for c in chain if gaz.divisions[c].level in levels), None)
        if target is None and "City" in levels and gaz.divisions[chain[-1]].name.endswith("市"):
            target = chain[-1]  # 我市 in 重庆日报 is 重庆市, a municipality
        if target is None:
            continue
        for s, e in doc.sentences:
            for m in _any_of((word,)).finditer(doc.clean, s, e):
                _add_division(found, gaz, target, Span(m.start(), m.end(), division_key(target),
                                                       gaz.divisions[target].level, "deixis-self", word))


def _fused_pairs(doc: Document, gaz: Gazetteer, found: Found) -> None:
    """苏陕, 闽宁, 沪滇 … followed by a collaboration word: two provinces named by one character each."""
    abbr = gaz.abbreviations
    followers = _rules()["fused_followers"]
    text = doc.clean
    chars = re.escape("".join(abbr))
    # 京蒙、津甘、沪滇等协作关系: each pair of a list that ends with the word
    listed = re.compile(rf"[{chars}]{{2}}(?:、[{chars}]{{2}})+等?(?={'|'.join(map(re.escape, followers))})")
    for s, e in doc.sentences:
        members = {m.start() + k for m in listed.finditer(text, s, e) for k in range(0, m.end() - m.start(), 3)}
        for i in range(s, e - 2):
            a, b = text[i], text[i + 1]
            if a in abbr and b in abbr and abbr[a] != abbr[b] and (text.startswith(tuple(followers), i + 2) or i in members):
                if (i > s and text[i - 1] in abbr) or found.covered(i, i + 2):
                    continue
                for j, code in ((i, abbr[a]), (i + 1, abbr[b])):
                    _add_division(found, gaz, code, Span(j, j + 1, division_key(code), "Province", "fused-abbreviation", text[j]))
                found.fused_pairs.append((i, i + 2, division_key(abbr[a]), division_key(abbr[b])))


def _abbreviation_verbs(doc: Document, gaz: Gazetteer, found: Found, mentioned: set) -> None:
    """在陕投资, 来陕挂职, 援疆: a one-character province after a verb, when the document names that province."""
    abbr, verbs, text = gaz.abbreviations, _rules()["abbreviation_verbs"], doc.clean
    for s, e in doc.sentences:
        for i in range(s + 1, e):
            code = abbr.get(text[i])
            if code and text[i - 1] in verbs and division_key(code) in mentioned and not found.covered(i, i + 1):
                _add_division(found, gaz, code, Span(i, i + 1, division_key(code), "Province", "abbreviation-after-verb", text[i]))


def _villages(doc: Document, gaz: Gazetteer, found: Found) -> None:
    """Villages and communities: a known village of a town or county the document names, or …村 right after a town."""
    text = doc.clean
    parents = dict.fromkeys(sp.key for sp in found.spans if sp.type in ("Town", "County") and sp.key.startswith("division:"))
    codes: dict[str, set[tuple[str, str]]] = {}  # village name → {(code, the named place it lies in)}
    for parent in parents:
        code = parent.split(":", 1)[1]
        for town in [code] if len(code) == 9 else gaz.towns(code):
            for name, vcode in gaz.villages(town).items():
                if len(name) >= 3:
                    codes.setdefault(name, set()).add((vcode, parent))
    hits = []
    if codes:
        import ahocorasick

        automaton = ahocorasick.Automaton()
        for name in codes:
            automaton.add_word(name, name)
        automaton.make_automaton()
        for s, e in doc.sentences:
            for last, name in automaton.iter(text[s:e]):  # a slice: see Gazetteer.scan
                hits.append((s + last + 1 - len(name), s + last + 1, name))
    towns_ending = {sp.end: sp.key for sp in found.spans if sp.type == "Town"}
    chained = set()  # villages named right after their town: elsewhere in the text the name is theirs too
    by_start = sorted(found.spans, key=lambda sp: sp.start)
    starts, longest = [sp.start for sp in by_start], max((sp.end - sp.start for sp in by_start), default=0)
    for hs, he, name in _leftmost_longest(hits, prefer=lambda h: 0):
        if found.covered(hs, he):
            # 瓶窑镇西安寺村, 无极镇东城区社区: right after its town, a village's name holds no other place
            if not (name in chained or towns_ending.get(hs) in {parent for _, parent in codes[name]}):
                continue
            inside = [sp for sp in by_start[bisect.bisect_left(starts, hs - longest):bisect.bisect_left(starts, he)]
                      if sp.end > hs]
            if not all(hs <= sp.start and sp.end <= he for sp in inside):
                continue
            found.drop(inside)
            chained.add(name)
        in_town = {code for code, parent in codes[name] if len(parent) == len("division:") + 9}
        linked = in_town or {code for code, _ in codes[name]}  # the village of a town named, if there is one
        if len(linked) == 1:
            code = linked.pop()
            key = division_key(code)
            found.entities[key] = Entity(key=key, name=name, type="Village", code=code, parent=division_key(code[:9]))
            _add_division(found, gaz, code[:9])  # 松江区胡家埭村: its town too, unnamed, so that every parent is an entity
        else:  # two villages of the places named share the name: a village of the place it was found under
            under = {parent for _, parent in codes[name]}
            key = f"unlinked:Village:{name}"
            found.entities[key] = Entity(key=key, name=name, type="Village", parent=under.pop() if len(under) == 1 else None)
        found.spans.append(Span(hs, he, key, "Village", "village-of-named-parent", name))
    for s, e in doc.sentences:  # 卡什代、德二、哇加等村: each of the list is a village
        for m in _LISTED_VILLAGES.finditer(text, s, e):
            pos = m.start(1)
            items = m.group(1).split("、")
            if len(items[0]) > 2 and items[0][0] in "为向给对在与和及到":  # 为卡什代、德二…: 卡什代
                items[0], pos = items[0][1:], pos + 1
            for item in items:
                name = item + m.group(2)
                if not found.covered(pos, pos + len(item)) and not any(w in item for w in _NOT_VILLAGE):
                    key = next((sp.key for sp in found.spans if sp.type == "Village" and sp.text == name), f"unlinked:Village:{name}")
                    found.entities.setdefault(key, Entity(key=key, name=name, type="Village"))
                    found.spans.append(Span(pos, pos + len(item), key, "Village", "village-in-list", item))
                pos += len(item) + 1
    for sp in [sp for sp in found.spans if sp.type == "Town"]:
        pos = sp.end
        while (m := _VILLAGE_STEM.match(text, pos)) and not found.covered(m.start(), m.end()):
            name = m.group()
            if any(w in name for w in _NOT_VILLAGE) or len(name) < 3:
                break
            key = f"unlinked:Village:{name}"
            found.entities[key] = Entity(key=key, name=name, type="Village", parent=sp.key)
            found.spans.append(Span(m.start(), m.end(), key, "Village", "village-after-town", name))
            pos = m.end() + 1 if text[m.end():m.end() + 1] == "、" else len(text)


# one digit a step: (?:…|\d+)* would try every way to split a long run of digits, for minutes
_LISTED = re.compile(rf"((?:[{CJK}]{{2,4}}、)+[{CJK}]{{2,4}}?)(?:等|两|三|四|五|六|七|八|九|十|\d)*个?(乡镇|镇|乡|街道|苏木)")
_TOWN_SUFFIX = re.compile(r"(民族乡|镇|乡|街道|苏木)$")


def _listed_towns(doc: Document, gaz: Gazetteer, found: Found) -> None:
    """芦花、中坝等11个乡镇: towns by their bare names, in a list that says they are towns, under a named county."""
    counties = {sp.key.split(":", 1)[1] for sp in found.spans if sp.type == "County" and sp.key.startswith("division:")}
    stems: dict[str, list[str]] = {}
    for county in counties:
        for town in gaz.towns(county):
            stems.setdefault(_TOWN_SUFFIX.sub("", gaz.divisions[town].name), []).append(town)
    if not stems:
        return
    text = doc.clean
    for s, e in doc.sentences:
        for m in _LISTED.finditer(text, s, e):
            pos = m.start(1)
            items = m.group(1).split("、")
            first = next((items[0][i:] for i in range(len(items[0]) - 1) if items[0][i:] in stems), None)
            if first is None:
                continue
            pos += len(items[0]) - len(first)
            for item in [first] + items[1:]:
                codes = stems.get(item, [])
                if len(codes) == 1 and not found.covered(pos, pos + len(item)):
                    _add_division(found, gaz, codes[0], Span(pos, pos + len(item), division_key(codes[0]), "Town",
                                                             "town-in-list", item))
                pos += len(item) + 1


def park_name(raw: str) -> str:
    """A park as the scorer names it: bracketed expansions removed (宁(南京)商(商洛)…, 鹤龙[鹤山·龙州]… → 宁商…, 鹤龙…)."""
    return re.sub(r"\([^()]*\)|\[[^\[\]]*\]", "", raw)


def _parks(doc: Document, gaz: Gazetteer, found: Found) -> None:
    """Named parks: a park word (产业园, 工业园区…) and the name before it, back to a stop word or punctuation.
    A name counts when it carries a place, an expansion in brackets, a fused abbreviation pair, a quoted part or
    a builder verb before it; 莲都—义乌、龙泉—萧山等4个省级山海协作产业园 names one park per pair."""
    rules, text = _rules(), doc.clean
    anywhere = _any_of(tuple(rules["park_suffixes"]))
    initials = _initials(found)  # the cities and counties are all found by now; parks add none
    for s, e in doc.sentences:
        read: list[tuple[int, int]] = []
        added = len(found.spans)  # the parks of this sentence are the spans added from here on
        for suffix in rules["park_suffixes"] if anywhere.search(text, s, e) else ():
            for m in re.finditer(re.escape(suffix), text[s:e]):
                end = s + m.end() + (text.startswith("区", s + m.end()) and suffix.endswith("园"))  # 示范园区
                if any(a <= s + m.start() and end <= b for a, b in read):  # 园区 or 工业园 inside 工业园区, read already
                    continue
                read.append((s + m.start(), end))
                start = _name_start(text, s, s + m.start(), rules["park_stops"])
                start = _initials_through_stop(text, s, start, rules["park_stops"], initials)
                listed = rules["listed_parks"].search(text, s, start)
                if listed and listed.end() == start:  # 莲都—义乌、龙泉—萧山…等4个省级山海协作产业园
                    common = re.sub(r"^(?:省级|市级|县级|国家级)", "", text[start:end])
                    for item in re.finditer(r"[^、]+", listed.group(1)):
                        a, b = listed.start(1) + item.start(), listed.start(1) + item.end()
                        dash = a + re.search(r"[—\-·]", item.group()).start()
                        first = [sp for sp in found.within(a, dash) if sp.end == dash and sp.type in LEVEL_RANK]
                        if first:  # 丽水推进莲都—义乌: from the place before the dash
                            a = min(sp.start for sp in first)
                            _park(doc, gaz, found, a, b, text[a:b] + common, initials, named_by=(a, b))
                    continue
                _park(doc, gaz, found, start, end, text[start:end], initials)
        for m in rules["built_park"].finditer(text, s, e):  # 共建杭州未来科技城衢州园项目
            if not any(sp.type == "Park" and sp.start < m.end(1) and m.start(1) < sp.end for sp in found.spans[added:]):
                _park(doc, gaz, found, m.start(1), m.end(1), m.group(1), initials, built=True)


def _park(doc: Document, gaz: Gazetteer, found: Found, start: int, end: int, raw: str, initials: dict[str, str],
          named_by: tuple[int, int] | None = None, built: bool = False) -> None:
    """Record the park text[start:end] (its name ``raw``) if the name is specific, with the partners it spells."""
    rules, text, abbr = _rules(), doc.clean, gaz.abbreviations
    name = re.sub(r"[“”\"]", "", park_name(raw))
    suffix = next((x for x in rules["park_suffixes"] if name.endswith(x) or name.endswith(x + "区")), "园")
    core = name[: name.rindex(suffix)] if suffix in name else name
    a, b = named_by or (start, end)
    inner = [sp for sp in found.within(a, b) if sp.key.startswith("division:")]
    real = [sp for sp in inner if sp.rule != "fused-abbreviation"]  # 陇县苏陕工业园: 陇县's park, not 苏陕's
    brackets = [(a + m.start(), a + m.end()) for m in re.finditer(r"\([^()]*\)|\[[^\[\]]*\]", text[a:b])]
    expansions = [sp for sp in real if any(x < sp.start and sp.end < y for x, y in brackets)]  # 富(富平)丹(丹阳), 鹤龙[鹤山·龙州]
    fused = len(core) >= 2 and core[0] in abbr and core[1] in abbr and abbr[core[0]] != abbr[core[1]]
    by_initials = [initials[c] for c in core[:2]] if len(core) >= 2 and all(c in initials for c in core[:2]) \
        and initials.get(core[0]) != initials.get(core[1]) and not inner else []
    after_cobuild = built or text[max(0, start - 6):start].rstrip("的“\"").endswith(rules["cobuild"])
    specific = core
    for sp in inner:
        specific = specific.replace(sp.text, "")
    specific = re.sub("|".join(rules["generic_park_words"]), "", specific)
    quoted = "“" in raw or '"' in raw  # “仡山茶海”茶旅一体化高效农业示范园区
    village_only = real and all(sp.type in ("Town", "Village") for sp in real) and not specific  # 三合村农业园区
    if len(core) < 2 or core[0] in "这该此本各其一" or village_only and not after_cobuild \
            or not (inner or fused or by_initials or (after_cobuild or quoted) and len(specific) >= 2):
        return
    partners = [sp.key for sp in (expansions or real or inner)] + by_initials
    if fused and not real and not by_initials and _provinces_meant(found, abbr, core[:2]):
        for ch in core[:2]:
            _add_division(found, gaz, abbr[ch])  # a partner, though the name is its only mention
        partners = [division_key(abbr[core[0]]), division_key(abbr[core[1]])] + partners
    key = f"park:{name}"
    found.entities[key] = Entity(key=key, name=name, type="Park")
    found.park_partners[key] = tuple(dict.fromkeys(found.park_partners.get(key, ()) + tuple(partners)))
    found.spans.append(Span(start, end, key, "Park", "park-name", raw))


def _provinces_meant(found: Found, abbr: dict[str, str], chars: str) -> bool:
    """Whether two abbreviation characters opening a park's name (闽宁产业园) name provinces: yes when the
    document names both provinces, or names no city or county with each initial (宁甘… after 宁波市与甘孜州共建 is theirs)."""
    if all(division_key(abbr[ch]) in found.entities for ch in chars):
        return True
    named = _places_by_initial(found)
    return not all(ch in named for ch in chars)


def _name_start(text: str, floor: int, pos: int, stops) -> int:
    """Walk back from pos over the name (brackets included) to a stop word or punctuation."""
    start = pos
    while start > floor:
        ch = text[start - 1]
        if ch in ")]”":
            open_ = text.rfind({")": "(", "]": "[", "”": "“"}[ch], floor, start - 1)
            if open_ < 0:
                break
            start = open_
            continue
        if not (re.match(f"[{CJK}]", ch) or ch in "·-—" and re.match(f"[{CJK}]", text[start - 2:start - 1])) \
                or pos - start >= 20:
            break
        if any(text.startswith(w, start - len(w)) and start - len(w) >= floor for w in stops):
            break
        start -= 1
    return start


def _initials_through_stop(text: str, floor: int, start: int, stops, initials: dict[str, str]) -> int:
    """A name made of its partners' initials may hold a stop word's character (和平区与白银市共建和白…产业园,
    密云区与和林格尔县共建密和…): walk back over one or two more characters when they open the name with the
    initials of two places the document names, and a stop word or punctuation stands before them."""
    for new in (start - 1, start - 2):
        if new < floor or not (text[new] in initials and text[new + 1] in initials and initials[text[new]] != initials[text[new + 1]]):
            continue
        if new == floor or not re.match(f"[{CJK}]", text[new - 1]) or any(text.startswith(w, new - len(w)) for w in stops):
            return new
    return start


def _places_by_initial(found: Found) -> dict[str, set[str]]:
    """First character → the cities and counties the document names with it."""
    seen: dict[str, set[str]] = {}
    for sp in found.spans:
        if sp.type in ("City", "County") and sp.key.startswith("division:"):
            seen.setdefault(found.entities[sp.key].name[0], set()).add(sp.key)
    return seen


def _initials(found: Found) -> dict[str, str]:
    """First character → the one city or county the document names with it (厦 → 厦门市), for fused names."""
    return {ch: next(iter(keys)) for ch, keys in _places_by_initial(found).items() if len(keys) == 1}


def _programs(doc: Document, gaz: Gazetteer, found: Found) -> None:
    """Named initiatives: a collaboration's name (苏陕扶贫协作, 闽宁互学互助对口协作, 莞铜协作, 山海协作工程), quoted
    campaigns (“银发人才援陕”活动, “春风行动”), plans in book-title marks (《津甘东西扶贫协作规划》) and campaigns
    with a number in their name after 实施 (实施农业特色优势产业三年倍增行动)."""
    rules, text = _rules(), doc.clean
    initials = _initials(found)
    # 沪遵协作: a province by its one-character name beside a city's initial, when the document names that province;
    # 莞铜协作: a city by the character it is known by (莞 东莞, 甬 宁波), when the document names that city
    for ch, code in [*gaz.abbreviations.items(), *rules["city_abbreviations"].items()]:
        if division_key(code) in found.entities:
            initials.setdefault(ch, division_key(code))
    fused = re.compile(f"([{CJK}])([{CJK}])(?=({'|'.join(rules['collaboration'])}))")

    def add(start: int, name: str, rule: str, end: int | None = None) -> None:
        key = f"program:{name}"
        found.entities[key] = Entity(key=key, name=name, type="Program")
        found.spans.append(Span(start, end if end is not None else start + len(name), key, "Program", rule, name))

    for s, e in doc.sentences:  # 厦临协作, 通汉协作: two named places fused by a character of each
        for m in fused.finditer(text[s:e]):
            a, b = initials.get(m.group(1)), initials.get(m.group(2))
            start = s + m.start()
            if a and b and a != b and not found.covered(start, start + 2):
                add(start, m.group() + m.group(3), "collaboration-initials")
    spelled: dict[str, list[tuple[int, int, str]]] = {}  # 苏陕 -> its collaboration's names in the text
    for start, end, _, _ in found.fused_pairs:
        # 苏陕扶贫协作, 闽宁互学互助对口协作: the fused pair, a few words, a collaboration word
        suffix = next((x for x in rules["collaboration"] if text.startswith(x, end)), None)
        if suffix:
            spelled.setdefault(text[start:end], []).append((start, end + len(suffix), text[start:end] + suffix))
        elif m := rules["collaboration_after_pair"].match(text, end):  # its own name: 闽宁互学互助对口协作
            add(start, text[start:m.end()], "collaboration-name")
    for names in spelled.values():
        name = max((n for _, _, n in names), key=len)  # 苏陕协作 and 苏陕扶贫协作 are one programme
        for s, e, n in names:
            add(s, name, "collaboration-name", e)
    for s, e in doc.sentences:
        for m in rules["named_programs"].finditer(text, s, e):  # 山海协作工程: a collaboration known by name
            if not found.covered(m.start(), m.end()):
                add(m.start(), m.group(), "named-collaboration")
        for m in _QUOTED.finditer(text, s, e):
            name = m.group(1)
            after = _QUOTED_LIST.match(text, m.end()).end()  # “粤菜师傅”“广东技工”“南粤家政”三项工程: each of the list
            followed = text.startswith(rules["quoted_followers"], after) or bool(rules["far_followers"].match(text, after))
            named = name.endswith(rules["program_words"])  # “春风行动”, “3138工程”
            if (followed and not re.search(r"\d", name) or named) and not name.endswith(tuple(rules["park_suffixes"])):
                add(m.start(1), name, "quoted-campaign")
        for m in _PLAN.finditer(text, s, e):  # 《天津市·甘肃省“十四五”深化东西部协作规划》
            name = re.sub(r"[“”\"「」『』]|\([^()]*\)", "", m.group(1))
            add(m.start(1), name, "plan-title", m.end(1))
        for m in rules["launched_campaign"].finditer(text, s, e):
            if re.search(r"[一二三四五六七八九十百千万双两\d]", m.group(1)) and not found.covered(m.start(1), m.end(1)):
                add(m.start(1), m.group(1), "launched-campaign")


_PLAN = re.compile(r"《([^《》]{2,40}?(?:规划|计划)(?:\([^()]*\))?)》")
