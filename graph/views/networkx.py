"""The built graph as a networkx MultiDiGraph, read from the store with SPARQL, and its exports."""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..query import KnowledgeGraph, load, shown
from ..rdf import ENTITY_CLASSES, INFERRED_GRAPH

RELATIONS = ("pairedWith", "funds", "coBuilds", "partOf")
DEFAULT_RELATIONS = ("pairedWith", "funds", "coBuilds")
_P = """PREFIX ewc: <https://w3id.org/ewc/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> PREFIX schema: <https://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
"""
# What the view reads: name → (the query over the whole store, the query for the entities or facts ?x that a
# change touched, listed where {values} stands); one string serves both when {values} can simply go.
# One small query per attribute, joined in Python: OPTIONALs in one query would multiply the rows of an entity
# with several labels or documents. Each part of a whole-store query is a subquery: Oxigraph reads each one
# through and joins them by hash, several times faster than looking up every row of one pattern in the next.
# For a few IRIs looking up is fast, and LATERAL makes Oxigraph look each one up (else it may read a whole
# class through and keep those listed). Evidence and documents are read apart: one query with the OPTIONALs
# and an ORDER BY over every sentence takes several times as long. A pairing's partners are put in order in
# Python: comparing IRIs in the query would read each one's text.
READS = {
    "nodes": ("""SELECT ?x ?type ?zh WHERE { { SELECT DISTINCT ?x ?type WHERE { %s ?x a ?class } }
                 { SELECT ?x ?zh WHERE { ?x skos:prefLabel ?zh } } }""" % ENTITY_CLASSES,
              "SELECT DISTINCT ?x ?type ?zh WHERE { {values} LATERAL { %s ?x a ?class ; skos:prefLabel ?zh } }" % ENTITY_CLASSES),
    "label_en": 'SELECT DISTINCT ?x ?v WHERE { {values} ?x rdfs:label ?v FILTER(LANG(?v) = "en") }',
    "code": "SELECT DISTINCT ?x ?v WHERE { {values} ?x ewc:code ?v }",
    "lat": "SELECT DISTINCT ?x ?v WHERE { {values} ?x wgs:lat ?v }",
    "lon": "SELECT DISTINCT ?x ?v WHERE { {values} ?x wgs:long ?v }",
    "parent": "SELECT ?x ?v WHERE { {values} ?x ewc:partOf ?v FILTER NOT EXISTS { GRAPH <%s> { ?x ewc:partOf ?v } } }" % INFERRED_GRAPH,
    "province": ("SELECT DISTINCT ?x ?v WHERE { ?x ewc:partOf ?v . ?v a ewc:Province }",
                 "SELECT DISTINCT ?x ?v WHERE { {values} LATERAL { ?x ewc:partOf ?v . ?v a ewc:Province } }"),
    "documents": "SELECT ?x (COUNT(DISTINCT ?d) AS ?v) WHERE { {values} ?x ewc:mentionedIn ?d } GROUP BY ?x",
    "mentions": "SELECT DISTINCT ?x ?doc WHERE { {values} ?x ewc:mentionedIn ?doc }",
    "stated": "SELECT ?x (COUNT(DISTINCT ?d) AS ?v) WHERE { {values} ?x ewc:statedIn ?d } GROUP BY ?x",
    "corrected": "SELECT DISTINCT ?x ?v WHERE { {values} ?x prov:wasGeneratedBy ?c . ?c a ewc:Correction ; rdfs:comment ?v }",
    "evidence": ("""SELECT ?x ?sentence ?doc WHERE {
                    { SELECT ?x WHERE { VALUES ?class { ewc:Pairing ewc:Funding ewc:CoBuilding } ?x a ?class } }
                    { SELECT ?x ?ev WHERE { ?x ewc:evidence ?ev } } { SELECT ?ev ?doc WHERE { ?ev ewc:inDocument ?doc } }
                    { SELECT ?ev ?sentence WHERE { ?ev ewc:sentence ?sentence } } }""",
                 """SELECT ?x ?sentence ?doc WHERE { {values} LATERAL {
                    ?x a ?class FILTER(?class IN (ewc:Pairing, ewc:Funding, ewc:CoBuilding))
                    ?x ewc:evidence ?ev . ?ev ewc:inDocument ?doc ; ewc:sentence ?sentence } }"""),
    "sources": ("""SELECT ?doc ?title ?date ?url WHERE { ?doc a ewc:Document
                   OPTIONAL { ?doc dcterms:title ?title } OPTIONAL { ?doc dcterms:date ?date } OPTIONAL { ?doc schema:url ?url } }""",
                """SELECT DISTINCT ?doc ?title ?date ?url WHERE { {values} LATERAL { ?x ewc:statedIn|ewc:mentionedIn ?doc
                   OPTIONAL { ?doc dcterms:title ?title } OPTIONAL { ?doc dcterms:date ?date } OPTIONAL { ?doc schema:url ?url } } }"""),
    "pairings": ("SELECT ?x ?p ?level WHERE { { SELECT ?x ?level WHERE { ?x ewc:pairingLevel ?level } } "
                 "{ SELECT ?x ?p WHERE { ?x ewc:partner ?p } } }",
                 "SELECT ?x ?p ?level WHERE { {values} LATERAL { ?x ewc:pairingLevel ?level ; ewc:partner ?p } }"),
    "pairing years": ("SELECT ?x ?y WHERE { { SELECT ?x WHERE { ?x a ewc:Pairing } } { SELECT ?x ?y WHERE { ?x ewc:year ?y } } }",
                      "SELECT ?x ?y WHERE { {values} LATERAL { ?x a ewc:Pairing ; ewc:year ?y } }"),
    "fundings": ("""SELECT ?x ?a ?b ?amount ?currency ?year ?kind WHERE {
                    { SELECT ?x ?a WHERE { ?x a ewc:Funding ; ewc:giver ?a } } { SELECT ?x ?b WHERE { ?x ewc:receiver ?b } }
                    { SELECT ?x ?amount WHERE { ?x ewc:amount ?amount } } { SELECT ?x ?currency WHERE { ?x ewc:currency ?currency } }
                    { SELECT ?x ?k WHERE { ?x ewc:fundingKind ?k } } OPTIONAL { SELECT ?x ?year WHERE { ?x ewc:year ?year } }
                    BIND(STRAFTER(STR(?k), "#") AS ?kind) }""",
                 """SELECT ?x ?a ?b ?amount ?currency ?year ?kind WHERE { {values} LATERAL { ?x a ewc:Funding ; ewc:giver ?a ;
                    ewc:receiver ?b ; ewc:amount ?amount ; ewc:currency ?currency ; ewc:fundingKind ?k .
                    OPTIONAL { ?x ewc:year ?year } } BIND(STRAFTER(STR(?k), "#") AS ?kind) }"""),
    "cobuilds": ("SELECT ?x ?a ?b WHERE { ?x a ewc:CoBuilding ; ewc:partner ?a ; ewc:park ?b }",
                 "SELECT ?x ?a ?b WHERE { {values} LATERAL { ?x a ewc:CoBuilding ; ewc:partner ?a ; ewc:park ?b } }"),
    "part of": "SELECT ?x ?b WHERE { {values} ?x ewc:partOf ?b FILTER NOT EXISTS { GRAPH <%s> { ?x ewc:partOf ?b } } }" % INFERRED_GRAPH,
}
READS = {name: tuple(_P + q for q in (reads if isinstance(reads, tuple) else (reads.replace("{values} ", ""), reads)))
         for name, reads in READS.items()}
