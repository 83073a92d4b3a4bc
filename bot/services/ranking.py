"""Which resources a query names, and how well: the ranking rules and the straightforward scan.

`rank` scores the resources it is given. `ScanFinder` gives it every resource, normalising every
name on every query: it is the reference `LookupIndex` (lookup_index.py) must agree with, checked
by a property test and measured against in bench/bench_lookup.py. Both implement `Finder`, what
`bot.services.lookup` needs to answer a query.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.domain import IvrMenu, Resource, ResourceType, SharedNumber
from bot.services.names import (
    EXACT,
    EXACT_VIA_IVR,
    MAIN_SITE_ALIASES,
    WORD_PREFIX,
    WORD_PREFIX_VIA_IVR,
    NameKey,
    QueryKey,
    name_score,
    normalize_name,
)

STRONG = 0.9  # at or above: a match by name, number or extension
CLOSEST_NAMES = 3
CLOSEST_CUTOFF = 0.5


@dataclass(frozen=True)
class Candidate:
    """A resource that matches a query, how well (0..1), and what matched."""

    resource: Resource
    score: float
    matched: str


@dataclass(frozen=True)
class Entry:
    """A resource with its name and its IVR menus' names ready for scoring."""

    resource: Resource
    name: NameKey
    menus: tuple[tuple[IvrMenu, NameKey], ...]

    @classmethod
    def of(cls, resource: Resource) -> Entry:
        menus = tuple((m, NameKey.of(m.name)) for m in resource.ivr_menus)
        return cls(resource, NameKey.of(resource.name), menus)


def main_site_of(resources: Iterable[Resource]) -> Resource | None:
    return next((r for r in resources if r.type is ResourceType.MAIN_SITE), None)


def rank(
    text: str, query: QueryKey, entries: Iterable[Entry], main_site: Resource | None
) -> list[Candidate]:
    """Every entry the query matches, best first (a resource's best match counts).

    `text` is the query as typed (stripped): extension numbers and ids must equal it.
    """
    found: dict[str, Candidate] = {}

    def offer(candidate: Candidate) -> None:
        known = found.get(candidate.resource.id)
        if known is None or candidate.score > known.score:
            found[candidate.resource.id] = candidate

    if main_site is not None and (
        query.normalized in MAIN_SITE_ALIASES or text.lower() in MAIN_SITE_ALIASES
    ):
        offer(Candidate(main_site, EXACT, "main site"))
    for entry in entries:
        resource = entry.resource
        if text in (resource.extension_number, resource.id):
            what = "extension" if text == resource.extension_number else "id"
            offer(Candidate(resource, EXACT, f"{what} {text}"))
        for menu, key in entry.menus:
            by_menu = name_score(query, key)
            if text == menu.extension_number or by_menu == EXACT:
                offer(Candidate(resource, EXACT_VIA_IVR, f"IVR menu {menu.name}"))
            elif by_menu == WORD_PREFIX:
                offer(Candidate(resource, WORD_PREFIX_VIA_IVR, f"IVR menu {menu.name}"))
        score = name_score(query, entry.name)
        if score:
            offer(Candidate(resource, score, f"name {resource.name}"))
    return sorted(found.values(), key=lambda c: (-c.score, c.resource.name.lower()))


def best_of(candidates: Sequence[Candidate]) -> list[Candidate]:
    """The candidates sharing the best score (`candidates` ranked best first)."""
    return [c for c in candidates if c.score == candidates[0].score] if candidates else []


class Finder(Protocol):
    """What answering a query needs from the resources (resources have unique ids)."""

    def best(self, text: str) -> list[Candidate]:
        """The candidates with the best score, ranked (`text`: the query, stripped)."""
        ...

    def strong(self, text: str) -> list[Candidate]:
        """The candidates scoring STRONG or more, ranked."""
        ...

    def numbered(self, phone: str) -> list[tuple[Resource, SharedNumber]]:
        """The resources with this shared number (E.164), in inventory order."""
        ...

    def of_kinds(self, kinds: frozenset[ResourceType]) -> list[Resource]:
        """The resources of these types, in inventory order."""
        ...

    def closest(self, core: str) -> list[tuple[str, Resource, float]]:
        """Up to 3 normalized names closest to `core` (difflib's ratio ≥ 0.5), closest first,
        each with its resource and that ratio."""
        ...

    def unique_names(self) -> Sequence[str]:
        """Every resource's name, each once, in inventory order."""
        ...


class ScanFinder:
    """The straightforward scan: every resource, every name normalised, on every query."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.resources = tuple(resources)

    def _ranked(self, text: str) -> list[Candidate]:
        entries = [Entry.of(r) for r in self.resources]
        return rank(text, QueryKey.of(text), entries, main_site_of(self.resources))

    def best(self, text: str) -> list[Candidate]:
        return best_of(self._ranked(text))

    def strong(self, text: str) -> list[Candidate]:
        return [c for c in self._ranked(text) if c.score >= STRONG]

    def numbered(self, phone: str) -> list[tuple[Resource, SharedNumber]]:
        return [(r, n) for r in self.resources for n in r.phone_numbers if n.phone_number == phone]

    def of_kinds(self, kinds: frozenset[ResourceType]) -> list[Resource]:
        return [r for r in self.resources if r.type in kinds]

    def closest(self, core: str) -> list[tuple[str, Resource, float]]:
        by_name = {normalize_name(r.name): r for r in self.resources}
        close = difflib.get_close_matches(core, list(by_name), CLOSEST_NAMES, CLOSEST_CUTOFF)
        # The ratio get_close_matches ranked each by (the name first, the core second).
        return [
            (name, by_name[name], difflib.SequenceMatcher(None, name, core).ratio())
            for name in close
        ]

    def unique_names(self) -> Sequence[str]:
        return list(dict.fromkeys(r.name for r in self.resources))
