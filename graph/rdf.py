"""Facts → RDF under the ontology in ontology/ewc.ttl, one named graph per document; and back to facts JSON.

This is the only module that knows the ontology's IRIs. Every view reads what it writes.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal
from functools import cache
from pathlib import Path
from urllib.parse import quote

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from .facts import Entity, Evidence, Facts

EWC = Namespace("https://w3id.org/ewc/ontology#")
ID = "https://w3id.org/ewc/id/"
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"
PREFIXES = {"ewc": EWC, "skos": SKOS, "dcterms": DCTERMS, "prov": PROV, "schema": SCHEMA, "wgs": GEO}
FUNDING_KINDS = {"FiscalAid": EWC.FiscalAid, "Donation": EWC.Donation, "Investment": EWC.Investment}


def _h(*parts) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


def document_iri(doc_id: str) -> URIRef:
    return URIRef(f"{ID}doc/{quote(doc_id, safe='')}")


def graph_iri(doc_id: str) -> URIRef:
    """The named graph that holds exactly one document's facts."""
    return URIRef(f"{ID}graph/{quote(doc_id, safe='')}")


def entity_iri(entity: Entity, doc_id: str) -> URIRef:
    """Divisions by code, parks and programs by name; a name the document could not link stays in its document."""
    kind, _, rest = entity.key.partition(":")
    if kind == "division":
        return URIRef(f"{ID}division/{rest}")
    if kind in ("park", "program"):
        return URIRef(f"{ID}{kind}/{quote(rest, safe='')}")
    return URIRef(f"{ID}place/{quote(doc_id, safe='')}/{quote(rest, safe='')}")


def new_dataset() -> Dataset:
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    return ds


def to_rdf(facts: Facts, dataset: Dataset | None = None) -> Dataset:
    """Add one document's facts to a dataset, in the document's own named graph (replacing what it held)."""
    ds = dataset if dataset is not None else new_dataset()
    doc_id = facts.document.id
    gname = graph_iri(doc_id)
    ds.remove_graph(ds.graph(gname))
    g = ds.graph(gname)
    doc = document_iri(doc_id)
    _document(g, facts, doc)
    iris = {e.key: entity_iri(e, doc_id) for e in facts.entities}
    names = {e.key: e.name for e in facts.entities}
    for e in facts.entities:
        _entity(g, e, iris)
    for m in facts.mentions:
        subject = iris[m.entity]
        g.add((subject, EWC.evidence, _evidence(g, facts, doc, m.evidence, m.text)))
        g.add((subject, EWC.mentionedIn, doc))
        if m.text != names[m.entity] and len(m.text) >= 2:
            g.add((subject, SKOS.altLabel, Literal(m.text, lang="zh")))
    for r in facts.relations:
        ev = _evidence(g, facts, doc, r.evidence)
        partners = [iris[p] for p in r.partners]
        if r.kind == "pairedWith":
            a, b = sorted(partners)
            node = URIRef(f"{ID}pairing/{_h(a, b)}")
            g.add((node, RDF.type, EWC.Pairing))
            g.add((node, EWC.partner, a))
            g.add((node, EWC.partner, b))
            g.add((node, EWC.pairingLevel, Literal(r.level)))
            g.add((a, EWC.pairedWith, b))
            g.add((b, EWC.pairedWith, a))
            g.add((node, RDFS.label, Literal(f"{names[r.partners[0]]}—{names[r.partners[1]]}结对", lang="zh")))
        elif r.kind == "funds":
            giver, receiver = partners
            node = URIRef(f"{ID}funding/{_h(giver, receiver, r.year, r.amount, r.currency, r.funding_kind)}")
            g.add((node, RDF.type, EWC.Funding))
            g.add((node, EWC.giver, giver))
            g.add((node, EWC.receiver, receiver))
            g.add((node, EWC.amount, Literal(Decimal(str(r.amount)).normalize(), datatype=XSD.decimal)))
            g.add((node, EWC.currency, Literal(r.currency)))
            g.add((node, EWC.fundingKind, FUNDING_KINDS[r.funding_kind]))
            g.add((giver, EWC.funds, receiver))
            g.add((node, RDFS.label, Literal(f"{names[r.partners[0]]}→{names[r.partners[1]]}", lang="zh")))
        else:
            park = iris[r.park]
            node = URIRef(f"{ID}cobuilding/{_h(park)}")
            g.add((node, RDF.type, EWC.CoBuilding))
            g.add((node, EWC.park, park))
            for p in partners:
                g.add((node, EWC.partner, p))
                g.add((p, EWC.coBuilds, park))
            g.add((node, RDFS.label, Literal(f"共建{names[r.park]}", lang="zh")))
        if r.year is not None:
            g.add((node, EWC.year, Literal(r.year, datatype=XSD.integer)))
        g.add((node, EWC.evidence, ev))
    for o in facts.observations:
        node = URIRef(f"{ID}observation/{_h(doc_id, o.evidence.start, o.evidence.end)}")
        g.add((node, RDF.type, EWC.Observation))
        g.add((node, EWC.about, iris[o.about]))
        g.add((node, EWC.value, Literal(Decimal(str(o.value)).normalize(), datatype=XSD.decimal)))
        g.add((node, EWC.unit, Literal(o.unit)))
        g.add((node, RDFS.label, Literal(o.label, lang="zh")))
        if o.year is not None:
            g.add((node, EWC.year, Literal(o.year, datatype=XSD.integer)))
        g.add((node, EWC.evidence, _evidence(g, facts, doc, o.evidence)))
    return ds


