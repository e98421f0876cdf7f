"""Text in, facts out: the pure pipeline documents → entities → relations for one article."""
from __future__ import annotations

from pathlib import Path

from .documents import Document, parse, read
from .entities import recognise
from .facts import DocumentInfo, Facts, Mention
from .relations import relate


def extract(source: str | Path | Document, *, doc_id: str | None = None) -> Facts:
    """The facts of one article, given a path or a parsed Document."""
    doc = source if isinstance(source, Document) else read(source)
    found = recognise(doc)
    relations, observations = relate(doc, found)
    # a mention quotes its span as read, not the name it was given (苏陕协作 for 苏陕扶贫协作, a plan without its brackets)
    mentions = tuple(Mention(sp.key, doc.evidence(sp.start, sp.end, sp.rule), doc.clean[sp.start:sp.end])
                     for sp in found.spans)
    info = DocumentInfo(id=doc_id or doc.name, name=doc.name, title=doc.title, date=doc.date, source=doc.source,
                        editors=doc.editors, reporters=doc.reporters, home=found.home, sha256=doc.sha256,
                        characters=len(doc.text), url=doc.url, year=doc.year)
    return Facts(document=info, text=doc.text, entities=tuple(found.entities.values()), mentions=mentions,
                 relations=tuple(relations), observations=tuple(observations))


def extract_text(text: str, name: str = "text.txt") -> Facts:
    """The facts of an article given as a string."""
    return extract(parse(text, name))
