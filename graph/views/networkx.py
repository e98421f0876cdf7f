"""The built graph as a networkx MultiDiGraph, read from the store with SPARQL, and its exports."""
from __future__ import annotations

import json
from pathlib import Path

from ..query import KnowledgeGraph, load

RELATIONS = ("pairedWith", "funds", "coBuilds", "partOf")
DEFAULT_RELATIONS = ("pairedWith", "funds", "coBuilds")
_P = """PREFIX ewc: <https://w3id.org/ewc/ontology#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> PREFIX schema: <https://schema.org/>
"""
INFERRED = "https://w3id.org/ewc/id/graph/inferred"
# One small query per attribute, joined here: OPTIONALs in one query would multiply the rows of an entity
# with several labels or documents.
NODES = _P + """
SELECT ?e ?type ?zh WHERE {
  { SELECT DISTINCT ?e ?type WHERE {
      VALUES (?class ?type) { (ewc:Province "Province") (ewc:City "City") (ewc:County "County") (ewc:Town "Town")
                              (ewc:Village "Village") (ewc:Park "Park") (ewc:Program "Program") }
      ?e a ?class } }
  { SELECT ?e ?zh WHERE { ?e skos:prefLabel ?zh } }
}"""
NODE_ATTRIBUTES = {
    "label_en": _P + 'SELECT DISTINCT ?e ?v WHERE { ?e rdfs:label ?v FILTER(LANG(?v) = "en") }',
    "code": _P + "SELECT DISTINCT ?e ?v WHERE { ?e ewc:code ?v }",
    "lat": _P + "SELECT DISTINCT ?e ?v WHERE { ?e wgs:lat ?v }",
    "lon": _P + "SELECT DISTINCT ?e ?v WHERE { ?e wgs:long ?v }",
    "parent": _P + "SELECT ?e ?v WHERE { ?e ewc:partOf ?v FILTER NOT EXISTS { GRAPH <%s> { ?e ewc:partOf ?v } } }" % INFERRED,
    "province": _P + "SELECT DISTINCT ?e ?v WHERE { ?e ewc:partOf ?v . ?v a ewc:Province }",
    "documents": _P + "SELECT ?e (COUNT(DISTINCT ?d) AS ?v) WHERE { ?e ewc:mentionedIn ?d } GROUP BY ?e",
}
# Evidence and documents are read apart and joined here: one query with the OPTIONALs and an ORDER BY over
# every evidence sentence takes several times as long on a large corpus. Each part of a whole-graph query is
# a subquery: Oxigraph reads each one through and joins them by hash, several times faster than looking up
# every row of one pattern in the next.
EVIDENCE = _P + """
SELECT ?fact ?sentence ?doc WHERE {
  { SELECT ?fact WHERE { VALUES ?class { ewc:Pairing ewc:Funding ewc:CoBuilding } ?fact a ?class } }
  { SELECT ?fact ?ev WHERE { ?fact ewc:evidence ?ev } }
  { SELECT ?ev ?doc WHERE { ?ev ewc:inDocument ?doc } }
  { SELECT ?ev ?sentence WHERE { ?ev ewc:sentence ?sentence } }
}"""
DOCUMENTS = _P + """
SELECT ?doc ?title ?date ?url WHERE {
  ?doc a ewc:Document OPTIONAL { ?doc dcterms:title ?title } OPTIONAL { ?doc dcterms:date ?date } OPTIONAL { ?doc schema:url ?url }
}"""
# A pairing's partners are put in order here: comparing IRIs in the query would read each one's text.
PAIRINGS = _P + """
SELECT ?fact ?x ?level WHERE {
  { SELECT ?fact ?level WHERE { ?fact ewc:pairingLevel ?level } } { SELECT ?fact ?x WHERE { ?fact ewc:partner ?x } }
}"""
PAIRING_YEARS = _P + """
SELECT ?fact ?y WHERE { { SELECT ?fact WHERE { ?fact a ewc:Pairing } } { SELECT ?fact ?y WHERE { ?fact ewc:year ?y } } }"""
FUNDINGS = _P + """
SELECT ?fact ?a ?b ?amount ?currency ?year ?kind WHERE {
  { SELECT ?fact ?a WHERE { ?fact a ewc:Funding ; ewc:giver ?a } }
  { SELECT ?fact ?b WHERE { ?fact ewc:receiver ?b } }
  { SELECT ?fact ?amount WHERE { ?fact ewc:amount ?amount } }
  { SELECT ?fact ?currency WHERE { ?fact ewc:currency ?currency } }
  { SELECT ?fact ?k WHERE { ?fact ewc:fundingKind ?k } }
  OPTIONAL { SELECT ?fact ?year WHERE { ?fact ewc:year ?year } }
  BIND(STRAFTER(STR(?k), "#") AS ?kind)
}"""
COBUILDS = _P + """SELECT ?fact ?a ?b WHERE { ?fact a ewc:CoBuilding ; ewc:partner ?a ; ewc:park ?b }"""
PART_OF = _P + """SELECT ?a ?b WHERE { ?a ewc:partOf ?b FILTER NOT EXISTS { GRAPH <%s> { ?a ewc:partOf ?b } } }""" % INFERRED