def _document(g: Graph, facts: Facts, doc: URIRef) -> None:
    info = facts.document
    g.add((doc, RDF.type, EWC.Document))
    g.add((doc, EWC.fileName, Literal(info.name)))
    g.add((doc, EWC.sha256, Literal(info.sha256)))
    g.add((doc, EWC.characters, Literal(info.characters, datatype=XSD.integer)))
    if info.title:
        g.add((doc, DCTERMS.title, Literal(info.title, lang="zh")))
    if info.date:
        g.add((doc, DCTERMS.date, Literal(info.date, datatype=XSD.dateTime if "T" in info.date else XSD.date)))
    if info.source:
        g.add((doc, EWC.source, Literal(info.source, lang="zh")))
    for name in info.editors:
        g.add((doc, SCHEMA.editor, Literal(name)))
    for name in info.reporters:
        g.add((doc, SCHEMA.author, Literal(name)))
    if info.home:
        home = next(e for e in facts.entities if e.key == info.home)
        g.add((doc, EWC.homePlace, entity_iri(home, info.id)))


def _entity(g: Graph, e: Entity, iris: dict[str, URIRef]) -> None:
    s = iris[e.key]
    g.add((s, RDF.type, EWC[e.type]))
    g.add((s, SKOS.prefLabel, Literal(e.name, lang="zh")))
    g.add((s, RDFS.label, Literal(e.name, lang="zh")))
    if e.name_en:
        g.add((s, RDFS.label, Literal(e.name_en, lang="en")))
    if e.code:
        g.add((s, EWC.code, Literal(e.code)))
    if e.parent and e.parent in iris:
        g.add((s, EWC.partOf, iris[e.parent]))
    if e.lat is not None and e.lon is not None:
        g.add((s, GEO.lat, Literal(Decimal(str(e.lat)), datatype=XSD.decimal)))
        g.add((s, GEO.long, Literal(Decimal(str(e.lon)), datatype=XSD.decimal)))


