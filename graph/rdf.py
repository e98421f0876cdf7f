"""Facts → RDF under the ontology in ontology/ewc.ttl, one named graph per document; and back to facts JSON.

This is the only module that knows the ontology's IRIs. Every view reads what it writes.
"""
from __future__ import annotations

import hashlib
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

import pyoxigraph as ox

from .facts import ENTITY_TYPES, Correction, Entity, Evidence, Facts, Relation

if TYPE_CHECKING:
    from rdflib import Dataset

ID = "https://w3id.org/ewc/id/"
ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"
ONTOLOGY_GRAPH = "https://w3id.org/ewc/ontology"  # the named graph that holds the ontology in every output
INFERRED_GRAPH = f"{ID}graph/inferred"  # the named graph of the entailed partOf triples (see store.infer)
CORRECTIONS_GRAPH = f"{ID}graph/corrections/"  # + a document's id: the facts corrections took out of it


class Namespace:
    """An IRI prefix whose attributes and items are pyoxigraph NamedNodes: ``EWC.Pairing``, ``EWC["City"]``."""

    def __init__(self, iri: str):
        self.iri = iri

    def __str__(self) -> str:
        return self.iri

    def __getattr__(self, name: str) -> ox.NamedNode:
        if name.startswith("__"):
            raise AttributeError(name)
        node = self[name]
        setattr(self, name, node)  # the next lookup is a plain attribute: the mapping reads these in its inner loops
        return node

    def __getitem__(self, name: str) -> ox.NamedNode:
        return _node(self.iri + name)


@cache
def _node(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


EWC = Namespace("https://w3id.org/ewc/ontology#")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("https://schema.org/")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
PREFIXES = {"ewc": EWC, "skos": SKOS, "dcterms": DCTERMS, "prov": PROV, "schema": SCHEMA, "wgs": GEO}
# Each entity and fact keeps at most this many quotations per document: a report that names a place 10,000 times
# would otherwise write 10,000 evidence nodes for it, and its outputs would grow faster than its text.
MAX_EVIDENCE = 20
FUNDING_KINDS = {"FiscalAid": EWC.FiscalAid, "Donation": EWC.Donation, "Investment": EWC.Investment}


def _h(*parts) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


def document_iri(doc_id: str) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}doc/{quote(doc_id, safe='')}")


@cache
def ontology_quads() -> list[ox.Quad]:
    """The ontology (ontology/ewc.ttl) in its own named graph."""
    graph = ox.NamedNode(ONTOLOGY_GRAPH)
    return [ox.Quad(t.subject, t.predicate, t.object, graph)
            for t in ox.parse(path=str(ONTOLOGY / "ewc.ttl"), format=ox.RdfFormat.TURTLE)]


def graph_iri(doc_id: str) -> ox.NamedNode:
    """The named graph that holds exactly one document's facts."""
    return ox.NamedNode(f"{ID}graph/{quote(doc_id, safe='')}")


def entity_iri(entity: Entity, doc_id: str) -> ox.NamedNode:
    """Divisions by code, parks and programs by name; a name the document could not link stays in its document."""
    kind, _, rest = entity.key.partition(":")
    if kind == "division":
        return _node(f"{ID}division/{rest}")
    if kind in ("park", "program"):
        return _node(f"{ID}{kind}/{quote(rest, safe='')}")
    return ox.NamedNode(f"{ID}place/{quote(doc_id, safe='')}/{quote(rest, safe='')}")


def _zh(text: str) -> ox.Literal:
    return ox.Literal(text, language="zh")


def _int(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD.integer)


def _decimal(x: float, normalise: bool = True) -> ox.Literal:
    d = Decimal(str(x))
    return ox.Literal(format(d.normalize() if normalise else d, "f"), datatype=XSD.decimal)