NODE_ATTRIBUTES = ("label_en", "code", "lat", "lon", "parent", "province", "documents")


def to_networkx(source: str | Path | KnowledgeGraph = "out", *, types=None, relations=DEFAULT_RELATIONS):
    """The graph as a networkx MultiDiGraph: a node per entity (by IRI), an edge per direct relation.

    Node attributes: label (Chinese), label_en, short_names (the gazetteer's: 富平 for 富平县), type, code, parent
    and province (IRIs), lon, lat, documents (how many mention it), and titles and urls of those documents.
    Edge attributes: relation, and by relation: level and years (pairedWith); amount, currency, year, kind and
    counted (funds: whether a total counts it, as the funds query does: of the amounts reported for one giver,
    receiver, year and kind, the one most documents state); corrected (only on a fact a user's correction set or
    added: the notes of the corrections); plus documents (how many state the fact), evidence
    (number of evidence sentences), sentences, titles (of the documents, by date) and urls (their addresses,
    one for each title, "" where unknown).
    ``pairedWith`` is symmetric: each pairing is ONE edge, from the partner whose IRI sorts first, with
    ``symmetric=True``; use ``G.to_undirected()`` or read both directions when it matters. ``funds`` runs from
    giver to receiver (one edge per funding), ``coBuilds`` from each partner to the park, ``partOf`` (off by
    default) from a division to its parent. ``types`` keeps only entities of those types. Nodes come in the
    order of their IRIs, edges in that of their ends and keys: the same graph gives the same order.

    >>> G = to_networkx(getfixture("built_corpus"))
    >>> G.nodes["https://w3id.org/ewc/id/division/610528"]["label"], G.number_of_edges()
    ('富平县', 12)
    """
    from ..facts import ENTITY_TYPES

    for what, given, known in (("relations", relations, RELATIONS), ("types", types or (), ENTITY_TYPES)):
        if set(given) - set(known):
            raise ValueError(f"unknown {what} {sorted(set(given) - set(known))}; choose from {', '.join(known)}")
    nodes, edges = _read(_open(source), relations)
    if types:
        nodes = {n: d for n, d in nodes.items() if d["type"] in types}
    return _graph(nodes, edges)


