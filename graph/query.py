"""Asking a built graph: SPARQL over the Oxigraph store, bundled queries, and the rdflib view.

The default graph holds every document's facts merged (each triple once) and the entailed triples, so a
query needs no GRAPH clause; the named graphs (one per document, ``…/graph/inferred`` for the entailed
triples) are there to ask where a triple came from.
"""
from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from .rdf import ONTOLOGY

QUERIES = ONTOLOGY / "queries"
_STRINGS_AND_COMMENTS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\''
                                   r'|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n\r]*')  # as the SPARQL grammar has them
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class QueryError(ValueError):
    """A query that cannot run: bad syntax (with its position), a refused SERVICE, a time-out, a missing store."""


def bundled_queries() -> dict[str, Path]:
    """Name → file of the queries in ontology/queries; each file opens with the question it answers."""
    return {p.stem: p for p in sorted(QUERIES.glob("*.rq"))}


def question(path: Path) -> str:
    """The question a query file opens with: its first comment lines, up to a remark on how it is written "(…"."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#") or line.startswith("# ("):
            break
        lines.append(line.lstrip("# ").strip())
    return " ".join(lines)


def resolve(text_or_name: str) -> str:
    """A bundled query's name, a file's path, or the query itself → the query text."""
    named = bundled_queries().get(text_or_name)
    if named:
        return named.read_text(encoding="utf-8")
    path = Path(text_or_name)
    if len(text_or_name) < 4096 and "\n" not in text_or_name and path.suffix in (".rq", ".sparql"):
        if not path.is_file():
            raise QueryError(f"{text_or_name}: no such query file")
        return path.read_text(encoding="utf-8")
    if re.fullmatch(r"[\w-]+", text_or_name):  # a word is no query: a misspelt name (pairing for pairings)
        import difflib

        near = difflib.get_close_matches(text_or_name, bundled_queries(), n=1)
        raise QueryError(f"no bundled query named {text_or_name!r}"
                         + (f"; did you mean {near[0]!r}?" if near else " (kg query --list names them)"))
    return text_or_name


def uses(keyword: str, sparql: str) -> bool:
    """Whether the query uses a keyword (SERVICE, LATERAL…) outside strings, IRIs and comments."""
    return re.search(rf"\b{keyword}\b", _STRINGS_AND_COMMENTS.sub(" ", sparql), re.I) is not None


def uses_service(sparql: str, *, update: bool = False) -> bool:
    """Whether a query (or an update) would reach another server: a SERVICE clause in the parsed request. A text
    that mentions SERVICE but cannot be parsed counts as one: no reading of it can then slip one through."""
    text = _CODEPOINT.sub(_codepoint, sparql)  # SPARQL reads \u escapes anywhere, keywords included
    if "service" not in text.lower():
        return False
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    from rdflib.plugins.sparql.parserutils import CompValue

    try:  # a comment ends at a carriage return too, where rdflib's parser would read on to the newline
        stack = [(parseUpdate if update else parseQuery)(text.replace("\r", "\n"))]
    except Exception:
        return True
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                return True
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)
    return False


def _codepoint(m: re.Match) -> str:
    code = int(m[1] or m[2], 16)
    return chr(code) if code <= 0x10FFFF else m[0]


class KnowledgeGraph:
    """A built graph opened read-only: ``.query`` for SPARQL rows, ``.rdflib`` for an rdflib Dataset view."""

    def __init__(self, out: str | Path = "out"):
        self.path = Path(out)
        store = self.path / "store" if (self.path / "store").is_dir() else self.path
        if not (store / "CURRENT").exists():
            raise QueryError(f"{self.path}: no built store here (run `kg build` first)")
        self.store_path = store
        try:
            self._store = ox.Store.read_only(str(store))
        except (OSError, RuntimeError) as exc:  # a store damaged on disk, or not Oxigraph's
            from .store import damaged

            raise QueryError(damaged(store, str(exc))) from None

    def __repr__(self) -> str:
        return f"<KnowledgeGraph {self.store_path}>"

    def raw(self, sparql: str, *, params: dict[str, str] | None = None, allow_service: bool = False):
        """The pyoxigraph result of a query (QuerySolutions, QueryBoolean or QueryTriples)."""
        params = dict(params or {})
        if sparql in bundled_queries():  # their places by any name: 富平, 红河州, Shaanxi, 610528
            for name in PLACE_PARAMETERS.intersection(params):
                params[name] = self.place(params[name])
        sparql = bind(resolve(sparql), params)
        if not allow_service and uses_service(sparql):
            raise QueryError("the query has a SERVICE clause, which would send data to another server; "
                             "pass allow_service=True (kg query --allow-service) to run it")
        try:
            return self._store.query(sparql)
        except SyntaxError as exc:
            raise QueryError(f"bad query: {_syntax(str(exc), sparql)}") from None

    def place(self, name: str) -> str:
        """The graph's name of a place given by its name, a short, former or English name, or its code (富平 →
        富平县); QueryError when the graph holds no such place, or several (with their codes)."""
        name = name.strip()
        if re.fullmatch(r"https?://\S+", name):
            return name
        found = self._labelled([name], by="label")
        if len(found) == 1:
            return name
        if name.isdigit():
            if self._labelled([name], by="code"):
                return name
            raise QueryError(f"no place with the code {name} in this graph")
        from .gazetteer import gazetteer

        gaz = gazetteer()
        alias = gaz.aliases.get(name)
        codes = list(alias.codes) if alias else []
        if not codes:
            folded = name.casefold()
            codes = [d.code for d in gaz.divisions.values() if d.until is None and d.name_en
                     and folded in (d.name_en.casefold(), d.name_en.rsplit(" ", 1)[0].casefold())]
        found = found or self._labelled(codes, by="code")
        if len(found) == 1:
            return found[0][1]
        if found:
            raise QueryError(f"{name!r} names {len(found)} places: "
                             + ", ".join(f"{label} ({code})" for code, label in found) + "; give one by its code")
        known = [gaz.divisions[c].name for c in codes if c in gaz.divisions]
        raise QueryError(f"no place named {name!r} in this graph"
                         + (f" ({'、'.join(dict.fromkeys(known))}: no document mentions it)" if known else ""))

    def _labelled(self, values: list[str], *, by: str) -> list[tuple[str, str]]:
        """(code, label) of the places among ``values`` (labels, or division codes) that the graph holds."""
        if not values:
            return []
        prefix = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT DISTINCT ?x ?n WHERE { "
        if by == "label":
            rows = self._store.query(prefix + f"VALUES ?n {{ {' '.join(_literal(v) + '@zh' for v in values)} }} ?x skos:prefLabel ?n }}")
        else:
            iris = " ".join(f"<{_DIVISION}{c}>" for c in values if c.isdigit())
            rows = self._store.query(prefix + f"VALUES ?x {{ {iris} }} ?x skos:prefLabel ?n }}") if iris else []
        return sorted((r["x"].value.rsplit("/", 1)[1], r["n"].value) for r in rows)

    def query(self, sparql: str, **options) -> list[dict] | bool:
        """Rows of a SELECT as dicts of Python values (str, int, float…); True or False for ASK.

        >>> import graph
        >>> kg = graph.load(getfixture("built_corpus"))
        >>> rows = kg.query("pairings")
        >>> [(r["a"], r["b"], r["level"]) for r in rows]
        [('南通市', '汉中市', 'City'), ('江苏省', '陕西省', 'Province')]
        """
        result = self.raw(sparql, **options)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QueryTriples):
            raise QueryError("CONSTRUCT and DESCRIBE give triples: use .raw() or kg query, which prints Turtle")
        names = [v.value for v in result.variables]
        return [dict(zip(names, map(_python, row))) for row in result]  # a row read in order, not by name: faster

    def query_df(self, sparql: str, **options):
        """The rows of a SELECT as a pandas DataFrame, one column per variable even when no row matches (needs
        pandas: ``pip install pandas``).

        >>> import graph
        >>> funds = graph.load(getfixture("built_corpus")).query_df("funds")
        >>> funds[funds["year"] == "total"].groupby("giver")["total"].sum().to_dict()
        {'江苏省': 470000000}
        """
        try:
            import pandas as pd
        except ImportError:
            raise QueryError("query_df needs pandas, which is not installed: pip install pandas") from None
        result = self.raw(sparql, **options)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("query_df takes a SELECT query; use .query() for ASK, .raw() for CONSTRUCT")
        names = [v.value for v in result.variables]
        return pd.DataFrame([list(map(_python, row)) for row in result], columns=names)

    def to_networkx(self, **options):
        """The graph as a networkx MultiDiGraph (see ``graph.to_networkx``)."""
        from .views.networkx import to_networkx

        return to_networkx(self, **options)

    @property
    def rdflib(self):
        """An rdflib Dataset over the same store (through oxrdflib), for rdflib's API."""
        from oxrdflib import OxigraphStore
        from rdflib import Dataset

        return Dataset(store=OxigraphStore(store=self._store))


