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


def validate(graph: Graph) -> list[str]:
    """One line per SHACL violation of the graph; an empty list when it conforms."""
    import pyshacl

    conforms, results, _ = pyshacl.validate(graph, shacl_graph=shapes(), ont_graph=ontology(), inference="none")
    if conforms:
        return []
    lines = []
    for result in results.subjects(SH.resultSeverity, SH.Violation):
        focus, path, message = (results.value(result, p) for p in (SH.focusNode, SH.resultPath, SH.resultMessage))
        lines.append(f"{focus} {path or ''}: {message}".replace("\n", " "))
    return sorted(lines)