def update(G, source: str | Path | KnowledgeGraph, iris: set[str]):
    """``G``, made by ``to_networkx`` with its defaults, brought up to date with the store after a change that
    touched only ``iris`` (see ``touched``): those entities and facts are read again, the rest kept. The
    result equals ``to_networkx(source)``."""
    nodes, edges = _read(_open(source), DEFAULT_RELATIONS, only=iris)
    nodes = {**{n: d for n, d in G.nodes(data=True) if n not in iris}, **nodes}
    kept = [(u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True) if d.get("fact") not in iris]
    return _graph(nodes, kept + edges)


TOUCHED = _P + """
SELECT DISTINCT ?x WHERE {
  VALUES ?class { ewc:Province ewc:City ewc:County ewc:Town ewc:Village ewc:Park ewc:Program
                  ewc:Pairing ewc:Funding ewc:CoBuilding }
  {graphs} GRAPH ?g { ?x a ?class }
}"""


def touched(source: str | Path | KnowledgeGraph, graphs: list[str]) -> set[str]:
    """The entities and facts of the view that a change to these named graphs (documents) can alter: those the
    graphs state (ask the store before the change and after it). A place's province does not come through
    another document: a document that places something under a division states the division's own chain."""
    if not graphs:
        return set()
    values = "VALUES ?g { %s }" % " ".join(f"<{g}>" for g in graphs)
    return {row[0].value for row in _open(source).raw(TOUCHED.replace("{graphs}", values))}


def _open(source) -> KnowledgeGraph:
    return source if isinstance(source, KnowledgeGraph) else load(source)


def _graph(nodes: dict, edges: list):
    """A MultiDiGraph of these nodes, in IRI order, and of the edges between them, in order of ends and key; of
    the fundings of one giver, receiver, year and kind, the one most documents state (the larger on a tie) counted."""
    import networkx as nx

    best: dict[tuple, dict] = {}
    for u, v, _, d in edges:
        if d.get("relation") == "funds":
            d["counted"] = False
            key = (u, v, d["year"], d["currency"], d["kind"])
            if key not in best or (d["documents"], d["amount"]) > (best[key]["documents"], best[key]["amount"]):
                best[key] = d
    for d in best.values():
        d["counted"] = True
    G = nx.MultiDiGraph()
    G.add_nodes_from(sorted(nodes.items()))
    G.add_edges_from(sorted(((u, v, k, d) for u, v, k, d in edges if u in nodes and v in nodes), key=lambda e: e[:3]))
    return G