def quads(facts: Facts) -> list[ox.Quad]:
    """One document's facts as RDF quads in the document's own named graph: the mapping every output shares."""
    doc_id = facts.document.id
    g = graph_iri(doc_id)
    out: list[ox.Quad] = []
    add = lambda s, p, o, graph=g: out.append(ox.Quad(s, p, o, graph))  # noqa: E731
    doc = document_iri(doc_id)
    _document(add, facts, doc)
    iris = {e.key: entity_iri(e, doc_id) for e in facts.entities}
    names = {e.key: e.name for e in facts.entities}
    for e in facts.entities:
        _entity(add, e, iris, doc)
    quoted: dict[str, int] = {}  # quotations written per entity or fact node
    for m in facts.mentions:
        subject = iris[m.entity]
        if m.text != names[m.entity] and len(m.text) >= 2:
            add(subject, SKOS.altLabel, _zh(m.text))
        if _quote(quoted, subject.value):
            add(subject, EWC.evidence, _evidence(add, facts, doc, m.evidence, m.text))
            add(subject, EWC.mentionedIn, doc)
    made: dict[Relation, list[Correction]] = {}  # the facts corrections set or added, by value
    for c in facts.corrections:
        if c.after is not None:
            made.setdefault(c.after, []).append(c)
    for r in facts.relations:
        node = _relation(add, r, iris, names)
        if _quote(quoted, node.value):
            add(node, EWC.evidence, _evidence(add, facts, doc, r.evidence))
            add(node, EWC.statedIn, doc)  # evidence/inDocument in one step: queries by document need not read the evidence
        for c in made.pop(r, ()):
            add(node, PROV.wasGeneratedBy, _correction(add, c, doc, facts, iris, names))
    for o in facts.observations:
        node = ox.NamedNode(f"{ID}observation/{_h(doc_id, o.evidence.start, o.evidence.end)}")
        add(node, RDF.type, EWC.Observation)
        add(node, EWC.about, iris[o.about])
        add(node, EWC.value, _decimal(o.value))
        add(node, EWC.unit, ox.Literal(o.unit))
        add(node, RDFS.label, _zh(o.label))
        if o.year is not None:
            add(node, EWC.year, _int(o.year))
        add(node, EWC.evidence, _evidence(add, facts, doc, o.evidence))
        add(node, EWC.statedIn, doc)
    for c in facts.corrections:
        if c.after is None or c.after in made:  # suppressed; or set again by a later entry
            _correction(add, c, doc, facts, iris, names)
    return list(dict.fromkeys(out))  # a graph is a set


def fact_iri(r: Relation, iris: dict[str, ox.NamedNode]) -> ox.NamedNode:
    """A fact's IRI, the same in every document that states it: a pairing by its partners, a funding by all its
    values, a co-building by its park."""
    if r.kind == "pairedWith":
        return _node(f"{ID}pairing/{_h(*sorted(iris[p].value for p in r.partners))}")
    if r.kind == "funds":
        giver, receiver = (iris[p].value for p in r.partners)
        return _node(f"{ID}funding/{_h(giver, receiver, r.year, r.amount, r.currency, r.funding_kind)}")
    return _node(f"{ID}cobuilding/{_h(iris[r.park].value)}")


def _relation(add, r: Relation, iris: dict[str, ox.NamedNode], names: dict[str, str]) -> ox.NamedNode:
    node = fact_iri(r, iris)
    partners = [iris[p] for p in r.partners]
    if r.kind == "pairedWith":
        first, second = sorted(r.partners, key=lambda k: iris[k].value)  # one order, whichever the text named first
        a, b = iris[first], iris[second]
        add(node, RDF.type, EWC.Pairing)
        add(node, EWC.partner, a)
        add(node, EWC.partner, b)
        add(node, EWC.pairingLevel, ox.Literal(r.level))
        add(a, EWC.pairedWith, b)
        add(b, EWC.pairedWith, a)
        add(node, RDFS.label, _zh(f"{names[first]}—{names[second]}结对"))
    elif r.kind == "funds":
        giver, receiver = partners
        add(node, RDF.type, EWC.Funding)
        add(node, EWC.giver, giver)
        add(node, EWC.receiver, receiver)
        add(node, EWC.amount, _decimal(r.amount))
        add(node, EWC.currency, ox.Literal(r.currency))
        add(node, EWC.fundingKind, FUNDING_KINDS[r.funding_kind])
        add(giver, EWC.funds, receiver)
        add(node, RDFS.label, _zh(f"{names[r.partners[0]]}→{names[r.partners[1]]}"))
    else:
        park = iris[r.park]
        add(node, RDF.type, EWC.CoBuilding)
        add(node, EWC.park, park)
        for p in partners:
            add(node, EWC.partner, p)
            add(p, EWC.coBuilds, park)
        add(node, RDFS.label, _zh(f"共建{names[r.park]}"))
    if r.year is not None:
        add(node, EWC.year, _int(r.year))
    return node


