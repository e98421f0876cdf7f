import pyoxigraph as ox

from graph.extraction import extract_text
from graph.rdf import EWC, RDF, graph_iri, quads
from graph.validation import validate


def test_built_graph_conforms_and_a_broken_fact_does_not():
    graph = quads(extract_text("标题\n\n  江苏省2017年支援陕西省资金4.5亿元。南京市与商洛市结对。\n", "v.txt"))
    assert validate(graph) == []
    broken = ox.Quad(ox.NamedNode("https://w3id.org/ewc/id/pairing/broken"), RDF.type, EWC.Pairing, graph_iri("v.txt"))
    problems = validate([*graph, broken])
    assert any("two partner places" in p for p in problems)
    assert any("evidence" in p for p in problems)


def test_an_articles_address_is_an_iri():
    from graph.documents import from_record
    from graph.extraction import extract

    graph = quads(extract(from_record({"text": "福州市与固原市结对帮扶。", "url": "http://www.nxnews.net/1.html"}, "r")))
    assert validate(graph) == []
    as_text = [ox.Quad(q.subject, q.predicate, ox.Literal(q.object.value), q.graph_name) if q.predicate.value == "https://schema.org/url"
               else q for q in graph]
    assert any("schema.org/url" in p and "IRI" in p for p in validate(as_text))