def to_networkx(source: str | Path | KnowledgeGraph = "out", *, types=None, relations=DEFAULT_RELATIONS):
    """The graph as a networkx MultiDiGraph: a node per entity (by IRI), an edge per direct relation.

    Node attributes: label (Chinese), label_en, type, code, parent and province (IRIs), lon, lat, documents.
    Edge attributes: relation, and by relation: level and years (pairedWith); amount, currency, year, kind
    (funds); plus evidence (number of evidence sentences), sentences, titles (of the documents, by date) and
    urls (their addresses, one for each title, "" where unknown).
    ``pairedWith`` is symmetric: each pairing is ONE edge, from the partner whose IRI sorts first, with
    ``symmetric=True``; use ``G.to_undirected()`` or read both directions when it matters. ``funds`` runs from
    giver to receiver (one edge per funding), ``coBuilds`` from each partner to the park, ``partOf`` (off by
    default) from a division to its parent. ``types`` keeps only entities of those types.

    >>> G = to_networkx(getfixture("built_corpus"))
    >>> G.nodes["https://w3id.org/ewc/id/division/610528"]["label"], G.number_of_edges()
    ('富平县', 12)
    """
    import networkx as nx

    kg = source if isinstance(source, KnowledgeGraph) else load(source)
    unknown = set(relations) - set(RELATIONS)
    if unknown:
        raise ValueError(f"unknown relations {sorted(unknown)}; choose from {', '.join(RELATIONS)}")
    G = nx.MultiDiGraph()
    attributes = {name: {r["e"]: r["v"] for r in kg.query(q)} for name, q in NODE_ATTRIBUTES.items()}
    for r in kg.query(NODES):
        if types and r["type"] not in types:
            continue
        e = r["e"]
        G.add_node(e, label=r["zh"], type=r["type"], **{name: values.get(e) for name, values in attributes.items()})
        if r["type"] == "Province":
            G.nodes[e]["province"] = e
        G.nodes[e]["documents"] = G.nodes[e]["documents"] or 0
    documents = {r["doc"]: (str(r["date"] or ""), r["title"] or "", r["url"] or "") for r in kg.query(DOCUMENTS)}
    evidence: dict[str, list[tuple]] = {}
    for fact, sentence, doc in kg.raw(EVIDENCE):  # terms, not dicts: a large corpus has a row per sentence
        date, title, url = documents.get(doc.value, ("", "", ""))
        evidence.setdefault(fact.value, []).append((date, title, sentence.value, url))

    def add(u, v, fact, key=None, **attrs):
        if u in G and v in G:
            ev = sorted(evidence.get(fact, []))  # by date, then title and sentence
            sentences = list(dict.fromkeys(e[2] for e in ev))
            urls: dict[str, str] = {}  # "title date" -> its address, the first one known
            for date, title, _, url in ev:
                name = f"{title} {date[:10]}".strip()
                urls[name] = urls.get(name) or url
            G.add_edge(u, v, key=key or fact, fact=fact, evidence=len(sentences), sentences=sentences,
                       titles=list(urls), urls=list(urls.values()), **attrs)

    if "pairedWith" in relations:
        partners, levels, years = {}, {}, {}
        for fact, x, level in kg.raw(PAIRINGS):
            partners.setdefault(fact.value, set()).add(x.value)
            levels[fact.value] = level.value
        for fact, y in kg.raw(PAIRING_YEARS):
            years.setdefault(fact.value, set()).add(int(y.value))
        for fact, pair in partners.items():
            if len(pair) == 2:  # as the shapes require
                a, b = sorted(pair)
                add(a, b, fact, relation="pairedWith", symmetric=True, level=levels[fact], years=sorted(years.get(fact, ())))
    if "funds" in relations:
        for r in kg.query(FUNDINGS):
            add(r["a"], r["b"], r["fact"], relation="funds", amount=r["amount"], currency=r["currency"],
                year=r["year"], kind=r["kind"])
    if "coBuilds" in relations:
        for r in kg.query(COBUILDS):
            add(r["a"], r["b"], r["fact"], key=f"{r['fact']}#{r['a']}", relation="coBuilds")
    if "partOf" in relations:
        for r in kg.query(PART_OF):
            if r["a"] in G and r["b"] in G:
                G.add_edge(r["a"], r["b"], key=f"{r['a']}>{r['b']}", relation="partOf")
    return G


EXPORT_FORMATS = ("graphml", "gexf", "json", "jsonld")
JSONLD_CONTEXT = {"@vocab": "https://w3id.org/ewc/ontology#", "id": "@id", "nodes": "@graph",
                  "label": "http://www.w3.org/2004/02/skos/core#prefLabel"}


def flat(G):
    """A copy whose attribute values GraphML and GEXF can hold: lists joined with "; ", None left out."""
    H = G.copy()
    for _, data in list(H.nodes(data=True)) + [(None, d) for *_, d in H.edges(data=True)]:
        for k, v in list(data.items()):
            if v is None:
                del data[k]
            elif isinstance(v, (list, tuple)):
                data[k] = "; ".join(map(str, v))
    return H


def export(G, path: str | Path, fmt: str) -> Path:
    """Write G as GraphML, GEXF (Gephi), node-link JSON, or node-link JSON-LD; the file appears whole or not at all."""
    import networkx as nx

    from ..build import atomic_write

    path = Path(path)
    if fmt == "graphml":
        data = "\n".join(nx.generate_graphml(flat(G))).encode("utf-8")
    elif fmt == "gexf":
        data = "\n".join(nx.generate_gexf(flat(G))).encode("utf-8")
    elif fmt in ("json", "jsonld"):
        doc = nx.node_link_data(G, edges="edges")
        if fmt == "jsonld":
            doc = {"@context": JSONLD_CONTEXT, **doc}
        data = json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
    else:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(EXPORT_FORMATS)}")
    atomic_write(path, data)
    return path


def read_export(path: str | Path, fmt: str):
    """Read back what ``export`` wrote."""
    import networkx as nx

    if fmt == "graphml":
        return nx.read_graphml(path, force_multigraph=True)
    if fmt == "gexf":
        return nx.read_gexf(path)
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    doc.pop("@context", None)
    return nx.node_link_graph(doc, edges="edges")