def _evidence(g: Graph, facts: Facts, doc: URIRef, ev: Evidence, text: str | None = None) -> URIRef:
    node = URIRef(f"{ID}evidence/{_h(facts.document.id, ev.start, ev.end, ev.rule)}")
    g.add((node, RDF.type, EWC.Evidence))
    g.add((node, EWC.inDocument, doc))
    g.add((node, EWC.start, Literal(ev.start, datatype=XSD.integer)))
    g.add((node, EWC.end, Literal(ev.end, datatype=XSD.integer)))
    g.add((node, EWC.sentenceStart, Literal(ev.sentence_start, datatype=XSD.integer)))
    g.add((node, EWC.sentenceEnd, Literal(ev.sentence_end, datatype=XSD.integer)))
    g.add((node, EWC.sentence, Literal(facts.text[ev.sentence_start:ev.sentence_end])))
    g.add((node, EWC.text, Literal(text if text is not None else facts.text[ev.start:ev.end])))
    g.add((node, EWC.rule, Literal(ev.rule)))
    return node


# ------------------------------------------------------------------ facts JSON, read back with SPARQL
_PREFIX = "PREFIX ewc: <https://w3id.org/ewc/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
ENTITIES_QUERY = _PREFIX + """
SELECT DISTINCT ?name ?type WHERE {
  ?e ewc:mentionedIn ?doc ; a ?class ; skos:prefLabel ?name .
  VALUES (?class ?type) { (ewc:Province "Province") (ewc:City "City") (ewc:County "County") (ewc:Town "Town")
                          (ewc:Village "Village") (ewc:Park "Park") (ewc:Program "Program") }
} ORDER BY ?type ?name"""
PAIRINGS_QUERY = _PREFIX + """
SELECT DISTINCT ?a ?b WHERE {
  ?p a ewc:Pairing ; ewc:partner ?x , ?y .
  ?x skos:prefLabel ?a . ?y skos:prefLabel ?b . FILTER(STR(?x) < STR(?y))
} ORDER BY ?a ?b"""
FUNDINGS_QUERY = _PREFIX + """
SELECT DISTINCT ?from ?to ?amount ?year ?kind WHERE {
  ?f a ewc:Funding ; ewc:giver/skos:prefLabel ?from ; ewc:receiver/skos:prefLabel ?to ;
     ewc:amount ?amount ; ewc:currency ?currency ; ewc:fundingKind ?k .
  OPTIONAL { ?f ewc:year ?year }
  FILTER(?currency = "CNY")
  BIND(STRAFTER(STR(?k), "#") AS ?kind)
} ORDER BY ?from ?to ?year"""
COBUILDS_QUERY = _PREFIX + """
SELECT ?c ?park (GROUP_CONCAT(DISTINCT ?partner; separator="\\u001f") AS ?partners) WHERE {
  ?c a ewc:CoBuilding ; ewc:park/skos:prefLabel ?park ; ewc:partner/skos:prefLabel ?partner .
} GROUP BY ?c ?park ORDER BY ?park"""


@cache
def _prepared(query: str):
    from rdflib.plugins.sparql import prepareQuery

    return prepareQuery(query)  # parsing is most of the cost of a small query


def facts_json(graph: Graph, name: str) -> dict:
    """One document's facts in the evaluation schema (../shared/eval/README.md), read from its named graph."""
    q = lambda query: graph.query(_prepared(query))  # noqa: E731
    entities = [{"name": str(r.name), "type": str(r.type)} for r in q(ENTITIES_QUERY)]
    relations = [{"rel": "pairedWith", "a": str(r.a), "b": str(r.b)} for r in q(PAIRINGS_QUERY)]
    for r in q(FUNDINGS_QUERY):
        amount = float(r.amount)
        relations.append({"rel": "funds", "from": str(r["from"]), "to": str(r.to),
                          "amount_cny": int(amount) if amount.is_integer() else amount,
                          "year": int(r.year) if r.year is not None else None, "kind": str(r.kind)})
    for r in q(COBUILDS_QUERY):
        relations.append({"rel": "coBuilds", "park": str(r.park), "partners": sorted(str(r.partners).split("\x1f"))})
    return {"doc": name, "entities": entities, "relations": relations}