def corrections_graph_iri(doc_id: str) -> ox.NamedNode:
    """The named graph of what users' corrections took out of one document: it is not part of the default graph."""
    return ox.NamedNode(f"{CORRECTIONS_GRAPH}{quote(doc_id, safe='')}")


def _correction(add, c: Correction, doc: ox.NamedNode, facts: Facts, iris: dict, names: dict) -> ox.NamedNode:
    """The record of one correction (a PROV activity), in the document's graph; the fact it took out or replaced
    goes, with its evidence, into the document's graph of corrections."""
    doc_id = facts.document.id
    removed = {e.key: e for e in c.removed}
    iris = {**iris, **{k: entity_iri(e, doc_id) for k, e in removed.items()}}
    names = {**names, **{k: e.name for k, e in removed.items()}}
    before = fact_iri(c.before, iris) if c.before is not None else None
    after = fact_iri(c.after, iris) if c.after is not None else None
    node = _node(f"{ID}correction/{_h(doc_id, c.entry, c.action, before and before.value, after and after.value, c.name)}")
    add(node, RDF.type, EWC.Correction)
    add(node, EWC.action, ox.Literal(c.action))
    add(node, EWC.entry, ox.Literal(c.entry))
    add(node, RDFS.comment, ox.Literal(c.note))
    add(node, PROV.used, doc)
    if c.author:
        agent = _node(f"{ID}agent/{quote(c.author, safe='')}")
        add(agent, RDF.type, PROV.Agent)
        add(agent, RDFS.label, ox.Literal(c.author))
        add(node, PROV.wasAssociatedWith, agent)
    if c.date:
        add(node, DCTERMS.date, ox.Literal(c.date, datatype=XSD.dateTime if "T" in c.date else XSD.date))
    if c.change:
        add(node, EWC.change, ox.Literal(c.change))
    if c.name:
        add(node, EWC.name, _zh(c.name))
    if c.entity:
        add(node, EWC.means, iris[c.entity])
    if before is not None:
        add(node, PROV.invalidated, before)
        if after is not None and after != before:
            add(after, PROV.wasRevisionOf, before)
        if before != after:
            graph = corrections_graph_iri(doc_id)
            add_c = lambda s, p, o: add(s, p, o, graph)  # noqa: E731
            for e in removed.values():
                _entity(add_c, e, iris, doc)
            _relation(add_c, c.before, iris, names)
            add_c(before, EWC.evidence, _evidence(add_c, facts, doc, c.before.evidence))
            add_c(before, EWC.statedIn, doc)
    return node


def _quote(quoted: dict[str, int], node: str) -> bool:
    """Whether one more quotation of this node is written (the first MAX_EVIDENCE of a document are)."""
    quoted[node] = quoted.get(node, 0) + 1
    return quoted[node] <= MAX_EVIDENCE


def to_rdf(facts: Facts, dataset: Dataset | None = None) -> Dataset:
    """Add one document's facts to an rdflib Dataset, in the document's own named graph (replacing what it held)."""
    from rdflib import URIRef  # imported when used: a build needs rdflib only to validate

    ds = dataset if dataset is not None else new_dataset()
    gname = URIRef(graph_iri(facts.document.id).value)
    ds.remove_graph(ds.graph(gname))
    ds.parse(data=ox.serialize(quads(facts), format=ox.RdfFormat.N_QUADS), format="nquads")
    return ds


def new_dataset() -> Dataset:
    from rdflib import Dataset

    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, str(ns))
    return ds


