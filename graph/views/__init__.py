"""Views derived from the RDF graph: networkx, exports, and the interactive HTML page."""
