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
class Facts:
    """Everything extracted from one document; the sentences are spans of its original text."""

    document: DocumentInfo
    text: str
    entities: tuple[Entity, ...] = ()
    mentions: tuple[Mention, ...] = ()
    relations: tuple[Relation, ...] = ()
    observations: tuple[Observation, ...] = ()
    warnings: tuple[str, ...] = field(default=())
