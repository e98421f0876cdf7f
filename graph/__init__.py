"""Knowledge graph of China's East–West collaboration, built from Chinese news articles.

>>> import graph
>>> facts = graph.extract_text("江苏省2017年支援陕西省扶贫协作资金4.5亿元。")
>>> sorted(e.name for e in facts.entities if e.type == "Province")
['江苏省', '陕西省']
>>> [(r.kind, r.amount, r.year) for r in facts.relations]
[('funds', 450000000.0, 2017)]
"""
from __future__ import annotations

import importlib

__all__ = ["build", "load", "to_networkx", "extract", "extract_text", "to_rdf", "facts_json", "DocumentError", "BuildError", "QueryError", "fetch", "correct"]
__version__ = "0.1.0"

# the modules are named apart from the functions (builder, extraction): importing a submodule sets the package's
# attribute of its name, which would hide a function of that name
_WHERE = {"build": "builder", "BuildError": "builder", "extract": "extraction", "extract_text": "extraction",
          "to_rdf": "rdf", "facts_json": "rdf", "DocumentError": "documents", "load": "query", "QueryError": "query",
          "to_networkx": "views.networkx", "fetch": "fetcher",
          "correct": "corrections"}


def __getattr__(name: str):
    # rdflib and the gazetteer load only when first used, so `import graph` stays fast
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'graph' has no attribute {name!r}")