def load(out: str | Path = "out") -> KnowledgeGraph:
    """Open what ``kg build`` wrote (the output folder or its store) for querying: the build published then,
    until it is loaded again (a later build publishes a new store beside it)."""
    return KnowledgeGraph(out)


def bind(sparql: str, params: dict[str, str]) -> str:
    """Put parameter values in place of their variables (?place → "富平县"; an http IRI stays an IRI)."""
    for name, value in params.items():
        if not re.fullmatch(r"\w+", name):
            raise QueryError(f"bad parameter name {name!r}")
        term = f"<{value}>" if re.fullmatch(r"(https?|urn):[^<>\s\"{{}}|^`\\]+", value) else _literal(value)
        found = []

        def swap(m: re.Match) -> str:
            if m.group("var") is None:
                return m.group()  # strings, IRIs and comments stay as written
            found.append(m)
            return term

        sparql = re.sub(rf"(?:{_STRINGS_AND_COMMENTS.pattern})|(?P<var>[?$]{name}\b)", swap, sparql)
        if not found:
            raise QueryError(f"the query has no variable ?{name} for --param {name}=…")
    return sparql


PLACE_PARAMETERS = {"place", "a", "b", "province"}  # the bundled queries' parameters that name a place
_DIVISION = "https://w3id.org/ewc/id/division/"