def _document(add, facts: Facts, doc: ox.NamedNode) -> None:
    info = facts.document
    add(doc, RDF.type, EWC.Document)
    add(doc, EWC.fileName, ox.Literal(info.name))
    add(doc, EWC.sha256, ox.Literal(info.sha256))
    add(doc, EWC.characters, _int(info.characters))
    if info.title:
        add(doc, DCTERMS.title, _zh(info.title))
    if info.date:
        add(doc, DCTERMS.date, ox.Literal(info.date, datatype=XSD.dateTime if "T" in info.date else XSD.date))
    if info.year is not None:
        add(doc, EWC.referenceYear, _int(info.year))
    if info.source:
        add(doc, EWC.source, _zh(info.source))
    if info.url:
        add(doc, SCHEMA.url, ox.NamedNode(info.url))
    for name in info.editors:
        add(doc, SCHEMA.editor, ox.Literal(name))
    for name in info.reporters:
        add(doc, SCHEMA.author, ox.Literal(name))
    # the home place is linked only when the document mentions it (a fault in one rule costs a fact, not the document)
    home = next((e for e in facts.entities if e.key == info.home), None) if info.home else None
    if home is not None:
        add(doc, EWC.homePlace, entity_iri(home, info.id))


def _entity(add, e: Entity, iris: dict[str, ox.NamedNode], doc: ox.NamedNode) -> None:
    s = iris[e.key]
    add(s, RDF.type, EWC[e.type])
    add(s, SKOS.prefLabel, _zh(e.name))
    add(s, RDFS.label, _zh(e.name))
    if e.name_en:
        add(s, RDFS.label, ox.Literal(e.name_en, language="en"))
    if e.code:
        add(s, EWC.code, ox.Literal(e.code))
    if e.parent and e.parent in iris:
        add(s, EWC.partOf, iris[e.parent])
    if e.lat is not None and e.lon is not None:
        add(s, GEO.lat, _decimal(e.lat, normalise=False))
        add(s, GEO.long, _decimal(e.lon, normalise=False))
    for name, first, last in e.former:  # 金坛市 until 2015: the name articles of those years use
        node = _node(f"{s.value}/name/{quote(name, safe='')}")
        if name == e.called:
            add(doc, EWC.usesName, node)
        add(s, EWC.formerName, node)
        add(s, SKOS.altLabel, _zh(name))
        add(node, RDF.type, EWC.FormerName)
        add(node, SKOS.literalForm, _zh(name))
        if first is not None:
            add(node, EWC.validFrom, _int(first))
        add(node, EWC.validUntil, _int(last))


def _evidence(add, facts: Facts, doc: ox.NamedNode, ev: Evidence, text: str | None = None) -> ox.NamedNode:
    node = ox.NamedNode(f"{ID}evidence/{_h(facts.document.id, ev.start, ev.end, ev.rule)}")
    add(node, RDF.type, EWC.Evidence)
    add(node, EWC.inDocument, doc)
    add(node, EWC.start, _int(ev.start))
    add(node, EWC.end, _int(ev.end))
    add(node, EWC.sentenceStart, _int(ev.sentence_start))
    add(node, EWC.sentenceEnd, _int(ev.sentence_end))
    add(node, EWC.sentence, ox.Literal(facts.text[ev.sentence_start:ev.sentence_end]))
    add(node, EWC.text, ox.Literal(text if text is not None else facts.text[ev.start:ev.end]))
    add(node, EWC.rule, ox.Literal(ev.rule))
    return node


