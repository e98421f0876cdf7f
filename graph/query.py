"""Asking a built graph: SPARQL over the Oxigraph store, bundled queries, and the rdflib view.

The default graph holds every document's facts merged (each triple once) and the entailed triples, so a
query needs no GRAPH clause; the named graphs (one per document, ``…/graph/inferred`` for the entailed
triples) are there to ask where a triple came from.
"""
from __future__ import annotations

import multiprocessing
import re
from pathlib import Path

import pyoxigraph as ox

from .rdf import ONTOLOGY

QUERIES = ONTOLOGY / "queries"
_STRINGS_AND_COMMENTS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>\s]*>|#[^\n]*')


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
    if len(text_or_name) < 4096 and "\n" not in text_or_name and path.suffix in (".rq", ".sparql") and path.is_file():
        return path.read_text(encoding="utf-8")
    return text_or_name


def uses(keyword: str, sparql: str) -> bool:
    """Whether the query uses a keyword (SERVICE, LATERAL…) outside strings, IRIs and comments."""
    return re.search(rf"\b{keyword}\b", _STRINGS_AND_COMMENTS.sub(" ", sparql), re.I) is not None


def uses_service(sparql: str) -> bool:
    """Whether the query would reach another server (a SERVICE clause)."""
    return uses("SERVICE", sparql)


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
        sparql = resolve(sparql)
        if uses_service(sparql) and not allow_service:
            raise QueryError("the query has a SERVICE clause, which would send data to another server; "
                             "pass allow_service=True (kg query --allow-service) to run it")
        sparql = bind(sparql, params or {})
        try:
            return self._store.query(sparql)
        except SyntaxError as exc:
            raise QueryError(f"bad query: {exc}") from None

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
    """Open what ``kg build`` wrote (the output folder or its store) for querying."""
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


def _literal(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


_XSD = "http://www.w3.org/2001/XMLSchema#"


def _decimal(text: str) -> int | float:
    number = float(text)
    return int(number) if number.is_integer() else number


_NUMBERS = {**{_XSD + kind: int for kind in ("integer", "int", "long", "short", "nonNegativeInteger")},
            _XSD + "decimal": _decimal, _XSD + "double": float, _XSD + "float": float}


def _python(term):
    """A plain Python value for an RDF term: numbers as numbers, everything else as its text."""
    if type(term) is not ox.Literal:
        return None if term is None else term.value
    number = _NUMBERS.get(term.datatype.value)
    return term.value if number is None else number(term.value)


def run_with_timeout(out: str | Path, sparql: str, *, fmt: str, timeout: float, **options) -> bytes:
    """Run a query in a child process and serialise its result; a query past ``timeout`` seconds is stopped."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, str(out), sparql, fmt, options), daemon=True)
    proc.start()
    child.close()
    if not parent.poll(timeout):
        proc.kill()
        proc.join()
        raise QueryError(f"the query ran longer than {timeout:g} s and was stopped (raise --timeout)")
    ok, payload = parent.recv()
    proc.join()
    if not ok:
        raise QueryError(payload)
    return payload


def _child(conn, out, sparql, fmt, options) -> None:
    try:
        conn.send((True, serialise(load(out).raw(sparql, **options), fmt)))
    except QueryError as exc:
        conn.send((False, str(exc)))
    except Exception as exc:  # reported to the parent as one line, never a traceback
        conn.send((False, f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def serialise(result, fmt: str) -> bytes:
    """SELECT/ASK as an aligned table or a SPARQL results format (csv, tsv, json, xml); CONSTRUCT as Turtle."""
    if isinstance(result, ox.QueryTriples):
        return result.serialize(format=ox.RdfFormat.TURTLE)
    if fmt != "table":
        return result.serialize(format=getattr(ox.QueryResultsFormat, fmt.upper()))
    if isinstance(result, ox.QueryBoolean):
        return b"true\n" if bool(result) else b"false\n"
    names = [v.value for v in result.variables]
    rows = [["" if row[n] is None else str(_python(row[n])) for n in names] for row in result]
    widths = [max([_width(n)] + [_width(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = ["  ".join(_pad(n, w) for n, w in zip(names, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths)) for r in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return ("\n".join(line.rstrip() for line in lines) + "\n").encode("utf-8")


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