def _literal(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


_XSD = "http://www.w3.org/2001/XMLSchema#"


def _decimal(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() else number


_TYPED = {**{_XSD + kind: int for kind in ("integer", "int", "long", "short", "nonNegativeInteger")},
          _XSD + "decimal": _decimal, _XSD + "double": float, _XSD + "float": float,
          _XSD + "boolean": lambda text: text in ("true", "1")}


def _python(term):
    """A plain Python value for an RDF term: numbers as numbers, booleans as booleans, everything else as its text."""
    if type(term) is not ox.Literal:
        return None if term is None else term.value
    typed = _TYPED.get(term.datatype.value)
    return term.value if typed is None else typed(term.value)


HOLD = 1 << 20  # bytes of output held until the query ends: a query that fails before prints nothing on stdout
TABLE_SAMPLE = 1000  # rows that set a table's column widths; a wider cell further down overflows its column
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def run_with_timeout(out: str | Path, sparql: str, *, fmt: str, timeout: float, write=None, **options) -> bytes | None:
    """Run a query in a child process and serialise its result; a query past ``timeout`` seconds is stopped.
    With ``write``, the output goes to it in chunks as it comes (after the first HOLD bytes), else it is returned."""
    import multiprocessing  # here: every kg command imports this module (for its help), few need this
    import time

    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, str(out), sparql, fmt, options), daemon=True)
    proc.start()
    child.close()
    deadline = time.monotonic() + timeout
    held, size, written = [], 0, False

    def failed(reason: str) -> QueryError:
        return QueryError(reason + ("; the output above is incomplete" if written else ""))

    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not parent.poll(left):  # a child that streams fast still stops at the deadline
                raise failed(f"the query ran longer than {timeout:g} s and was stopped (raise --timeout)")
            try:
                message = parent.recv_bytes()
            except EOFError:
                proc.join()
                reason = f"the query stopped without an answer (its process ended with status {proc.exitcode})"
                raise failed(reason) from None
            kind, data = message[:1], message[1:]
            if kind == b"e":
                raise failed(data.decode("utf-8", "replace"))
            if kind == b"d":
                break
            held.append(data)
            size += len(data)
            if write is not None and size >= HOLD:
                for chunk in held:
                    write(chunk)
                held, size, written = [], 0, True
    finally:  # also when writing fails (a reader that went away): the child must not run on
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()
    if write is None:
        return b"".join(held)
    for chunk in held:
        write(chunk)
    return None


class _Pipe:
    """The child's output as a binary file: buffered, then sent to the parent a chunk of whole lines at a time."""

    def __init__(self, conn, size: int = 1 << 16):
        self.conn, self.size, self.buffer = conn, size, bytearray()

    def write(self, data) -> int:
        self.buffer += data
        if len(self.buffer) >= self.size:
            # whole lines where there are any, so that output a failure cuts short ends with a whole row
            self.flush(self.buffer.rfind(b"\n") + 1 or None)
        return len(data)

    def flush(self, end: int | None = None) -> None:
        if self.buffer:
            self.conn.send_bytes(b"o" + self.buffer[:end])
            del self.buffer[:end]


