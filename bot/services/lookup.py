"""Resolve what a person types (a name, an extension number, a phone number) to one resource.

Pure functions over the inventory's resources; `Directory.lookup` calls `match_resource`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain import Resource, ResourceType
from bot.services.phone import format_phone, normalize_phone

# Words people add around a name that are not part of it: "queue-support", "Support Queue".
KIND_WORDS = frozenset({"queue", "call", "cq", "site", "resource"})
MAIN_SITE_ALIASES = frozenset({"main", "main site", "mainsite", "main-site", "company"})
# "ext 104", "ext. 104", "extension 104", "x104", "#104": an extension number, said as one.
_EXTENSION = re.compile(r"^(?:ext(?:ension)?\.?|x|#)\s*(\d{1,8})$", re.IGNORECASE)

EXACT = 1.0
EXACT_VIA_IVR = 0.95
WORD_PREFIX = 0.75
SUBSTRING = 0.6
STRONG = 0.9  # at or above: a match by name, number or extension
PARTIAL = 0.6  # at or above: a partial name match, resolved when it is the only one


class LookupStatus(StrEnum):
    FOUND = "found"
    AMBIGUOUS = "ambiguous"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class Candidate:
    """A resource that matches a query, how well (0..1), and what matched."""

    resource: Resource
    score: float
    matched: str


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


def describe(resource: Resource) -> str:
    """`Support (call queue, ext 104)`: a resource as people recognise it."""
    extension = f", ext {resource.extension_number}" if resource.extension_number else ""
    return f"{resource.name} ({resource.type.label.lower()}{extension})"


def normalize_name(text: str) -> str:
    """Lower case, words separated by single spaces, punctuation dropped."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def strip_kind_words(name: str) -> str:
    """`queue support` and `support queue` → `support` (never strips a name down to nothing)."""
    words = name.split()
    while len(words) > 1 and words[0] in KIND_WORDS:
        words = words[1:]
    while len(words) > 1 and words[-1] in KIND_WORDS:
        words = words[:-1]
    return " ".join(words)


def match_resource(query: str, resources: Sequence[Resource]) -> LookupResult:
    """Resolve `query` against `resources` (the inventory)."""
    text = query.strip()
    if not text:
        return LookupResult(
            query=query,
            status=LookupStatus.NOT_FOUND,
            note="Type a resource name, an extension number or a phone number.",
        )
    phone = normalize_phone(text)
    if phone is not None:
        return _by_phone(query, phone, resources)
    extension = _EXTENSION.match(text)
    if extension is not None:
        return _by_extension(query, extension.group(1), resources)
    candidates = _rank(text, resources)
    strong = [c for c in candidates if c.score >= STRONG]
    if strong:
        return _resolve(query, [c for c in strong if c.score == strong[0].score])
    partial = [c for c in candidates if c.score >= PARTIAL]
    if partial:
        return _resolve(query, partial)
    return _not_found(query, text, resources)


def _by_phone(query: str, phone: str, resources: Sequence[Resource]) -> LookupResult:
    candidates: list[Candidate] = []
    note = None
    for resource in resources:
        for number in resource.phone_numbers:
            if number.phone_number != phone:
                continue
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


def _by_extension(query: str, number: str, resources: Sequence[Resource]) -> LookupResult:
    candidates = [c for c in _rank(number, resources) if c.score >= STRONG]
    if candidates:
        return _resolve(query, candidates)
    return LookupResult(
        query=query,
        status=LookupStatus.NOT_FOUND,
        note=(
            f"No site, call queue or IVR menu has extension {number} "
            "(users' extensions have no SMS handlers of their own)."
        ),
    )


def _rank(text: str, resources: Sequence[Resource]) -> list[Candidate]:
    name = normalize_name(text)
    core = strip_kind_words(name)
    found: dict[str, Candidate] = {}

    def offer(candidate: Candidate) -> None:
        known = found.get(candidate.resource.id)
        if known is None or candidate.score > known.score:
            found[candidate.resource.id] = candidate

    main_site = next((r for r in resources if r.type is ResourceType.MAIN_SITE), None)
    if main_site is not None and (name in MAIN_SITE_ALIASES or text.lower() in MAIN_SITE_ALIASES):
        offer(Candidate(main_site, EXACT, "main site"))
    for resource in resources:
        if text in (resource.extension_number, resource.id):
            what = "extension" if text == resource.extension_number else "id"
            offer(Candidate(resource, EXACT, f"{what} {text}"))
        for menu in resource.ivr_menus:
            if text == menu.extension_number or normalize_name(menu.name) in (name, core):
                offer(Candidate(resource, EXACT_VIA_IVR, f"IVR menu {menu.name}"))
        score = _name_score(name, core, resource.name)
        if score:
            offer(Candidate(resource, score, f"name {resource.name}"))
    return sorted(found.values(), key=lambda c: (-c.score, c.resource.name.lower()))


def _name_score(name: str, core: str, resource_name: str) -> float:
    target = normalize_name(resource_name)
    target_core = strip_kind_words(target)
    if name in (target, target_core) or core in (target, target_core):
        return EXACT
    words = target.split()
    if all(any(word.startswith(part) for word in words) for part in core.split()):
        return WORD_PREFIX
    if core.replace(" ", "") in target.replace(" ", ""):
        return SUBSTRING
    return 0.0


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
    listed = ", ".join(describe(c.resource) for c in unique)
    return LookupResult(
        query=query,
        status=LookupStatus.AMBIGUOUS,
        candidates=tuple(unique),
        note=(
            f'Several resources match "{query.strip()}": {listed}. '
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


def _not_found(query: str, text: str, resources: Sequence[Resource]) -> LookupResult:
    core = strip_kind_words(normalize_name(text))
    by_name = {normalize_name(r.name): r for r in resources}
    close = difflib.get_close_matches(core, list(by_name), n=3, cutoff=0.5)
    suggestions = tuple(
        Candidate(by_name[n], round(difflib.SequenceMatcher(None, core, n).ratio(), 2), f"name {n}")
        for n in close
    )
    hint = (
        f" Closest names: {', '.join(describe(c.resource) for c in suggestions)}."
        if suggestions
        else f" Known resources: {_some_names(resources)}."
    )
    return LookupResult(
        query=query,
        status=LookupStatus.NOT_FOUND,
        candidates=suggestions,
        note=f'Nothing matches "{query.strip()}".{hint}',
    )


def _some_names(resources: Iterable[Resource], limit: int = 6) -> str:
    names = list(dict.fromkeys(r.name for r in resources))
    shown = ", ".join(names[:limit])
    return f"{shown} and {len(names) - limit} more" if len(names) > limit else shown or "none"
