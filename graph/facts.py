"""The contract between stages: small frozen records that extraction produces and the RDF mapping reads."""
from __future__ import annotations

from dataclasses import dataclass, field

ENTITY_TYPES = ("Province", "City", "County", "Town", "Village", "Park", "Program")
DIVISION_LEVELS = ("Province", "City", "County", "Town", "Village")


@dataclass(frozen=True)
class Evidence:
    """Where a fact was read: offsets into the document's original text, and the rule that read it."""

    start: int
    end: int
    sentence_start: int
    sentence_end: int
    rule: str


@dataclass(frozen=True)
class Entity:
    """A place, park or program. ``key`` is stable across documents when the entity is linked."""

    key: str
    name: str
    type: str
    code: str | None = None
    parent: str | None = None  # key of the parent division
    name_en: str | None = None
    lon: float | None = None
    lat: float | None = None
    former: tuple[tuple[str, int | None, int], ...] = ()  # earlier names: (name, first year or None, last year)
    called: str | None = None  # the earlier name this document uses for it (as written, or the name of its year)


@dataclass(frozen=True)
class Mention:
    entity: str  # Entity.key
    evidence: Evidence
    text: str


@dataclass(frozen=True)
class Relation:
    """pairedWith (partners), funds (partners = giver, receiver) or coBuilds (park, partners)."""

    kind: str
    partners: tuple[str, ...]
    evidence: Evidence
    park: str | None = None
    level: str | None = None
    year: int | None = None
    amount: float | None = None
    currency: str | None = None
    funding_kind: str | None = None


@dataclass(frozen=True)
class Observation:
    """A figure the text reports (236对镇, 135家企业, 49.72亿元), about a place or program."""

    about: str
    value: float
    unit: str
    label: str
    evidence: Evidence
    year: int | None = None


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    name: str
    title: str | None = None
    date: str | None = None  # ISO 8601 date or date-time
    source: str | None = None
    editors: tuple[str, ...] = ()
    reporters: tuple[str, ...] = ()
    home: str | None = None  # key of the newspaper's own place
    sha256: str = ""
    characters: int = 0
    url: str | None = None
    year: int | None = None  # the year the article speaks from: its date's, else the one its text implies


@dataclass(frozen=True)
class Correction:
    """A change a user's corrections file made to one document's facts: the entry, and the fact before and after."""

    action: str  # suppress, set, add, alias or not-a-place (see graph/corrections.py)
    entry: str  # where the entry is: corrections.toml:12
    note: str
    author: str | None = None
    date: str | None = None  # ISO 8601
    before: Relation | None = None  # the fact as extracted (None: added)
    after: Relation | None = None  # the fact as it now stands (None: suppressed)
    name: str | None = None  # alias and not-a-place: the name as the document writes it
    entity: str | None = None  # alias: the key of the entity the name now means
    removed: tuple[Entity, ...] = ()  # not-a-place: the entities it took out, which suppressed facts still name
    change: str = ""  # set: what changed, in words (amount 1200000000 → 120000000)


@dataclass(frozen=True)
class Facts:
    """Everything extracted from one document; the sentences are spans of its original text."""

    document: DocumentInfo
    text: str
    entities: tuple[Entity, ...] = ()
    mentions: tuple[Mention, ...] = ()
    relations: tuple[Relation, ...] = ()
    observations: tuple[Observation, ...] = ()
    corrections: tuple[Correction, ...] = ()
    warnings: tuple[str, ...] = field(default=())


def dumps(facts: Facts) -> bytes:
    """A document's facts as JSON, to be read back by ``loads`` (a rebuild re-applies corrections to them
    without reading the document again)."""
    import json
    from dataclasses import asdict

    return json.dumps(asdict(facts), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes) -> Facts:
    """Facts written by ``dumps``."""
    import json

    d = json.loads(data)
    ev = lambda x: Evidence(**x)  # noqa: E731
    info = d["document"]
    return Facts(
        document=DocumentInfo(**{**info, "editors": tuple(info["editors"]), "reporters": tuple(info["reporters"])}),
        text=d["text"],
        entities=tuple(Entity(**{**e, "former": tuple(map(tuple, e["former"]))}) for e in d["entities"]),
        mentions=tuple(Mention(m["entity"], ev(m["evidence"]), m["text"]) for m in d["mentions"]),
        relations=tuple(_relation(r) for r in d["relations"]),
        observations=tuple(Observation(**{**o, "evidence": ev(o["evidence"])}) for o in d["observations"]),
        warnings=tuple(d["warnings"]))


def _relation(r: dict) -> Relation:
    return Relation(**{**r, "partners": tuple(r["partners"]), "evidence": Evidence(**r["evidence"])})