def _child(conn, out, sparql, fmt, options) -> None:
    try:
        output = _Pipe(conn)
        serialise(load(out).raw(sparql, **options), fmt, output)
        output.flush()  # only here: on a failure what is still buffered is dropped, not sent half-way
        message = b"d"
    except QueryError as exc:
        message = b"e" + str(exc).encode("utf-8", "backslashreplace")
    except Exception as exc:  # reported to the parent as one line, never a traceback
        message = b"e" + f"{type(exc).__name__}: {exc}".encode("utf-8", "backslashreplace")
    try:
        conn.send_bytes(message)
    except OSError:
        pass  # the parent is gone (it stopped reading): no one to tell
    finally:
        conn.close()


def serialise(result, fmt: str, output=None) -> bytes | None:
    """SELECT/ASK as an aligned table or a SPARQL results format (csv, tsv, json, xml); CONSTRUCT as Turtle.
    Written to ``output`` (a binary file) as it comes, or returned as bytes."""
    if output is None:
        import io

        buffer = io.BytesIO()
        serialise(result, fmt, buffer)
        return buffer.getvalue()
    if isinstance(result, ox.QueryTriples):
        result.serialize(output, format=ox.RdfFormat.TURTLE)
    elif fmt == "xml":  # XML 1.0 has no way to write most control characters, not even as &#x1b;
        result.serialize(_Escaping(output, NOT_XML_BYTES), format=ox.QueryResultsFormat.XML)
    elif fmt != "table":
        result.serialize(output, format=getattr(ox.QueryResultsFormat, fmt.upper()))
    elif isinstance(result, ox.QueryBoolean):
        output.write(b"true\n" if bool(result) else b"false\n")
    else:
        for chunk in _table(result):
            output.write(chunk)
    return None


NOT_XML_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # in UTF-8 these bytes are whole characters
TERMINAL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")  # C0 but line ends and tabs, DEL, C1


def escaped(data: bytes, characters: re.Pattern) -> bytes:
    """UTF-8 bytes with what ``characters`` matches written as escapes like \\x1b (as ``shown`` does)."""
    return characters.sub(lambda m: m[0].decode("utf-8").encode("unicode_escape"), data)


def _syntax(message: str, sparql: str) -> str:
    """The engine's syntax error in one line: where, and the text there (not its list of expected characters)."""
    m = re.match(r"error at (\d+):(\d+)", message)
    lines = sparql.split("\n")
    if not m or not 0 < int(m[1]) <= len(lines):
        return shown(" ".join(message.split())[:200])
    line, column = int(m[1]), int(m[2])
    near = lines[line - 1][max(column - 1, 0):][:30]
    return f"line {line}, column {column}" + (f", at '{shown(near)}'" if near.strip() else ", at the end")


class _Escaping:
    """A binary file that escapes what a pattern matches in what is written to it."""

    def __init__(self, output, characters: re.Pattern):
        self.output, self.characters = output, characters

    def write(self, data) -> int:
        self.output.write(escaped(bytes(data), self.characters))
        return len(data)

    def flush(self) -> None:
        self.output.flush()


def _table(result):
    """The rows of a SELECT as an aligned table, in chunks: the widths come from the first TABLE_SAMPLE rows."""
    from itertools import islice

    names = [v.value for v in result.variables]
    rows = iter(result)

    def chunk() -> list[list[str]]:
        return [[shown("" if term is None else str(_python(term))) for term in row]
                for row in islice(rows, TABLE_SAMPLE)]

    def line(cells: list[str]) -> str:
        return "  ".join(_pad(c, w) for c, w in zip(cells, widths)).rstrip() + "\n"

    first = chunk()
    widths = [max([_width(n)] + [_width(r[i]) for r in first]) for i, n in enumerate(names)]
    count = len(first)
    yield (line(names) + "  ".join("-" * w for w in widths).rstrip() + "\n" + "".join(map(line, first))).encode("utf-8")
    while more := chunk():
        count += len(more)
        yield "".join(map(line, more)).encode("utf-8")
    yield f"({count} row{'s' if count != 1 else ''})\n".encode("utf-8")


def shown(text: str, characters: re.Pattern = _CONTROLS) -> str:
    """Text as a terminal should show it: ``characters`` (by default control characters: C0, C1, bidi, line
    separators) as escapes like \\x1b."""
    return characters.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def _width(text: str) -> int:
    import unicodedata

    if text.isascii():  # the common case, and the cost of a large table
        return len(text)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
