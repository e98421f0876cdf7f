"""Reading articles: decode, normalise (width, traditional → simplified), header, boilerplate, sentences.

Every rule downstream reads ``Document.clean``; ``Document.original`` maps its offsets back to the text
as it was read, so evidence points into the file the user has.
"""
from __future__ import annotations

import bisect
import codecs
import hashlib
import html.parser
import math
import os
import re
import stat
from array import array
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from urllib.parse import urljoin

from .facts import Evidence
from .lexicon import lexicon

MAX_BYTES = 20 * 1024 * 1024
CJK = "\u4e00-\u9fff"
_CLAUSE_LINE, _CLAUSE_LINES = 30, 12  # a post's lines (characters) are clauses of a sentence (of at most so many)
_CELL_GAP = re.compile(r"\t|[ \u3000]{2,}")  # between a table's cells on a line
_SPACES_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])[ \xa0]+(?=[{CJK}])")  # not tabs: they part a table's cells
_PINYIN_GLOSS = re.compile(rf"(?<=[{CJK}])\([A-Za-z\u00c0-\u024f\u0300-\u036f' ·-]+\)")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]+")
_DOUBLED = re.compile(r"[,、;:](?=[,、;:。!?])")  # mirror sites double punctuation: 桑珠孜,、白朗 is 桑珠孜、白朗
_SENTENCE_END = re.compile(r"[。!?;]+[”’」』\"')]*")
_DATE = re.compile(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_HEADER_FIELD = re.compile(r"(来源|作者|编辑|责编|责任编辑|审核|记者|稿源|发布机构|发布单位|栏目|频道|(?:发布|播出|发稿|更新)?(?:时间|日期))\s*:")
_CLOSING_FIELD = re.compile(r"(来源|稿源|编辑|责编|责任编辑|审核)\s*:")  # not 记者: an interview's questions
_FIELD_VALUE = r"\s*:\s*([^|\s]+?)(?=\s|\||来源|稿源|作者|编辑|责编|责任编辑|发布|记者|$)"
_NEWSPAPER = re.compile(rf"[{CJK}]{{2,10}}?(?:日报|晚报|时报|商报|新闻网|广播电视台|电视台|融媒体中心|发布|网)")
_BRACKET_FIELD = re.compile(r"[【\[](来源|稿源|作者|编辑|责编|责任编辑|发布时间|发布日期|记者)[】\]]")
_CREDIT = re.compile(r"[(]([^()]{0,20}?)记者\s*([^()]{1,30})[)]")
_WEB_ADDRESS = re.compile(r"https?://\S{1,2040}", re.I)  # javascript: and the like are not kept
# a saved copy's first line that says where it was found: "source: https://…", "原文链接:https://…"
_ADDRESS_LINE = re.compile(r"(?:source|url|link|原文链接|原文地址|来源网址|网址|链接)\s*:\s*(https?://\S+)", re.I)


class DocumentError(ValueError):
    """An input that cannot be read as an article; the message is one line naming the file and the reason."""


@dataclass(frozen=True)
class Document:
    name: str
    text: str  # as decoded
    clean: str  # what the rules read
    offsets: array | None  # offsets[i] = position in text of clean[i]; None when the two coincide
    sha256: str
    title: str | None
    date: str | None
    source: str | None
    editors: tuple[str, ...]
    reporters: tuple[str, ...]
    sentences: tuple[tuple[int, int], ...]  # spans of clean, content only
    paragraphs: tuple[tuple[int, int], ...]  # spans of clean lines that hold content
    url: str | None = None  # where the article was published: a JSON Lines record's url, a page's canonical link
    tables: tuple[tuple[tuple[tuple[int, int], ...], ...], ...] = ()  # each table's rows, each row's cells (spans of clean)
    asides: tuple[tuple[int, int], ...] = ()  # sentences of the page around the article (menus, link lists): places only
    year: int | None = None  # the year 今年 means: the date's, else the year the text names before its first 今年

    def original(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in ``text`` of the span ``clean[start:end]``."""
        return _original_span(self.offsets, start, end)


    def evidence(self, start: int, end: int, rule: str) -> Evidence:
        """Evidence for the span clean[start:end], in offsets of the original text."""
        ss, se = self.sentence_at(start) or (start, end)
        return Evidence(*self.original(start, end), *self.original(ss, se), rule)

    def sentence_at(self, pos: int) -> tuple[int, int] | None:
        """The sentence that holds clean[pos], if any (a binary search: a long report has thousands)."""
        return _span_at(self.sentences, pos)

    def paragraph_at(self, pos: int) -> tuple[int, int] | None:
        """The paragraph that holds clean[pos], if any."""
        return _span_at(self.paragraphs, pos)


def _span_at(spans: tuple[tuple[int, int], ...], pos: int) -> tuple[int, int] | None:
    i = bisect.bisect_right(spans, (pos, math.inf)) - 1  # the last that starts at or before pos
    return spans[i] if i >= 0 and spans[i][0] <= pos < spans[i][1] else None


def read(path: str | Path) -> Document:
    """Read one article file (text in UTF-8, GB18030 or UTF-16/32 with a BOM, or HTML); raises DocumentError
    with a one-line reason."""
    path = Path(path)
    return from_bytes(read_bytes(path), path.name, label=str(path))


def read_bytes(path: Path) -> bytes:
    """A file's bytes, or DocumentError when it is missing, not a file, unreadable or over the size limit."""
    try:
        size = file_stat(path).st_size
        if size <= MAX_BYTES:
            with path.open("rb") as f:
                data = f.read(MAX_BYTES + 1)  # a file may grow, or (in /proc) say it is empty
            size = len(data)
        if size > MAX_BYTES:
            raise DocumentError(f"{path}: too large ({size / 1e6:.1f} MB; the limit is {MAX_BYTES // 2**20} MiB)")
        return data
    except OSError as exc:
        raise DocumentError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def file_stat(path: Path) -> os.stat_result:
    """A file's status; DocumentError if it is a folder, a device or a pipe (reading a pipe can wait forever)."""
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise DocumentError(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(st.st_mode):
        raise DocumentError(f"{path}: not a regular file (a device, a pipe or a socket)")
    return st


def from_bytes(data: bytes, name: str, *, label: str | None = None, url: str | None = None,
               charset: str | None = None) -> Document:
    """An article from its bytes (text or HTML); ``label`` names it in errors (default: ``name``); ``url`` and
    ``charset``: the address a fetched page was served from and the charset its server declared."""
    label = label or name
    text, page_url = decode(data, label, charset), None
    if name.lower().endswith((".html", ".htm")) or re.match(r"\s*<(!doctype|html|head|body)", text[:200], re.I):
        text, page_url = read_page(text)
    try:
        doc = parse(text, name)
        return replace(doc, url=web_address(url) or page_url or doc.url)
    except DocumentError as exc:
        raise DocumentError(str(exc).replace(name, label, 1)) from None


def from_record(record: dict, name: str, *, label: str | None = None) -> Document:
    """An article from a JSON Lines record: text, and optionally title, date, source, url."""
    record = well_formed(record)
    if not isinstance(record, dict) or not isinstance(record.get("text"), str) or not record["text"].strip():
        raise DocumentError(f"{label or name}: no \"text\" in the record")
    head = " | ".join(x for x in (str(record.get("date") or ""), f"来源:{record['source']}" if record.get("source") else "") if x)
    text = "\n\n".join(x for x in (str(record.get("title") or "").strip(), head, record["text"]) if x)
    doc = parse(text, name)
    return replace(doc, url=web_address(record.get("url")) or doc.url)


def well_formed(record: dict) -> dict:
    """A JSON record's strings without lone surrogates ("\\ud800" is valid JSON but no text): each becomes U+FFFD."""
    def text(value):
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace") if isinstance(value, str) else value
    return {text(k): text(v) for k, v in record.items()} if isinstance(record, dict) else record


def web_address(value) -> str | None:
    """An http(s) address as given, or None for anything else (a url that is not one is left out, not an error)."""
    import pyoxigraph as ox  # its IRI parser: the address becomes an IRI in the graph

    value = value.strip() if isinstance(value, str) else ""
    try:
        return ox.NamedNode(value).value if _WEB_ADDRESS.fullmatch(value) else None
    except ValueError:  # http://%zz, a [ in the query string…
        return None


_WIDE_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),  # UTF-32's LE BOM starts with UTF-16's
              (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_PLAUSIBLE = re.compile(rf"[{CJK}\s!-~\u3000-\u303f\uff00-\uffef\u2010-\u201f]")  # Chinese, ASCII, punctuation
_DECLARED_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?([A-Za-z0-9_-]{1,20})", re.I)
# charsets pages declare → the codec that reads them (a superset: pages that say gb2312 use GBK's characters)
_CHARSETS = {"gb2312": "gb18030", "gbk": "gb18030", "gb18030": "gb18030", "x-gbk": "gb18030", "big5": "big5hkscs",
             "big5-hkscs": "big5hkscs", "cp950": "big5hkscs", "utf-8": "utf-8-sig", "utf8": "utf-8-sig"}


def _gb18030_or_big5(data: bytes, name: str) -> str | None:
    """Bytes that are neither UTF-8 nor a declared charset: GB18030 or Big5 (None if neither). Big5 bytes decode as GB18030 too, as
    rare characters (and GB18030 as Big5): the reading with more of GB2312's 3,755 most used characters is the text."""
    readings = {}
    for encoding in ("gb18030", "big5hkscs"):
        try:
            readings[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if len(readings) < 2:
        return next(iter(readings.values()), None)
    gb, big5 = _common_characters(readings["gb18030"]), _common_characters(readings["big5hkscs"])
    if gb == big5:
        import logging

        logging.getLogger(__name__).warning(
            f"{name}: cannot tell GB18030 from Big5 (as many common characters either way); read as GB18030")
    return readings["gb18030"] if gb >= big5 else readings["big5hkscs"]


def _common_characters(text: str) -> int:
    """How many of the first Chinese characters (a page may open with much markup), made simplified, are common."""
    chinese = "".join(re.findall(f"[{CJK}]+", text[:200_000]))[:4096]
    return sum(1 for ch in to_simplified(chinese) if 0xB0 <= ch.encode("gb2312", "replace")[0] <= 0xD7)


def decode(data: bytes, name: str, charset: str | None = None) -> str:
    """UTF-8 (with or without BOM); UTF-16 or UTF-32 with a BOM; else the charset its server (``charset``) or the
    page declares, else GB18030 or Big5, whichever reads as more common characters. Binary and undecodable
    bytes are refused."""
    if not data.strip():
        raise DocumentError(f"{name}: empty file")
    undecodable = DocumentError(f"{name}: undecodable bytes (neither UTF-8, UTF-16, GB18030 nor Big5)")
    wide = next((encoding for bom, encoding in _WIDE_BOMS if data.startswith(bom)), None)
    if wide is not None:  # Windows Notepad's "Unicode": NUL bytes are part of the text
        try:
            text = data.decode(wide)
        except UnicodeDecodeError:
            raise undecodable from None
        if len(re.findall(_PLAUSIBLE, text[:8192])) < 0.5 * len(text[:8192]):  # not text, though it has a BOM
            raise undecodable
    elif b"\x00" in data[:8192]:
        raise DocumentError(f"{name}: binary file (NUL bytes), not text")
    else:
        declared = _DECLARED_CHARSET.search(data[:4096])
        declared = _CHARSETS.get(declared.group(1).decode("ascii").lower()) if declared else None
        # a server's charset comes first, as in browsers; one we do not know (iso-8859-1, often a default) is ignored
        declared = _CHARSETS.get((charset or "").lower()) or declared
        text = None
        for encoding in filter(None, dict.fromkeys(("utf-8-sig", declared))):  # valid UTF-8 is UTF-8
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        if text is None and (text := _gb18030_or_big5(data, name)) is None:
            raise undecodable
    controls = sum(1 for ch in text[:8192] if ch < " " and ch not in "\n\r\t\f")
    if controls > 0.01 * min(len(text), 8192):
        raise DocumentError(f"{name}: binary file (control characters), not text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _TextOfHTML(html.parser.HTMLParser):
    """Text of a page: all of the body, and apart the text of each block that looks like the article."""

    SKIP = {"script", "style", "noscript", "nav", "header", "footer", "aside", "iframe", "svg", "template", "form", "select",
            "button"}
    BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article", "table", "title"}
    VOID = {"br", "img", "hr", "meta", "link", "input", "wbr", "source", "area", "col", "embed", "param", "track"}
    ARTICLE = re.compile(r"article|content|text|main|detail|正文|body", re.I)

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.title, self._skip, self._in_title = [], "", 0, False
        self.urls = {}  # "canonical" (<link rel=canonical>), "og:url" (<meta property=og:url>), "base" (<base href>)
        self.depth, self.blocks, self._open = 0, [], []  # _open: (depth, index in blocks)
        # a table row is written as its cells between tabs, a cell spanning rows or columns repeated in each
        self._row, self._cell, self._spanned = None, None, {}  # _spanned: column -> [rows left, text]

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "link" and "canonical" in a.get("rel", "").lower().split():
            self.urls.setdefault("canonical", a.get("href", ""))
        elif tag == "meta" and a.get("property", "").lower() == "og:url":
            self.urls.setdefault("og:url", a.get("content", ""))
        elif tag == "base":
            self.urls.setdefault("base", a.get("href", ""))
        if tag in self.SKIP:
            self._skip += 1
        self._in_title = tag == "title"
        if tag == "tr":
            self._row, self._cell = [], None
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [[], _span_of(a.get("rowspan")), _span_of(a.get("colspan"))]
        if tag in self.BLOCK:
            self._emit("\n")
        if tag in self.VOID:
            return
        self.depth += 1
        names = " ".join(v or "" for k, v in attrs if k in ("class", "id"))
        if tag == "article" or (tag in ("div", "section", "main", "td") and self.ARTICLE.search(names)):
            self.blocks.append([])
            self._open.append((self.depth, len(self.blocks) - 1))

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            cells, self._row = self._row, None
            self._emit("\n" + "\t".join(self._cells(cells)) + "\n")
        if tag == "title":
            self._in_title = False
        if tag in self.BLOCK:
            self._emit("\n")
        if tag in self.VOID:
            return
        while self._open and self._open[-1][0] >= self.depth:
            self._open.pop()
        self.depth = max(0, self.depth - 1)

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif self._cell is not None:
            if not self._skip:
                self._cell[0].append(data)
        elif not self._skip:
            self._emit(data)

    def _cells(self, cells) -> list[str]:
        """A row's cells in column order, with the cells of rows above that span down into it."""
        out, col = [], 0
        for parts, rows, cols in cells:
            while col in self._spanned:
                out.append(self._carry(col))
                col += 1
            text = " ".join("".join(parts).split())
            for _ in range(cols):
                if rows > 1:
                    self._spanned[col] = [rows - 1, text]
                out.append(text)
                col += 1
        while col in self._spanned:
            out.append(self._carry(col))
            col += 1
        return out

    def _carry(self, col: int) -> str:
        left, text = self._spanned[col]
        if left <= 1:
            del self._spanned[col]
        else:
            self._spanned[col][0] = left - 1
        return text

    def _emit(self, text):
        self.parts.append(text)
        for _, i in self._open:
            self.blocks[i].append(text)


def _span_of(value: str | None) -> int:
    """A rowspan or colspan: at least 1, and bounded (a page is not trusted to be sane)."""
    return min(max(int(value), 1), 100) if value and value.strip().isdigit() else 1


def _tidy(text: str) -> str:
    return re.sub(r"[ \t]*\n\s*", "\n", text).strip()


def html_to_text(markup: str) -> str:
    """The readable text of a page: its title, the header line with date and source, and the article —
    the page block that holds the most Chinese text, or the whole body when no block looks like one."""
    return read_page(markup)[0]


def read_page(markup: str) -> tuple[str, str | None]:
    """The readable text of a page (``html_to_text``) and its address, when the page gives an http(s) one."""
    parser = _TextOfHTML()
    parser.feed(markup)
    parser.close()
    body = _tidy("".join(parser.parts))
    blocks = [_tidy("".join(b)) for b in parser.blocks]
    cjk = lambda t: len(re.findall(f"[{CJK}]", t))  # noqa: E731
    best = max(blocks, key=cjk, default="")
    article = best if cjk(best) >= 100 else body
    title = re.split(r"\s*(?:--|_|\s\|\s|\s-\s)\s*", parser.title.strip())[0]
    header = next((line for line in body.splitlines() if _HEADER_FIELD.search(line.translate(_width_table()))
                   and _DATE.search(line) and line not in article), "")
    # a relative canonical link ("/a/1.html") is read against the page's own address, when the page gives one
    og_url = web_address(parser.urls.get("og:url"))
    base = web_address(parser.urls.get("base")) or og_url or ""
    canonical = parser.urls.get("canonical")
    url = (web_address(urljoin(base, canonical)) if canonical else None) or og_url
    return "\n\n".join(x for x in (title, header, article) if x), url


@cache
def _width_table() -> dict[int, str]:
    table = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
    table[0x3000] = " "
    table.update({ord(k): v for k, v in lexicon()["variants"].items()})
    return table


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """OpenCC t2s that never changes the length (lines it would change are converted character by character)."""
    if text.isascii():
        return text
    convert = _t2s().convert
    out = convert(text)
    if len(out) == len(text):
        return out
    lines = []
    for line in text.split("\n"):
        conv = convert(line)
        lines.append(conv if len(conv) == len(line) else "".join(c if len(c := convert(ch)) != 1 else c for ch in line))
    return "\n".join(lines)


def width_folded(text: str) -> str:
    """Full-width letters, digits and punctuation as half-width, character for character."""
    return text.translate(_width_table())


def normalise(text: str) -> tuple[str, array | None]:
    """Half-width punctuation, simplified characters, no stray spaces or pinyin glosses inside names."""
    text = to_simplified(width_folded(text))
    drops = [m.span() for rx in (_SPACES_BETWEEN_CJK, _PINYIN_GLOSS, _INVISIBLE, _DOUBLED) for m in rx.finditer(text)]
    if not drops:
        return text, None
    keep, offsets, pos = [], array("i"), 0
    for start, end in sorted(drops):
        if start < pos:
            start = pos
        if start >= end:
            continue
        keep.append(text[pos:start])
        offsets.extend(range(pos, start))
        pos = end
    keep.append(text[pos:])
    offsets.extend(range(pos, len(text)))
    offsets.append(len(text))
    return "".join(keep), offsets


def parse(text: str, name: str) -> Document:
    """Split a decoded article into metadata and content sentences (pure)."""
    clean, offsets = normalise(text)
    if not clean.strip():
        raise DocumentError(f"{name}: no text")
    lines, pos = [], 0
    for line in clean.split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    lex = lexicon()["documents"]
    title = date = source = None
    editors, reporters = [], []
    content: list[tuple[int, int]] = []
    asides: list[tuple[int, int]] = []  # lines of the page, not the article: their places are named, they state no facts
    seen, header, headed, footer, url = 0, False, False, False, None
    for i, (s, e) in enumerate(lines):
        line = clean[s:e].strip()
        if not line:
            continue
        if not seen and (address := _ADDRESS_LINE.fullmatch(line)):
            url = web_address(address.group(1))
            continue
        seen += 1
        if not footer and any(line.startswith(m) or m in line[:20] for m in lex["boilerplate_start"]):
            footer = sum(e - s for s, e in content) > 150  # the site's footer: nothing after it is the article
            asides.append((s, e))
            continue  # 分享到 above the article: just this line
        if seen == 1 and not source and (station := _station(_as_written(text, offsets, s, e))):
            source = station  # 锡林郭勒广播电视台　电视新闻稿: a script names its station above the header
            continue
        # a header is read from the first lines, however many fields follow one another (a broadcast script has eight)
        header = (seen <= 6 or header) and _is_header(_BRACKET_FIELD.sub(r"\1:", line))
        # 来源:…融媒体中心, 编辑:… on lines of their own close a post, before or after its footer
        credits = not header and len(line) < 40 and bool(_CLOSING_FIELD.match(line))
        if header or credits:
            # fields are read from the line as written: normalising drops the spaces that separate them
            line = _as_written(text, offsets, s, e)
            line = _BRACKET_FIELD.sub(r" \1:", line)
            d = _DATE.search(line)
            if d and not date and header:
                date = _iso_date(d)
            source = source or _field(line, "来源|稿源|发布机构|发布单位") or (_newspaper(line) if header else None)
            editors += _field_all(line, "编辑|责编|责任编辑")
            reporters += _field_all(line, "作者|记者")
            headed = headed or header
            continue
        if footer:
            asides.append((s, e))
            continue
        if line.startswith("标题:"):
            title = line[3:].strip() or title
            continue
        if any(m in line for m in lex["boilerplate_line"]) or _is_navigation(line) \
                or line.startswith(">") or " > " in line or any(m in line for m in lex["navigation"]):
            asides.append((s, e))
            continue
        if title is None and not content and not headed:
            title = line
        content.append((s, e))
    for s, e in content:
        for m in _CREDIT.finditer(clean, s, e):
            reporters += [r for r in re.split(r"[ 、,]+", m.group(2).strip()) if r]
    tables, rows = _tables(text, offsets, content)
    clean, content = _clauses(clean, content, rows)
    sentences = tuple(span for s, e in content for span in _sentences(clean, s, e)
                      if not _CREDIT.fullmatch(clean, *span))
    asides = tuple(span for s, e in asides for span in _sentences(clean, s, e))
    return Document(name=name, text=text, clean=clean, offsets=offsets,
                    sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(), title=title, date=date,
                    source=source, editors=tuple(dict.fromkeys(editors)), reporters=tuple(dict.fromkeys(reporters)),
                    sentences=sentences, paragraphs=_bounded_paragraphs(content, sentences), tables=tables, url=url, asides=asides,
                    year=int(date[:4]) if date else _year_of_address(url) or _year_of_text(clean, sentences))


_RELATIVE = re.compile(r"今年|本年|当年")
_EXPLICIT_YEAR = re.compile(r"(?<![\d.])((?:19|20)\d{2})年(?!\s*[到至—-]\s*(?:19|20)\d{2})")


def _year_of_address(url: str | None) -> int | None:
    """An undated copy's year from where it was found: …/news/zzxw/20141204/250716.html, …/2022/0217/13101.html."""
    m = re.search(r"(?<![\d])((?:19|20)\d{2})(?:[-/_]?(?:0[1-9]|1[0-2]))(?:[-/_]?(?:0[1-9]|[12]\d|3[01]))?(?!\d{3})", url or "")
    return int(m.group(1)) if m else None


def _year_of_text(clean: str, sentences) -> int | None:
    """An undated article's year: 18年后的2014年,…今年协议帮扶资金350万元 is written in 2014; a yearbook's entry
    without 今年 speaks of the year it names most (2010年 … 2010年 …)."""
    for s, e in sentences:
        m = _RELATIVE.search(clean, s, e)
        if m:
            before = [int(y.group(1)) for a, b in sentences if a <= m.start() for y in _EXPLICIT_YEAR.finditer(clean, a, min(b, m.start()))]
            return before[-1] if before else None
    named = [int(y.group(1)) for a, b in sentences for y in _EXPLICIT_YEAR.finditer(clean, a, b)]
    counts = {y: named.count(y) for y in named}
    best = max(counts, key=lambda y: (counts[y], y), default=None)
    return best if best is not None and counts[best] >= 3 else None


def _clauses(clean: str, content: list[tuple[int, int]], rows: set[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """A post's run of short lines, one under another and none ending a sentence, is one line whose lines are its
    clauses (东港区与黑溪镇 / 五莲县与濯水镇 / 结成帮扶对子): its line breaks read as commas. A table's rows stay apart."""
    def clause(s: int, e: int) -> bool:
        return e - s <= _CLAUSE_LINE and not _SENTENCE_END.search(clean, s, e) and (s, e) not in rows

    lines, breaks, run = [], [], []
    for s, e in content + [(-1, -1)]:
        if run and run[-1][1] + 1 == s and clause(s, e) and len(run) < _CLAUSE_LINES:
            run.append((s, e))
            continue
        if len(run) >= 2:
            lines.append((run[0][0], run[-1][1]))
            breaks += [e for _, e in run[:-1]]
        else:
            lines += run
        # …全部建立了结对关系: and the list under it, a pair a line
        run = [(s, e)] if s >= 0 and (clause(s, e) or clean[s:e].rstrip().endswith(":")) else []
        if s >= 0 and not run:
            lines.append((s, e))
    if not breaks:
        return clean, content
    chars = list(clean)
    for at in breaks:
        chars[at] = " " if clean[at - 1] in ",、:;" else ","
    return "".join(chars), lines


def _tables(text: str, offsets, content: list[tuple[int, int]]) -> tuple[tuple, set[tuple[int, int]]]:
    """Runs of two or more content lines written as a table's rows: three or more cells between tabs or wide gaps
    (as a page's table is written, and as reports set tables in plain text). Also the lines that are rows."""
    tables, run, lines = [], [], []
    for s, e in content + [(-1, -1)]:
        if s >= 0 and (row := _row(text, offsets, s, e)):
            run.append(row)
            lines.append((s, e))
            continue
        if len(run) >= 2:
            tables.append(tuple(run))
        elif run:
            lines.pop()
        run = []
    return tuple(tables), set(lines)


def _row(text: str, offsets, s: int, e: int) -> tuple[tuple[int, int], ...] | None:
    """The cells of the line clean[s:e] (spans of clean), found in the line as written: normalising drops tabs."""
    start, end = _original_span(offsets, s, e)
    line = text[start:end]
    if "。" in line:
        return None
    lead, last = len(line) - len(line.lstrip()), len(line.rstrip())
    gaps = [m.span() for m in _CELL_GAP.finditer(line, lead, last)]
    if len(gaps) < 2:
        return None
    bounds = [lead] + [at for gap in gaps for at in gap] + [last]
    clean_at = (lambda i: s + i) if offsets is None else (lambda i: bisect.bisect_left(offsets, start + i, s, e))
    return tuple((clean_at(a), clean_at(b)) for a, b in zip(bounds[::2], bounds[1::2]))


def _original_span(offsets, s: int, e: int) -> tuple[int, int]:
    return (s, e) if offsets is None else (offsets[s], offsets[e - 1] + 1)


def _is_header(line: str) -> bool:
    """来源:… 编辑:…, or a short line with a date that starts with the date or the paper's name."""
    date = _DATE.search(line)
    return bool(_HEADER_FIELD.search(line)) or bool(date) and (
        len(line) < 80 and bool(_DATE.match(line) or _NEWSPAPER.match(line))
        or len(line) < 40 and date.group(4) is not None)  # 黔江发布 2023-05-18 19:06 重庆: a post's account and time


def _is_navigation(line: str) -> bool:
    """首页 | 时政 | 国际: a menu, not prose."""
    return line.count("|") >= 2 and not re.search(r"[。,;]", line) or (len(line) <= 3 and not re.search(r"\d", line))


def _as_written(text: str, offsets, s: int, e: int) -> str:
    """The line clean[s:e] as written, spaces kept (normalising drops those between fields), in simplified half-width."""
    return to_simplified(text[slice(*_original_span(offsets, s, e))].translate(_width_table()))


def _station(line: str) -> str | None:
    """The paper or station alone on a line, or followed by one word: 锡林郭勒广播电视台 电视新闻稿."""
    words = line.split()
    return words[0] if 1 <= len(words) <= 2 and _NEWSPAPER.fullmatch(words[0]) else None


def _newspaper(line: str) -> str | None:
    """A header without 来源: names the paper first (青海日报 2024-06-12 09:05 编辑:…)."""
    m = _NEWSPAPER.match(line.strip())
    return m.group() if m else None


def _field(line: str, keys: str) -> str | None:
    found = _field_all(line, keys)
    return found[0] if found else None


def _field_all(line: str, keys: str) -> list[str]:
    values = [re.sub(r"^(记者|通讯员)\s*", "", m.group(1).strip()) for m in re.finditer(rf"(?:{keys}){_FIELD_VALUE}", line)]
    return [v for v in values if v and not _DATE.match(v)]


def _iso_date(m: re.Match) -> str:
    y, mo, d, h, mi, s = m.groups()
    date = f"{int(y):04d}-{int(mo):02d}-{int(d):02d}"
    return f"{date}T{int(h):02d}:{int(mi):02d}:{int(s or 0):02d}" if h else date


# A "sentence" or a line without end can be a whole file (a list, a dump without punctuation): the rules read a
# sentence's and a paragraph's context, and evidence quotes its sentence, so both are bounded to keep a long
# document's cost linear in its length.
MAX_SENTENCE = 600
MAX_PARAGRAPH = 6000
_CLAUSE_END = re.compile(r"[,:、]+")


def _sentences(clean: str, start: int, end: int):
    """Spans of the sentences of one line, without leading spaces; a long one cut after its clauses."""
    pos = start
    for m in _SENTENCE_END.finditer(clean, start, end):
        for s, e in _trimmed(clean, pos, m.end()):
            yield from _bounded(clean, s, e)
        pos = m.end()
    for s, e in _trimmed(clean, pos, end):
        yield from _bounded(clean, s, e)


def _bounded(clean: str, s: int, e: int):
    """Pieces of at most MAX_SENTENCE characters, each ending after a clause (or anywhere when none ends)."""
    while e - s > MAX_SENTENCE:
        cut = None
        for m in _CLAUSE_END.finditer(clean, s + MAX_SENTENCE // 2, s + MAX_SENTENCE):
            cut = m.end()
        cut = cut or s + MAX_SENTENCE
        yield from _trimmed(clean, s, cut)
        s = cut
    yield from _trimmed(clean, s, e)


def _bounded_paragraphs(content: list[tuple[int, int]], sentences: tuple[tuple[int, int], ...]):
    """The content lines, a long one as runs of whole sentences of at most MAX_PARAGRAPH characters."""
    out = []
    for s, e in content:
        if e - s <= MAX_PARAGRAPH:
            out.append((s, e))
            continue
        i = bisect.bisect_left(sentences, (s, -1))
        start = s
        while i < len(sentences) and sentences[i][0] < e:
            if sentences[i][1] - start > MAX_PARAGRAPH and sentences[i][0] > start:
                out.append((start, sentences[i][0]))
                start = sentences[i][0]
            i += 1
        out.append((start, e))
    return tuple(out)


def _trimmed(clean: str, s: int, e: int):
    while s < e and clean[s].isspace():
        s += 1
    while e > s and clean[e - 1].isspace():
        e -= 1
    if e > s:
        yield s, e