def _read(kg: KnowledgeGraph, relations, only: set[str] | None = None) -> tuple[dict, list]:
    """Nodes (IRI → attributes) and edges (u, v, key, attributes), of the whole store or, with ``only``, of
    those entities and facts alone; an edge may name a node that is not there (the caller keeps what has both)."""
    if only is not None and not only:
        return {}, []
    listed = "" if only is None else "VALUES ?x { %s }" % " ".join(f"<{iri}>" for iri in sorted(only))

    def rows(name, raw=False):
        full, some = READS[name]
        text = full if only is None else some.replace("{values}", listed)
        return kg.raw(text) if raw else kg.query(text)

    attributes = {name: {r["x"]: r["v"] for r in rows(name)} for name in NODE_ATTRIBUTES}
    nodes = {}
    for r in rows("nodes"):
        e = r["x"]
        nodes[e] = d = {"label": r["zh"], "type": r["type"], **{name: found.get(e) for name, found in attributes.items()}}
        if r["type"] == "Province":
            d["province"] = e
        d["documents"] = d["documents"] or 0
    documents = {r["doc"]: (str(r["date"] or ""), r["title"] or "", r["url"] or "") for r in rows("sources")}
    mentions: dict[str, list[tuple]] = {}
    for x, doc in rows("mentions", raw=True):
        mentions.setdefault(x.value, []).append(documents.get(doc.value, ("", "", "")))
    shorts = _short_names({d["code"] for d in nodes.values() if d.get("code")})
    for e, d in nodes.items():
        d["short_names"] = shorts.get(d.get("code"), [])
        d["titles"], d["urls"] = _titled(sorted(mentions.get(e, [])))
    evidence: dict[str, list[tuple]] = {}
    for fact, sentence, doc in rows("evidence", raw=True):  # terms, not dicts: a large corpus has a row per sentence
        date, title, url = documents.get(doc.value, ("", "", ""))
        evidence.setdefault(fact.value, []).append((date, title, sentence.value, url))
    stated = {r["x"]: r["v"] for r in rows("stated")}
    corrected: dict[str, list[str]] = {}
    for r in rows("corrected"):
        corrected.setdefault(r["x"], []).append(r["v"])
    edges = []

    def add(u, v, fact, key=None, **attrs):
        ev = sorted(evidence.get(fact, []))  # by date, then title and sentence
        sentences = list(dict.fromkeys(e[2] for e in ev))
        titles, urls = _titled([(date, title, url) for date, title, _, url in ev])
        if fact in corrected:
            attrs["corrected"] = "; ".join(sorted(corrected[fact]))
        edges.append((u, v, key or fact, dict(fact=fact, documents=stated.get(fact, 0), evidence=len(sentences),
                                              sentences=sentences, titles=titles, urls=urls, **attrs)))

    if "pairedWith" in relations:
        partners, levels, years = {}, {}, {}
        for fact, x, level in rows("pairings", raw=True):
            partners.setdefault(fact.value, set()).add(x.value)
            levels[fact.value] = level.value
        for fact, y in rows("pairing years", raw=True):
            years.setdefault(fact.value, set()).add(int(y.value))
        for fact, pair in partners.items():
            if len(pair) == 2:  # as the shapes require
                a, b = sorted(pair)
                add(a, b, fact, relation="pairedWith", symmetric=True, level=levels[fact], years=sorted(years.get(fact, ())))
    if "funds" in relations:
        for r in rows("fundings"):
            add(r["a"], r["b"], r["x"], relation="funds", amount=r["amount"], currency=r["currency"],
                year=r["year"], kind=r["kind"])
    if "coBuilds" in relations:
        for r in rows("cobuilds"):
            add(r["a"], r["b"], r["x"], key=f"{r['x']}#{r['a']}", relation="coBuilds")
    if "partOf" in relations:
        for r in rows("part of"):
            edges.append((r["x"], r["b"], f"{r['x']}>{r['b']}", {"relation": "partOf"}))
    return nodes, edges


