"""Resolve what a person types (a name, an extension number, a phone number) to one resource.

Pure functions over the inventory's resources; `Directory.lookup` calls `match_resource`.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.domain import Resource, ResourceType
from bot.labels import resource_title
from bot.phone import format_phone, normalize_phone

# Words people add around a name that are not part of it: "queue-support", "Support Queue".
KIND_WORDS = frozenset({"queue", "queues", "call", "cq", "site", "sites", "resource", "resources"})
_QUEUE_WORDS = frozenset({"queue", "queues", "call", "cq"})
_SITE_WORDS = frozenset({"site", "sites"})
MAIN_SITE_ALIASES = frozenset({"main", "main site", "mainsite", "main-site", "company"})
# "ext 104", "ext. 104", "extension 104", "x104", "#104": an extension number, said as one.
MAX_EXTENSION_DIGITS = 8
_EXTENSION = re.compile(r"^(?:ext(?:ension)?\.?|x|#)\s*(\d{1,8})$", re.IGNORECASE)
# 555-0100, 555.0100, 555 0100: seven digits, said as a phone number but missing its area code.
_LOCAL_PHONE = re.compile(r"^\d{3}[-. ]\d{4}$")

EXACT = 1.0
EXACT_VIA_IVR = 0.95
WORD_PREFIX = 0.75
WORD_PREFIX_VIA_IVR = 0.7
SUBSTRING = 0.6
MIN_SUBSTRING = 3  # shorter fragments ("1", "es") are inside too many names to mean one
MAX_QUERY_CHARACTERS = 200  # far longer than any name, extension or phone number
SHOWN_QUERY_CHARACTERS = 60  # how much of a query a message repeats
LISTED_CANDIDATES = 8  # how many candidates a message names
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


def normalize_name(text: str) -> str:
    """Lower case, accents dropped (`Zürich` → `zurich`), single spaces, punctuation dropped."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[^\W_]+", plain))


@dataclass(frozen=True)
class _Words:
    """A name or query, normalized; `canonical` also drops numbers' leading zeros (`site 1`)."""

    plain: str
    canonical: str

    @classmethod
    def of(cls, normalized: str) -> _Words:
        words = normalized.split()
        return cls(normalized, " ".join(str(int(w)) if w.isdecimal() else w for w in words))

    def core(self) -> _Words:
        """Without the kind words around it (`queue support` → `support`)."""
        return _Words.of(strip_kind_words(self.plain))


def _word_matches(part: str, word: str) -> bool:
    return word.startswith(part) or (
        part.isdecimal() and word.isdecimal() and int(part) == int(word)
    )


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
        return _resolve(query, [c for c in partial if c.score == partial[0].score])
    of_kind = _of_kind(normalize_name(text), resources)
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
    return _not_found(query, text, resources)


def _of_kind(name: str, resources: Sequence[Resource]) -> list[Candidate]:
    """For a query of kind words only ("queues", "site"): every resource of that kind."""
    words = set(name.split())
    if not words or not words <= KIND_WORDS:
        return []
    if words & _QUEUE_WORDS:
        kinds = {ResourceType.CALL_QUEUE}
    elif words & _SITE_WORDS:
        kinds = {ResourceType.MAIN_SITE, ResourceType.SITE}
    else:
        kinds = set(ResourceType)
    return [Candidate(r, PARTIAL, r.type.label.lower()) for r in resources if r.type in kinds]


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


def _rank(text: str, resources: Sequence[Resource]) -> list[Candidate]:
    query = _Words.of(normalize_name(text))
    found: dict[str, Candidate] = {}

    def offer(candidate: Candidate) -> None:
        known = found.get(candidate.resource.id)
        if known is None or candidate.score > known.score:
            found[candidate.resource.id] = candidate

    main_site = next((r for r in resources if r.type is ResourceType.MAIN_SITE), None)
    if main_site is not None and (
        normalize_name(text) in MAIN_SITE_ALIASES or text.lower() in MAIN_SITE_ALIASES
    ):
        offer(Candidate(main_site, EXACT, "main site"))
    for resource in resources:
        if text in (resource.extension_number, resource.id):
            what = "extension" if text == resource.extension_number else "id"
            offer(Candidate(resource, EXACT, f"{what} {text}"))
        for menu in resource.ivr_menus:
            by_menu = _name_score(query, menu.name)
            if text == menu.extension_number or by_menu == EXACT:
                offer(Candidate(resource, EXACT_VIA_IVR, f"IVR menu {menu.name}"))
            elif by_menu == WORD_PREFIX:
                offer(Candidate(resource, WORD_PREFIX_VIA_IVR, f"IVR menu {menu.name}"))
        score = _name_score(query, resource.name)
        if score:
            offer(Candidate(resource, score, f"name {resource.name}"))
    return sorted(found.values(), key=lambda c: (-c.score, c.resource.name.lower()))


def _name_score(query: _Words, name: str) -> float:
    """How well a query matches a name: exactly, by word prefixes, or as a fragment."""
    target = _Words.of(normalize_name(name))
    target_core = target.core().canonical
    exact = {target.canonical}
    if any(not w.isdecimal() for w in target_core.split()):
        exact.add(target_core)  # but `Site 001` is not called `1`
    query_core = query.core()
    if query.canonical in exact or query_core.canonical in exact:
        return EXACT
    words = target.plain.split()
    if all(any(_word_matches(p, w) for w in words) for p in query_core.plain.split()):
        return WORD_PREFIX
    fragment = query_core.plain.replace(" ", "")
    if len(fragment) >= MIN_SUBSTRING and fragment in target.plain.replace(" ", ""):
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
    listed = _listed([resource_title(c.resource) for c in unique], limit=LISTED_CANDIDATES)
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


def _not_found(query: str, text: str, resources: Sequence[Resource]) -> LookupResult:
    core = strip_kind_words(normalize_name(text))
    by_name = {normalize_name(r.name): r for r in resources}
    close = difflib.get_close_matches(core, list(by_name), n=3, cutoff=0.5)
    suggestions = tuple(
        Candidate(by_name[n], round(difflib.SequenceMatcher(None, core, n).ratio(), 2), f"name {n}")
        for n in close
    )
    hint = (
        f" Closest names: {', '.join(resource_title(c.resource) for c in suggestions)}."
        if suggestions
        else f" Known resources: {_listed([r.name for r in resources], limit=6)}."
    )
    return LookupResult(
        query=query,
        status=LookupStatus.NOT_FOUND,
        candidates=suggestions,
        note=f"Nothing matches {_quoted(query)}.{hint}",
    )


def _listed(names: Sequence[str], *, limit: int) -> str:
    """`A, B, C and 12 more`: at most `limit` names (duplicates once), then a count."""
    unique = list(dict.fromkeys(names))
    shown = ", ".join(unique[:limit])
    return f"{shown} and {len(unique) - limit} more" if len(unique) > limit else shown or "none"


def _quoted(query: str) -> str:
    """The query in quotes for a message, cut short when long."""
    text = " ".join(query.split())
    if len(text) > SHOWN_QUERY_CHARACTERS:
        text = text[: SHOWN_QUERY_CHARACTERS - 1] + "…"
    return f'"{text}"'
