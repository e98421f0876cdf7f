"""Property tests: for any article-like text, extraction, its RDF and its facts JSON never raise, and every
evidence span lies in the text and reads what it quotes. Texts are built from the gazetteer's names, the
lexicon's wording, numbers, dates, headers, tables, HTML and odd whitespace.

The CI profile is derandomized and small; hunt with ``HYPOTHESIS_PROFILE=hunt pytest tests/test_properties.py``.
"""
from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pyoxigraph as ox
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from graph.documents import DocumentError, decode, from_bytes, normalise, parse
from graph.extraction import extract
from graph.facts import ENTITY_TYPES
from graph.gazetteer import gazetteer
from graph.lexicon import lexicon
from graph.rdf import FUNDING_KINDS, PREFIXES, facts_json, quads

_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=400,
                          suppress_health_check=_SLOW)
# hunting, a slow example fails too: a regex that backtracks on some input takes minutes, not seconds
settings.register_profile("hunt", database=None, deadline=5000, max_examples=5000, suppress_health_check=_SLOW)
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# ------------------------------------------------------------------ words

_GAZ = gazetteer()
_LEX = lexicon()


def _names(level: str) -> list[str]:
    return sorted({d.name for d in _GAZ.divisions.values() if d.level == level})


PROVINCES, CITIES, COUNTIES, TOWNS = (_names(level) for level in ("Province", "City", "County", "Town"))
SHORT_NAMES = sorted(a.text for a in _GAZ.aliases.values() if not a.full)
ALL_NAMES = sorted(_GAZ.aliases)  # full, short and former names
ABBREVIATIONS = sorted({*_LEX["province_abbreviations"], *_LEX["city_abbreviations"]})
_TOWN_CODES = sorted(c for c, d in _GAZ.divisions.items() if d.level == "Town" and d.until is None)


def _words(*values) -> list[str]:
    """Every string in nested lists and tables of the lexicon (keys of tables too)."""
    out: set[str] = set()
    for v in values:
        if isinstance(v, str):
            out.add(v)
        elif isinstance(v, dict):
            out |= set(_words(*v.keys(), *v.values()))
        elif isinstance(v, (list, tuple)):
            out |= set(_words(*v))
    return sorted(w for w in out if 0 < len(w) <= 12)


WORDING = _words(_LEX["relations"], _LEX["parks"], _LEX["programs"], _LEX["deixis"], _LEX["newspapers"],
                 _LEX["names"]["zones"], _LEX["names"]["hiding_words"], _LEX["names"]["person_titles"],
                 _LEX["names"]["speech"], _LEX["names"]["not_place_after"], _LEX["documents"])
WORDING += ["结对", "对口帮扶", "捐助", "共建", "产业园", "东西部协作", "扶贫协作", "资金", "援建", "两省", "分别", "等",
            "项目", "企业", "村", "社区", "乡镇", "个", "其中", "以来", "累计", "共", "为", "向", "在", "的", "了", "是"]
PUNCTUATION = list("、，。；：“”《》（）()【】—·,.;:!?！？'\"-~|…") + ["——", "……", "--", ",、", ";。"]
BRACKETS = ["(", ")", "（", "）", "【", "】", "[", "]", "《", "》", "“", "”", "「", "」", "『", "』", "<", ">"]
SPACES = [" ", "  ", "\t", "\u3000", "\u3000\u3000", "\xa0", "\u200b", "\ufeff", "\r", "\f", "\v", "\u2028",
          "\x85", "\n", "\n\n", "\n \n"]
TRADITIONAL = ["陝西省", "對口幫扶", "廣東省", "貴州省", "結對", "資金", "億元", "萬元", "協作", "產業園", "東西部協作", "雲南",
               "縣", "區", "鎮", "鄉", "蘇陝", "閩寧", "滬滇", "捐贈", "陜", "甯", "爲", "裏", "乾縣", "後", "發展", "醫院"]
WIDE = ["ＡＢＣ", "１２３", "，", "：", "（", "）", "２０１８年", "５０００万元", "％", "｜"]
HTML = ["<p>", "</p>", "<br>", "<br/>", "&nbsp;", "&amp;", "&#x4e2d;", "<div class=\"content\">", "</div>",
        "<td>", "</td>", "<tr>", "</tr>", "<table>", "<script>var a=1;</script>", "<!-- x -->", "<a href=\"/a\">",
        "</a>", "<title>", "</title>", "<html>", "<body>", "<td rowspan=\"3\">", "<td colspan=\"0\">",
        "<th rowspan=\"x\">", "<td colspan=\"99999\">", "<link rel=\"canonical\" href=\"/a/1.html\">",
        "<meta property=\"og:url\" content=\"http://%zz\">", "<base href=\"https://example.com/\">"]
