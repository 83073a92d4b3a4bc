"""How a query matches a resource's (or an IVR menu's) name: normalisation and the name score.

`NameKey` holds everything the score needs from a name, computed once; the lookup index keeps
one per name so a query costs no normalisation of the names it is compared with.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# Words people add around a name that are not part of it: "queue-support", "Support Queue".
KIND_WORDS = frozenset({"queue", "queues", "call", "cq", "site", "sites", "resource", "resources"})
QUEUE_WORDS = frozenset({"queue", "queues", "call", "cq"})
SITE_WORDS = frozenset({"site", "sites"})
MAIN_SITE_ALIASES = frozenset({"main", "main site", "mainsite", "main-site", "company"})

EXACT = 1.0
EXACT_VIA_IVR = 0.95
WORD_PREFIX = 0.75
WORD_PREFIX_VIA_IVR = 0.7
SUBSTRING = 0.6
MIN_SUBSTRING = 3  # shorter fragments ("1", "es") are inside too many names to mean one

_WORD = re.compile(r"[^\W_]+")


def normalize_name(text: str) -> str:
    """Lower case, accents dropped (`Zürich` → `zurich`), single spaces, punctuation dropped."""
    if text.isascii():  # most names: nothing to decompose, and casefold() is lower()
        return " ".join(_WORD.findall(text.lower()))
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(_WORD.findall(plain))


def strip_kind_words(name: str) -> str:
    """`queue support` and `support queue` → `support` (never strips a name down to nothing)."""
    return " ".join(_core_words(name.split()))


def _core_words(words: list[str]) -> list[str]:
    start, end = 0, len(words)
    while end - start > 1 and words[start] in KIND_WORDS:
        start += 1
    while end - start > 1 and words[end - 1] in KIND_WORDS:
        end -= 1
    return words[start:end]


def canonical(normalized: str) -> str:
    """The normalized words with numbers' leading zeros dropped (`site 001` → `site 1`)."""
    return _canonical(normalized.split())


def _canonical(words: list[str]) -> str:
    return " ".join(str(int(w)) if w.isdecimal() else w for w in words)


def word_matches(part: str, word: str) -> bool:
    """`part` starts `word`, or both are the same number (`1` and `001`)."""
    return word.startswith(part) or (
        part.isdecimal() and word.isdecimal() and int(part) == int(word)
    )


class QueryKey(NamedTuple):
    """A query's words as the name score compares them."""

    normalized: str  # the whole query, normalized
    canonical: str  # the whole query, canonical
    core_canonical: str  # without kind words around it, canonical
    core_words: tuple[str, ...]  # without kind words, as typed (normalized)
    fragment: str  # the core without spaces, for the substring match

    @classmethod
    def of(cls, text: str) -> QueryKey:
        normalized = normalize_name(text)
        words = normalized.split()
        core = _core_words(words)
        whole = _canonical(words)
        return cls(
            normalized,
            whole,
            whole if len(core) == len(words) else _canonical(core),
            tuple(core),
            "".join(core),
        )


class NameKey(NamedTuple):
    """A name as the name score compares it (a tuple: an index builds thousands)."""

    normalized: str
    exact: frozenset[str]  # canonical forms that match it exactly
    words: tuple[str, ...]  # its normalized words
    joined: str  # its normalized words without spaces, for the substring match

    @classmethod
    def of(cls, name: str) -> NameKey:
        normalized = normalize_name(name)
        words = normalized.split()
        core = _core_words(words)
        whole = _canonical(words)
        if len(core) == len(words):
            exact = (whole,) if any(not w.isdecimal() for w in core) else ()
        else:
            exact = (_canonical(core),) if any(not w.isdecimal() for w in core) else ()
        # The core is an exact form too, unless only numbers: `Site 001` is not called `1`.
        return cls(normalized, frozenset((whole, *exact)), tuple(words), "".join(words))


def name_score(query: QueryKey, name: NameKey) -> float:
    """How well a query matches a name: exactly, by word prefixes, or as a fragment."""
    if query.canonical in name.exact or query.core_canonical in name.exact:
        return EXACT
    if all(any(word_matches(p, w) for w in name.words) for p in query.core_words):
        return WORD_PREFIX
    if len(query.fragment) >= MIN_SUBSTRING and query.fragment in name.joined:
        return SUBSTRING
    return 0.0
