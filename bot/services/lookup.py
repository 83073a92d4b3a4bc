"""Resolve what a person types (a name, an extension number, a phone number) to one resource.

`match_resource` answers from a `LookupIndex` (lookup_index.py), which `Directory` builds once per
inventory; `resolve` holds the rules and the messages, over any `Finder` (the index, or the plain
scan it is tested against).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain import Resource, ResourceType
from bot.labels import resource_title
from bot.phone import format_phone, normalize_phone
from bot.services.lookup_index import LookupIndex
from bot.services.names import (
    EXACT,
    KIND_WORDS,
    QUEUE_WORDS,
    SITE_WORDS,
    normalize_name,
    strip_kind_words,
)
from bot.services.ranking import Candidate, Finder

__all__ = [
    "Candidate",
    "LookupIndex",
    "LookupResult",
    "LookupStatus",
    "match_resource",
    "normalize_name",
    "resolve",
    "strip_kind_words",
]

# "ext 104", "ext. 104", "extension 104", "x104", "#104": an extension number, said as one.
MAX_EXTENSION_DIGITS = 8
_EXTENSION = re.compile(r"^(?:ext(?:ension)?\.?|x|#)\s*(\d{1,8})$", re.IGNORECASE)
# 555-0100, 555.0100, 555 0100: seven digits, said as a phone number but missing its area code.
_LOCAL_PHONE = re.compile(r"^\d{3}[-. ]\d{4}$")

MAX_QUERY_CHARACTERS = 200  # far longer than any name, extension or phone number
SHOWN_QUERY_CHARACTERS = 60  # how much of a query a message repeats
LISTED_CANDIDATES = 8  # how many candidates a message names
PARTIAL = 0.6  # the score of resources matched only by their kind ("queues")


class LookupStatus(StrEnum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class LookupResult:
    """The outcome of a lookup.

    `resource` is set when the query names one resource. Otherwise `candidates` holds the ranked
    matches (ambiguous) or the closest names (nothing matched). `note` explains the outcome for
    people: why the query led to that resource ("Main Menu is an IVR menu on ..."), which
    resources matched, or that nothing did.
    """

    query: str
    status: LookupStatus
    resource: Resource | None = None
    candidates: tuple[Candidate, ...] = ()
    note: str | None = None


def match_resource(query: str, resources: Sequence[Resource] | LookupIndex) -> LookupResult:
    """Resolve `query` against `resources` (the inventory, or its index)."""
    index = resources if isinstance(resources, LookupIndex) else LookupIndex(resources)
    return resolve(query, index)


def resolve(query: str, finder: Finder) -> LookupResult:
    """Resolve `query` against the resources `finder` looks through."""
    text = query.strip()
    if not text:
        return LookupResult(
            query=query,
            status=LookupStatus.NOT_FOUND,
            note="Type a resource name, an extension number or a phone number.",
        )
    if len(text) > MAX_QUERY_CHARACTERS:
        return LookupResult(
            query=query,
            status=LookupStatus.NOT_FOUND,
            note=(
                f"{_quoted(query)} is too long to be a name, an extension number or a phone "
                f"number ({len(text)} characters; at most {MAX_QUERY_CHARACTERS})."
            ),
        )
    phone = normalize_phone(text)
    if phone is not None:
        return _by_phone(query, phone, finder)
    extension = _EXTENSION.match(text)
    if extension is not None:
        return _by_extension(query, extension.group(1), finder)
    best = finder.best(text)  # every score is at least PARTIAL
    if best:
        return _resolve(query, best)
    of_kind = _of_kind(normalize_name(text), finder)
    if of_kind:
        return _resolve(query, of_kind)
    if text.isdecimal() and len(text) <= MAX_EXTENSION_DIGITS:
        return _no_extension(query, text)
    if _LOCAL_PHONE.match(text):
        return LookupResult(
            query=query,
            status=LookupStatus.NOT_FOUND,
            note=(
                f"{_quoted(query)} looks like a phone number without its area code: "
                "type the whole number, like (650) 555-0100."
            ),
        )
    return _not_found(query, text, finder)


def _of_kind(name: str, finder: Finder) -> list[Candidate]:
    """For a query of kind words only ("queues", "site"): every resource of that kind."""
    words = set(name.split())
    if not words or not words <= KIND_WORDS:
        return []
    if words & QUEUE_WORDS:
        kinds = frozenset({ResourceType.CALL_QUEUE})
    elif words & SITE_WORDS:
        kinds = frozenset({ResourceType.MAIN_SITE, ResourceType.SITE})
    else:
        kinds = frozenset(ResourceType)
    return [Candidate(r, PARTIAL, r.type.label.lower()) for r in finder.of_kinds(kinds)]


def _by_phone(query: str, phone: str, finder: Finder) -> LookupResult:
    candidates: list[Candidate] = []
    note = None
    for resource, number in finder.numbered(phone):
        candidates.append(Candidate(resource, EXACT, f"number {format_phone(phone)}"))
        if number.ivr_menu_name:
            note = (
                f"{format_phone(phone)} is a number of the IVR menu {number.ivr_menu_name}, "
                f"on {resource.name}: {resource.name}'s SMS handlers answer it."
            )
    if candidates:
        result = _resolve(query, candidates)
        return result if note is None or result.resource is None else _with_note(result, note)
    return LookupResult(
        query=query,
        status=LookupStatus.NOT_FOUND,
        note=(
            f"{format_phone(phone)} is not a shared SMS number of any site or call queue "
            "(users' direct numbers, fax-only and unassigned numbers have no SMS handlers)."
        ),
    )


def _by_extension(query: str, number: str, finder: Finder) -> LookupResult:
    candidates = finder.strong(number)
    if candidates:
        return _resolve(query, candidates)
    return _no_extension(query, number)


def _no_extension(query: str, number: str) -> LookupResult:
    return LookupResult(
        query=query,
        status=LookupStatus.NOT_FOUND,
        note=(
            f"No site, call queue or IVR menu has extension {number} "
            "(users' extensions have no SMS handlers of their own)."
        ),
    )


def _resolve(query: str, candidates: Sequence[Candidate]) -> LookupResult:
    unique = list({c.resource.id: c for c in candidates}.values())
    if len(unique) == 1:
        only = unique[0]
        note = None
        if only.matched.startswith("IVR menu"):
            menu = only.matched.removeprefix("IVR menu ")
            note = (
                f"{menu} is an IVR menu on {only.resource.name}: its numbers are handled by "
                f"{only.resource.name}'s SMS handlers."
            )
        return LookupResult(
            query=query, status=LookupStatus.FOUND, resource=only.resource, candidates=(), note=note
        )
    listed = _titles_listed([c.resource for c in unique], limit=LISTED_CANDIDATES)
    return LookupResult(
        query=query,
        status=LookupStatus.AMBIGUOUS,
        candidates=tuple(unique),
        note=(
            f"Several resources match {_quoted(query)}: {listed}. "
            "Be more specific, or use the extension number."
        ),
    )


def _with_note(result: LookupResult, note: str) -> LookupResult:
    return LookupResult(
        query=result.query,
        status=result.status,
        resource=result.resource,
        candidates=result.candidates,
        note=note,
    )


def _not_found(query: str, text: str, finder: Finder) -> LookupResult:
    core = strip_kind_words(normalize_name(text))
    suggestions = tuple(
        Candidate(r, round(ratio, 2), f"name {n}") for n, r, ratio in finder.closest(core)
    )
    hint = (
        f" Closest names: {', '.join(resource_title(c.resource) for c in suggestions)}."
        if suggestions
        else f" Known resources: {_listed(finder.unique_names(), limit=6, distinct=True)}."
    )
    return LookupResult(
        query=query,
        status=LookupStatus.NOT_FOUND,
        candidates=suggestions,
        note=f"Nothing matches {_quoted(query)}.{hint}",
    )


def _titles_listed(resources: Sequence[Resource], *, limit: int) -> str:
    """`_listed` of the resources' titles, the same text, with titles made only for as many
    resources as it names (a query can match thousands: the message names eight)."""
    distinct = len({(r.name, r.type, r.extension_number) for r in resources})  # a title's parts
    shown: list[str] = []
    for resource in resources:
        if len(shown) == limit:
            break
        title = resource_title(resource)
        if title not in shown:
            shown.append(title)
    text = ", ".join(shown)
    return f"{text} and {distinct - len(shown)} more" if distinct > len(shown) else text or "none"


def _listed(names: Sequence[str], *, limit: int, distinct: bool = False) -> str:
    """`A, B, C and 12 more`: at most `limit` names (duplicates once), then a count
    (`distinct`: the names are known to be distinct already)."""
    unique = names if distinct else list(dict.fromkeys(names))
    shown = ", ".join(unique[:limit])
    return f"{shown} and {len(unique) - limit} more" if len(unique) > limit else shown or "none"


def _quoted(query: str) -> str:
    """The query in quotes for a message, cut short when long."""
    text = " ".join(query.split())
    if len(text) > SHOWN_QUERY_CHARACTERS:
        text = text[: SHOWN_QUERY_CHARACTERS - 1] + "…"
    return f'"{text}"'
