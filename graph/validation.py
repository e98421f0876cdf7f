"""SHACL validation of built graphs against ontology/shapes.ttl (with the ontology for class hierarchy)."""
from __future__ import annotations

from functools import cache

from rdflib import Graph
from rdflib.namespace import SH

from .rdf import ONTOLOGY


@cache
def shapes() -> Graph:
    return Graph().parse(ONTOLOGY / "shapes.ttl")


@cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY / "ewc.ttl")


def validate(graph) -> list[str]:
    """One line per SHACL violation of the graph (an rdflib Graph, or quads as from ``rdf.quads``); an empty
    list when it conforms."""
    import pyshacl

    if not isinstance(graph, Graph):
        import pyoxigraph as ox

        triples = ox.serialize((q.triple for q in graph), format=ox.RdfFormat.N_TRIPLES)
        graph = Graph().parse(data=triples, format="nt")
    conforms, results, _ = pyshacl.validate(graph, shacl_graph=shapes(), ont_graph=ontology(), inference="none")
    if conforms:
        return []
    lines = []
    for result in results.subjects(SH.resultSeverity, SH.Violation):
        focus, path, message = (results.value(result, p) for p in (SH.focusNode, SH.resultPath, SH.resultMessage))
        lines.append(f"{focus} {path or ''}: {message}".replace("\n", " "))
    return sorted(lines)