def _titled(documents: list[tuple]) -> tuple[list[str], list[str]]:
    """(date, title, url) of documents, in order → their names ("title date") and the address of each ("" where
    unknown; the first one known of documents of one name)."""
    urls: dict[str, str] = {}
    for date, title, url in documents:
        name = f"{title} {date[:10]}".strip()
        urls[name] = urls.get(name) or url
    return list(urls), list(urls.values())


def _short_names(codes: set[str]) -> dict[str, list[str]]:
    """Division code → the gazetteer's short names of it, longest first (富平 for 富平县; 红河州 and 红河 for
    红河哈尼族彝族自治州)."""
    if not codes:
        return {}
    from ..gazetteer import gazetteer

    found: dict[str, list[str]] = {}
    for text, alias in gazetteer().aliases.items():
        if not alias.full:
            for code in codes.intersection(alias.codes):
                found.setdefault(code, []).append(text)
    return {code: sorted(names, key=lambda t: (-len(t), t)) for code, names in found.items()}


EXPORT_FORMATS = ("graphml", "gexf", "json", "jsonld", "csv")
JSONLD_CONTEXT = {"@vocab": "https://w3id.org/ewc/ontology#", "id": "@id", "nodes": "@graph",
                  "label": "http://www.w3.org/2004/02/skos/core#prefLabel"}


# What XML 1.0 cannot hold even as a character reference: a document may bring any of them (ESC, NUL)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def flat(G):
    """A copy whose attribute values GraphML and GEXF can hold: lists joined with "; ", None left out, characters
    XML 1.0 forbids written as escapes (\\x1b), and parent and province as names beside their codes."""
    H = G.copy()
    for _, data in H.nodes(data=True):
        for key in ("parent", "province"):
            if data.get(key):
                data[key], data[key + "_code"] = _name(G, data[key]), _code(G, data[key])
    for _, data in list(H.nodes(data=True)) + [(None, d) for *_, d in H.edges(data=True)]:
        for k, v in list(data.items()):
            if v is None:
                del data[k]
            elif isinstance(v, (list, tuple)):
                data[k] = shown("; ".join(map(str, v)), _NOT_XML)
            elif isinstance(v, str):
                data[k] = shown(v, _NOT_XML)
    return H


def _code(G, iri: str) -> str:
    return (G.nodes[iri].get("code") if iri in G else None) or (iri.rsplit("/", 1)[1] if "/division/" in iri else "")


def _name(G, iri: str) -> str:
    """A node's Chinese name; for a division the graph left out (``types``), the gazetteer's."""
    if iri in G:
        return G.nodes[iri]["label"]
    from ..gazetteer import gazetteer

    code = _code(G, iri)
    return gazetteer().name_at(code) if code in gazetteer().divisions else iri


def laid_out(G):
    """``flat(G)`` with GEXF's viz attributes: the page's geographic positions (y up, as Gephi draws), colours
    by type and sizes by number of relations, so Gephi opens it as the page shows it."""
    from .html import TYPE_STYLE, geo_layout, size

    H = flat(G)
    for n, (x, y) in geo_layout(G).items():
        colour = TYPE_STYLE[G.nodes[n]["type"]][0]
        r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
        H.nodes[n]["viz"] = {"position": {"x": round(x, 2), "y": round(-y, 2), "z": 0.0},
                             "color": {"r": r, "g": g, "b": b, "a": 1.0}, "size": size(G.degree(n))}
    return H


NODE_COLUMNS = ("id", "code", "name", "name_en", "short_names", "type", "parent_code", "parent", "province_code",
                "province", "lon", "lat", "documents", "titles", "urls")