# ------------------------------------------------------------------ facts JSON, read back with SPARQL
_PREFIX = "PREFIX ewc: <https://w3id.org/ewc/ontology#>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
# each entity class of the ontology with its type's name (as in facts JSON and the views), for a query's VALUES
ENTITY_CLASSES = "VALUES (?class ?type) { %s }" % " ".join(f'(ewc:{t} "{t}")' for t in ENTITY_TYPES)
ENTITIES_QUERY = _PREFIX + """
SELECT DISTINCT ?e ?type WHERE {
  ?e ewc:mentionedIn ?doc ; a ?class .
  %s
}""" % ENTITY_CLASSES
# each place's name as the document calls it: its present label, or the earlier name the document uses
NAMES_QUERY = _PREFIX + """
SELECT ?e ?label ?former WHERE {
  ?e skos:prefLabel ?label .
  OPTIONAL { ?e ewc:formerName ?n . ?doc ewc:usesName ?n . ?n skos:literalForm ?former }
}"""
PAIRINGS_QUERY = _PREFIX + """
SELECT DISTINCT ?x ?y WHERE {
  ?p a ewc:Pairing ; ewc:partner ?x , ?y . FILTER(STR(?x) < STR(?y))
}"""
FUNDINGS_QUERY = _PREFIX + """
SELECT DISTINCT ?from ?to ?amount ?year ?kind WHERE {
  ?f a ewc:Funding ; ewc:giver ?from ; ewc:receiver ?to ; ewc:amount ?amount ; ewc:currency ?currency ; ewc:fundingKind ?k .
  OPTIONAL { ?f ewc:year ?year }
  FILTER(?currency = "CNY")
  BIND(STRAFTER(STR(?k), "#") AS ?kind)
}"""
COBUILDS_QUERY = _PREFIX + """
SELECT ?c ?park (GROUP_CONCAT(DISTINCT STR(?partner); separator="\\u001f") AS ?partners) WHERE {
  ?c a ewc:CoBuilding ; ewc:park ?park ; ewc:partner ?partner .
} GROUP BY ?c ?park"""


_READ_BACK = {RDF.type, EWC.mentionedIn, SKOS.prefLabel, EWC.partner, EWC.giver, EWC.receiver, EWC.amount,
              EWC.currency, EWC.fundingKind, EWC.year, EWC.park, EWC.formerName, EWC.usesName,
              SKOS.literalForm}  # what the queries below read: not the evidence


def facts_json(graph, doc_name: str) -> dict:
    """One document's facts in the evaluation schema (../shared/eval/README.md), read with SPARQL from its graph:
    its quads (as from ``quads``) or an rdflib Graph."""
    store = ox.Store()
    if hasattr(graph, "serialize"):  # rdflib
        store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    else:
        store.extend(ox.Quad(q.subject, q.predicate, q.object) for q in graph if q.predicate in _READ_BACK
                     and not q.graph_name.value.startswith(CORRECTIONS_GRAPH))
    q = lambda query: store.query(query)  # noqa: E731
    text = lambda term: term.value if term is not None else None  # noqa: E731
    names: dict[str, str] = {}
    for r in q(NAMES_QUERY):
        if r["former"] is not None or r["e"].value not in names:
            names[r["e"].value] = r["former"].value if r["former"] is not None else r["label"].value
    name = lambda term: names[term.value]  # noqa: E731
    entities = sorted({(name(r["e"]), text(r["type"])) for r in q(ENTITIES_QUERY)}, key=lambda x: (x[1], x[0]))
    entities = [{"name": n, "type": t} for n, t in entities]
    relations = sorted(({"rel": "pairedWith", "a": a, "b": b} for a, b in
                        {tuple(sorted((name(r["x"]), name(r["y"])))) for r in q(PAIRINGS_QUERY)}), key=lambda r: (r["a"], r["b"]))
    funds = []
    for r in q(FUNDINGS_QUERY):
        amount = float(text(r["amount"]))
        year = text(r["year"])
        funds.append({"rel": "funds", "from": name(r["from"]), "to": name(r["to"]),
                      "amount_cny": int(amount) if amount.is_integer() else amount,
                      "year": int(year) if year is not None else None, "kind": text(r["kind"])})
    relations += sorted(funds, key=lambda r: (r["from"], r["to"], r["year"] or 0, r["amount_cny"]))
    cobuilds = [{"rel": "coBuilds", "park": name(r["park"]),
                 "partners": sorted({names[p] for p in text(r["partners"]).split("\x1f")})} for r in q(COBUILDS_QUERY)]
    relations += sorted(cobuilds, key=lambda r: (r["park"], r["partners"]))
    return {"doc": doc_name, "entities": entities, "relations": relations}