SURNAMES = list(_LEX["names"]["surnames"][:40])


@cache
def _to_traditional():
    import opencc

    return opencc.OpenCC("s2t").convert


def _traditional(text: str) -> str:
    return _to_traditional()(text)


def _chinese_numeral(n: int) -> str:
    """12345 → 一万二千三百四十五 (good enough to read back, and sometimes odd: 一十, 零零)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    out, units = "", [(10**8, "亿"), (10**4, "万"), (1000, "千"), (100, "百"), (10, "十")]
    for value, unit in units:
        if n >= value:
            out += _chinese_numeral(n // value) + unit
            n %= value
            if 0 < n < value // 10:
                out += "零"
    return out + (digits[n] if n else "")


# ------------------------------------------------------------------ strategies


def pick(items: list[str]) -> st.SearchStrategy[str]:
    """One of a long list, by index: sampled_from would print the whole list in every failure report."""
    return st.integers(0, len(items) - 1).map(items.__getitem__)


place = st.one_of(pick(PROVINCES), pick(CITIES), pick(COUNTIES), pick(TOWNS), pick(SHORT_NAMES), pick(ALL_NAMES))


@st.composite
def place_chain(draw) -> str:
    """A town written under its county and city, and maybe a village of it: 富平县庄里镇某某村."""
    code = draw(pick(_TOWN_CODES))
    chain = [code] + _GAZ.ancestors(code)
    names = [_GAZ.divisions[c].name for c in reversed(chain) if c in _GAZ.divisions]
    names = names[draw(st.integers(0, len(names) - 1)):]
    villages = sorted(_GAZ.villages(code))
    if villages and draw(st.booleans()):
        names.append(draw(st.sampled_from(villages)))
    return draw(st.sampled_from(["", "、", "和"])).join(names) if draw(st.integers(0, 4)) == 0 else "".join(names)


fused = st.builds(lambda a, b: a + b, st.sampled_from(ABBREVIATIONS), st.sampled_from(ABBREVIATIONS))
digits = st.one_of(
    st.integers(0, 10**13).map(str),
    st.integers(0, 10**9).map(lambda n: f"{n:,}"),
    st.decimals(0, 10**6, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.integers(0, 10**12).map(_chinese_numeral),
    st.text("零〇一二两三四五六七八九十百千万亿点,.0123456789", min_size=1, max_size=8),
    st.text("0123456789", min_size=20, max_size=60),  # an ID or phone number: regexes that backtrack on digits
    st.text("0123456789", min_size=300, max_size=400),  # past what a float holds
)
# long runs of one thing: a list, a gap, a number, brackets left open
run = st.builds(lambda unit, n: unit * n, st.sampled_from(["、", " ", "\t", "的", "一", "镇", "1,", "多", "—", "(", "“",
                                                             "乡、", "村、", "12", "\n", "。", "万"]), st.integers(5, 120))
number = st.builds(lambda n, more, mult, unit: n + more + mult + unit, digits,
                   st.sampled_from(["", "", "多", "余", " "]),
                   st.sampled_from(["", "", "万", "亿", "千万", "百万", "万亿", "千亿", "千"]),
                   st.sampled_from(["元", "元", "美元", "港币", "", "%", "％", "对", "家", "个", "人", "名", "项", "户", "亩",
                                    "吨", "人次", "批次", "千瓦时", "年", "月", "日", "县", "村", "个县", "个村"]))
compound_amount = st.builds(lambda a, b: f"{a}亿{b}万元", digits, digits)
percent = st.one_of(st.floats(0, 1000, allow_nan=False).map(lambda x: f"{x:.1f}%"),
                    st.integers(0, 100).map(lambda n: f"百分之{_chinese_numeral(n)}"))
year = st.integers(1949, 2035)
date = st.one_of(
    st.builds(lambda y, m, d: f"{y}年{m}月{d}日", year, st.integers(0, 13), st.integers(0, 32)),
    st.builds(lambda y, m, d, h, mi: f"{y}-{m:02d}-{d:02d} {h:02d}:{mi:02d}", year, st.integers(0, 13),
              st.integers(0, 32), st.integers(0, 25), st.integers(0, 61)),
    st.builds(lambda y, m, d: f"{y}/{m}/{d}", year, st.integers(1, 12), st.integers(1, 31)),
    st.builds(lambda y: f"{y}年", year),
    st.builds(lambda a, b: f"{a}年至{b}年", year, year),
    st.builds(lambda a, b: f"{a}—{b}年", year, year),
    st.builds(lambda m, d: f"{m}月{d}日", st.integers(1, 12), st.integers(1, 31)),
    st.sampled_from(["今年", "去年", "前年", "明年", "本年", "当年", "上半年", "一季度", "年初", "16年来", "多年来", "以来",
                     "截至目前", "截至5月底", "至今", "近日", "日前", "会上", "13日", "同时", "期间"]),
)
url = st.builds(lambda scheme, host, path: f"{scheme}://{host}/{path}", st.sampled_from(["http", "https", "HTTP", "ftp"]),
                st.sampled_from(["example.com", "www.sxdaily.com.cn", "47.105.124.64:8003", "a", "%zz", "[::1]"]),
                st.text("abcz019/._-%?=&#[]{}<>\"'\\^`|中文", max_size=30))
url_line = st.builds(lambda key, sep, u: f"{key}{sep}{u}", st.sampled_from(["source", "url", "link", "原文链接", "网址"]),
                     st.sampled_from([": ", ":", "：", " : "]), url)
person = st.builds(lambda s, n: s + n, st.sampled_from(SURNAMES), st.text("明华伟芳军丽强磊洋勇艳杰涛", min_size=1, max_size=2))
newspaper = st.one_of(st.sampled_from(sorted(_LEX["newspapers"])),
                      st.builds(lambda p, k: p + k, place, st.sampled_from(["日报", "晚报", "新闻网", "广播电视台", "融媒体中心", "发布"])))
header = st.one_of(
    st.builds(lambda d, src, ed: f"{d}|来源:{src}|编辑:{ed}", date, newspaper, person),
    st.builds(lambda src, d: f"{src} {d}", newspaper, date),
    st.builds(lambda d, src, who: f"发布时间:{d} 来源:{src} 作者:{who}", date, newspaper, person),
    st.builds(lambda src, who: f"【来源】{src}【编辑】{who}", newspaper, person),
    st.builds(lambda src: f"来源:{src}", newspaper),
    st.builds(lambda who: f"责任编辑:{who}", person),
    st.builds(lambda t: f"标题:{t}", st.text(max_size=10)),
    st.sampled_from(["分享到:", "当前位置:首页 > 新闻", "首页 | 时政 | 国际", "版权所有 ©", "扫一扫", "上一篇", "- END -"]),
)
dateline = st.one_of(
    st.builds(lambda p, m, d: f"新华社{p}{m}月{d}日电", place, st.integers(1, 12), st.integers(1, 31)),
    st.builds(lambda p, m, d: f"央广网{p}{m}月{d}日消息", place, st.integers(1, 12), st.integers(1, 31)),
    st.builds(lambda who: f"本报讯(记者 {who})", person),
    st.builds(lambda who, p: f"({p}记者 {who})", person, place),
)
park = st.builds(lambda a, b, mid, suffix: a + mid + b + suffix, st.one_of(place, st.sampled_from(ABBREVIATIONS)),
                 st.one_of(place, st.sampled_from(ABBREVIATIONS)),
                 st.sampled_from(["", "—", "·", "-", "(", ")", "“", "”", "现代农业", "生物医药"]),
                 st.sampled_from(_LEX["parks"]["suffixes"]))
word = pick(WORDING)


@st.composite
def templated(draw) -> str:
    """A sentence in one of the shapes the relation rules read."""
    p = lambda: draw(place)  # noqa: E731
    w = lambda words: draw(st.sampled_from(_LEX["relations"][words] if isinstance(words, str) else words))  # noqa: E731
    amount = lambda: draw(st.one_of(number, compound_amount))  # noqa: E731
    shapes = [
        lambda: f"{p()}与{p()}{w('pairing')}",
        lambda: f"{p()}{w('adverbs')}{w('linking_verbs')}{p()}、{p()}",
        lambda: f"{draw(date)}{p()}向{p()}{w(sorted(_LEX['relations']['funding_verbs']))}{amount()}",
        lambda: f"{p()}、{p()}分别向{p()}、{p()}{w(sorted(_LEX['relations']['funding_verbs']))}{amount()}和{amount()}",
        lambda: f"{p()}与{p()}{w('cobuild')}{draw(park)}",
        lambda: f"{draw(park)}由{p()}、{p()}{w('cobuild')}",
        lambda: f"{draw(fused)}{w('fused_pair_followers')}",
        lambda: f"“{draw(st.text(min_size=0, max_size=8))}”{draw(st.sampled_from(_LEX['programs']['quoted_followers']))}",
        lambda: f"《{p()}·{p()}{draw(st.sampled_from(['协作规划', '计划', '规划(2021—2025年)']))}》",
        lambda: f"{p()}收到{p()}发来的{amount()}",
        lambda: f"{p()}投入{amount()},用于{p()}",
        lambda: f"{p()}、{p()}等{draw(digits)}个{draw(st.sampled_from(['村', '乡镇', '镇', '市', '县']))}",
        lambda: f"{p()}{w('aid_qualifiers')}{w('money_nouns')}{amount()}",
        lambda: f"两省{w('cobuild')}{draw(park)}和{draw(park)}",
        lambda: f"{p()}{draw(st.sampled_from(['我市', '我省', '本县', '两地', '双方', '两省区']))}{w('linking_verbs')}",
        lambda: f"与{p()}结对的{p()}",
        lambda: f"作为{p()}对口协作地区,{p()}",
        lambda: f"{p()}先后得到{p()}、{p()}等地的对口扶持",
        lambda: f"{p()}{draw(person)}说",
        lambda: f"{p()}{draw(st.sampled_from(_LEX['names']['person_titles']))}{draw(person)}表示,“{p()}与我们结对”",
    ]
    return draw(st.sampled_from(shapes))()


table = st.builds(
    lambda sep, rows: "\n".join(sep.join(r) for r in rows),
    st.sampled_from(["\t", "  ", "\u3000\u3000", "|", " | "]),
    st.lists(st.lists(st.one_of(place, number, digits, st.sampled_from(
        ["帮扶方", "受援方", "资金(万元)", "帮扶县", "受帮扶县", "结对", "合计", "2019年财政援助资金(亿元)", ""])),
        min_size=1, max_size=5), min_size=1, max_size=5))
token = st.one_of(
    place, place, place, place_chain(), word, word, word, number, compound_amount, percent, date, fused,
    st.sampled_from(ABBREVIATIONS), st.sampled_from(PUNCTUATION), st.sampled_from(PUNCTUATION),
    st.sampled_from(BRACKETS), st.sampled_from(SPACES), st.sampled_from(TRADITIONAL), st.sampled_from(WIDE),
    st.sampled_from(HTML), park, person, st.text(max_size=3), run,
)
sentence = st.one_of(
    templated(),
    st.lists(token, max_size=14).map("".join),
    st.builds(lambda a, b: a + b, templated(), st.lists(token, max_size=6).map("".join)),
).flatmap(lambda s: st.one_of(st.just(s), st.just(s).map(_traditional)))
paragraph = st.builds(lambda ss, end: end.join(ss) + end, st.lists(sentence, min_size=1, max_size=5),
                      st.sampled_from(["。", ";", ",", "!", "", "。”", "……"]))
line = st.one_of(paragraph, paragraph, paragraph, header, dateline.flatmap(lambda d: paragraph.map(lambda p: d + p)),
                 table, url_line, st.sampled_from(SPACES), st.just(""))
article = st.builds(lambda first, lines, sep: first + sep.join(lines),
                    st.one_of(st.just(""), url_line.map(lambda u: u + "\n\n"), st.sampled_from(HTML)),
                    st.lists(line, min_size=1, max_size=10), st.sampled_from(["\n", "\n\n", "\n  ", "\r\n"]))

FIXTURES = sorted((Path(__file__).resolve().parent / "fixtures" / "articles").glob("*.txt"))


@cache
def _fixture(i: int) -> str:
    return decode(FIXTURES[i].read_bytes(), FIXTURES[i].name)  # some are in GB18030, as found


@st.composite
def edited_fixture(draw) -> str:
    """One of our fixture articles with a few stretches cut and words, numbers or sentences put in their place."""
    text = _fixture(draw(st.integers(0, len(FIXTURES) - 1)))
    for at, cut, new in draw(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40), st.one_of(token, templated(), line)),
                                      max_size=8)):
        i = int(at * len(text))
        text = text[:i] + new + text[i + cut:]
    return _traditional(text) if draw(st.integers(0, 5)) == 0 else text


# ------------------------------------------------------------------ checks

_RELATION_KEYS = {"pairedWith": {"rel", "a", "b"}, "funds": {"rel", "from", "to", "amount_cny", "year", "kind"},
                  "coBuilds": {"rel", "park", "partners"}}


def _as_read(original: str) -> str:
    """A stretch of the original text as the rules read it (simplified, half-width, stray spaces dropped)."""
    return normalise(original)[0]


def check_facts(facts, name: str = "t.txt") -> dict:
    """Raise AssertionError if any evidence leaves the text or misquotes it, or the facts JSON is off schema."""
    text, n = facts.text, len(facts.text)
    evidences = [m.evidence for m in facts.mentions] + [r.evidence for r in facts.relations] \
        + [o.evidence for o in facts.observations]
    for ev in evidences:
        assert 0 <= ev.start <= ev.end <= n, ev
        assert 0 <= ev.sentence_start <= ev.sentence_end <= n, ev
    for m in facts.mentions:
        quoted, read = m.text, _as_read(text[m.evidence.start:m.evidence.end])
        # a post's short lines read as one sentence: their line breaks as commas
        assert len(read) == len(quoted) and all(a == b or a == "\n" and b in ", " for a, b in zip(read, quoted)), \
            (m, text[m.evidence.start:m.evidence.end])
    keys = {e.key for e in facts.entities}
    assert {m.entity for m in facts.mentions} <= keys
    assert all(e.parent in keys for e in facts.entities if e.parent), "a parent that is no entity"
    for r in facts.relations:
        assert set(r.partners) <= keys and (r.park is None or r.park in keys), r
    graph = quads(facts)
    ox.serialize(graph, format=ox.RdfFormat.TRIG, prefixes={k: str(v) for k, v in PREFIXES.items()})  # kg extract
    record = json.loads(json.dumps(facts_json(graph, name), ensure_ascii=False, allow_nan=False))
    assert set(record) == {"doc", "entities", "relations"} and record["doc"] == name
    for e in record["entities"]:
        assert set(e) == {"name", "type"} and e["type"] in ENTITY_TYPES and isinstance(e["name"], str), e
    for r in record["relations"]:
        assert set(r) == _RELATION_KEYS[r["rel"]], r
        if r["rel"] == "funds":
            assert isinstance(r["amount_cny"], (int, float)) and r["kind"] in FUNDING_KINDS, r
            assert r["year"] is None or isinstance(r["year"], int), r
        elif r["rel"] == "coBuilds":
            assert all(isinstance(p, str) for p in r["partners"]), r
    return record


def _extract(text: str):
    try:
        doc = parse(text, "t.txt")
    except DocumentError:
        return None  # an empty article is refused with a reason, not a crash
    return extract(doc)


# ------------------------------------------------------------------ properties


@PROFILE
@given(article)
@example("上海市与上海市结对。上海市收到丁青发来的0亿1万元丁青云南省。")  # a giver after the amount: evidence ended first
@example("上海市、上海市分别向吉林省、上海市下拨0元和0亿" + "9" * 305 + "万元。")  # an infinite amount in facts JSON
@example("富平县庄里镇、王寮" + "1" * 40 + "号。")  # the list of towns backtracked for hours
@example("松江区与勐海县结对,胡家埭村与曼山村开展村村结对。")  # a village's town was no entity: KeyError
@example("上海市投入" + "5" * 400 + "\t" * 120 + "。")  # figures backtracked over every split of the tabs
@example("《上海市·上海市规划(2021—2025年)》。")  # a mention quoted the plan's name, not its span
def test_any_article_extracts_with_evidence_in_the_text(text):
    facts = _extract(text)
    if facts is not None:
        check_facts(facts)


@PROFILE
@given(st.lists(templated(), min_size=1, max_size=6), st.sampled_from(["。", ";", "。\n", ",", "\n"]))
def test_sentences_in_the_shapes_the_rules_read(sentences, end):
    facts = _extract("标题\n\n2020-05-06 08:00|来源:广西日报|编辑:某某\n\n" + end.join(sentences) + "。")
    check_facts(facts)


@PROFILE
@given(edited_fixture(), st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_any_edited_article_file_extracts_with_evidence_in_the_text(text, encoding):
    try:
        doc = from_bytes(text.encode(encoding, errors="replace"), "a.txt")
    except DocumentError:
        return
    check_facts(extract(doc), "a.txt")


@PROFILE
@given(st.lists(line, min_size=1, max_size=6), st.sampled_from(["p", "div class=\"content\"", "td"]))
def test_any_page_extracts_with_evidence_in_its_text(lines, block):
    tag = block.split()[0]
    markup = "<html><head><title>标题</title></head><body>" + "".join(f"<{block}>{x}</{tag}>" for x in lines) + "</body></html>"
    try:
        doc = from_bytes(markup.encode("utf-8"), "page.html")
    except DocumentError:
        return
    check_facts(extract(doc), "page.html")