EDGE_COLUMNS = ("relation", "source_code", "source", "source_en", "target_code", "target", "target_en", "level",
                "years", "amount", "currency", "year", "kind", "counted", "documents", "evidence", "titles", "urls",
                "corrected", "fact", "source_id", "target_id")


def tables(G) -> tuple[list[list], list[list]]:
    """The graph as two tables for spreadsheets, each with its header row: nodes (codes, names, English names,
    parent and province, coordinates, documents) and edges (both ends by code and name, the relation's level,
    years, amount, currency, kind, whether totals count it, its documents, and the notes of users' corrections)."""
    def node_row(n, d):
        up = {key: (_code(G, d[key]), _name(G, d[key])) if d.get(key) else ("", "") for key in ("parent", "province")}
        return [n, d.get("code"), d["label"], d.get("label_en"), d.get("short_names"), d["type"], *up["parent"],
                *up["province"], d.get("lon"), d.get("lat"), d.get("documents"), d.get("titles"), d.get("urls")]

    def edge_row(u, v, d):
        ends = [(_code(G, n), G.nodes[n]["label"], G.nodes[n].get("label_en")) for n in (u, v)]
        return [d["relation"], *ends[0], *ends[1], *(d.get(k) for k in EDGE_COLUMNS[7:19]), d.get("fact"), u, v]

    nodes = [list(NODE_COLUMNS)] + [node_row(n, d) for n, d in G.nodes(data=True)]
    edges = [list(EDGE_COLUMNS)] + [edge_row(u, v, d) for u, v, d in G.edges(data=True)]
    return [[_cell(c) for c in row] for row in nodes], [[_cell(c) for c in row] for row in edges]


def _cell(value):
    """A value as a spreadsheet cell: lists joined with "; ", None empty, and text that a spreadsheet would
    take for a formula (=, +, -, @ first, as a hostile document's title may be) quoted with a leading '."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "; ".join(map(str, value))
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export(G, path: str | Path, fmt: str) -> Path:
    """Write G as GraphML, GEXF (Gephi, laid out), node-link JSON, node-link JSON-LD, or CSV (``path`` a folder
    that gets nodes.csv and edges.csv, UTF-8 with a byte-order mark for Excel); each file appears whole or not at all."""
    import networkx as nx

    from ..files import atomic_write

    path = Path(path)
    if fmt == "graphml":
        data = "\n".join(nx.generate_graphml(flat(G))).encode("utf-8")
    elif fmt == "gexf":
        data = "\n".join(nx.generate_gexf(laid_out(G))).encode("utf-8")
    elif fmt in ("json", "jsonld"):
        doc = nx.node_link_data(G, edges="edges")
        if fmt == "jsonld":
            doc = {"@context": JSONLD_CONTEXT, **doc}
        data = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    elif fmt == "csv":
        import csv
        import io

        if path.suffix.lower() == ".csv" or path.is_file():
            raise ValueError(f"{path}: CSV is two files, nodes.csv and edges.csv: give a folder to write them in")

        for name, rows in zip(("nodes.csv", "edges.csv"), tables(G)):
            text = io.StringIO()
            csv.writer(text).writerows(rows)
            atomic_write(path / name, text.getvalue().encode("utf-8-sig"))
        return path
    else:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(EXPORT_FORMATS)}")
    atomic_write(path, data)
    return path


def read_export(path: str | Path, fmt: str):
    """Read back what ``export`` wrote (for CSV, the two tables' rows, as text)."""
    import networkx as nx

    if fmt == "graphml":
        return nx.read_graphml(path, force_multigraph=True)
    if fmt == "gexf":
        return nx.read_gexf(path)
    if fmt == "csv":
        import csv

        return [list(csv.reader((Path(path) / name).open(encoding="utf-8-sig", newline=""))) for name in ("nodes.csv", "edges.csv")]
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    doc.pop("@context", None)
    return nx.node_link_graph(doc, edges="edges")
