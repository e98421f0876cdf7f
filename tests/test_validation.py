from rdflib import RDF, URIRef

from graph.extract import extract_text
from graph.rdf import EWC, graph_iri, to_rdf
from graph.validation import validate


def test_built_graph_conforms_and_a_broken_fact_does_not():
    facts = extract_text("标题\n\n  江苏省2017年支援陕西省资金4.5亿元。南京市与商洛市结对。\n", "v.txt")
    g = to_rdf(facts).graph(graph_iri("v.txt"))
    assert validate(g) == []
    g.add((URIRef("https://w3id.org/ewc/id/pairing/broken"), RDF.type, EWC.Pairing))
    problems = validate(g)
    assert any("two partner places" in p for p in problems)
    assert any("evidence" in p for p in problems)
