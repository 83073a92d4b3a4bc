"""difflib's closest names among thousands, without scoring every name.

`difflib.get_close_matches(core, names, 3, 0.5)` (the scan's answer) scores every name with
`SequenceMatcher.ratio`: 2·M / (len(core) + len(name)), M the characters of its matching blocks.
Those blocks are a common subsequence of the two, so M ≤ LCS ≤ C, where C counts the characters
they share: Σ over characters c of min(copies of c in core, copies of c in name). So
2·C / (len(core) + len(name)) is never below the ratio, and a name whose bound is below the cutoff,
or below the third closest ratio found, cannot be among the closest.

`ClosestNames` computes C for every name at once, with no Python loop over names: one byte per
name in a big int, added up over the core's characters (see `_counts`), then turned into a bound
per name by one table lookup per name length (`bytes.translate`). difflib then scores names best
bound first and stops when no name left can beat the third closest found, usually after a few.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import heapq
from collections import Counter, defaultdict
from collections.abc import Sequence

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from bot.services.ranking import CLOSEST_CUTOFF, CLOSEST_NAMES

# A bound's level: ⌊LEVELS × bound⌋, one byte. Names are scored level by level, best first.
LEVELS = 255
# The levels of bounds at or above the cutoff (⌊255 × 0.5⌋ = 127): lower ones are never scored.
_LOWEST_LEVEL = int(LEVELS * CLOSEST_CUTOFF)
_BELOW_CUTOFF = bytes(range(_LOWEST_LEVEL))
# Two different ratios of names under 200 characters differ by far more than this; the same
# ratio computed two ways, by far less.
_FLOAT_MARGIN = 1e-9
# A little below a ratio, as a percentage: a float rounding never drops a name that reaches it.
_PERCENT_MARGIN = 0.01
# A name's C is one byte, so it must stay under 256: it is at most the core's length.
_LONGEST_CORE = 255


class ClosestNames:
    """Distinct names, indexed by the characters they hold, for `closest`."""

    def __init__(self, names: Sequence[str]) -> None:
        # Ordered by length, so the names of each length are one run of bytes.
        self._names = sorted(names, key=len)
        lengths = [len(name) for name in self._names]
        self._runs = [  # (length, first position, position after the last)
            (length, bisect.bisect_left(lengths, length), bisect.bisect_right(lengths, length))
            for length in sorted(set(lengths))
        ]
        copies: defaultdict[str, bytearray] = defaultdict(lambda: bytearray(len(self._names)))
        for position, name in enumerate(self._names):
            if name.isascii() and len(name) < 256:  # most names: no key shared, no count clipped
                for character in set(name):
                    copies[character][position] = name.count(character)
                continue
            for key, count in Counter(map(_key, name)).items():
                copies[key][position] = min(count, 255)
        # _counts[key][k - 1]: min(k, copies of key) for every name, a byte each (little-endian),
        # as one int. Adding these ints adds every name's byte at once; no byte carries into the
        # next, since a name's sum (its C) is at most the core's length.
        self._counts = {
            key: [
                int.from_bytes(bytes_.translate(_at_most(k)), "little")
                for k in range(1, max(bytes_) + 1)
            ]
            for key, bytes_ in copies.items()
        }

    def closest(self, core: str) -> list[tuple[float, str]]:
        """difflib's ratio and name of the closest names, closest first: exactly
        `get_close_matches(core, names, CLOSEST_NAMES, CLOSEST_CUTOFF)`, with its ratios."""
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(core)  # as difflib.get_close_matches sets them
        scored: list[tuple[float, str]] = []
        levels = self._levels_of(core)
        reaching = levels.translate(None, _BELOW_CUTOFF)  # the levels of names worth a look
        for level in range(LEVELS, _LOWEST_LEVEL - 1, -1) if reaching else ():
            # Every name at this level (and below) has a bound under (level + 1) / LEVELS.
            if (
                len(scored) >= CLOSEST_NAMES
                and (level + 1) / LEVELS < scored[-1][0] - _FLOAT_MARGIN
            ):
                break  # no name left can reach the third closest
            if level not in reaching:
                continue
            # The longest common subsequence bounds the ratio more tightly. rapidfuzz's ratio is
            # that bound as a percentage: it drops in C the names that cannot reach the lowest
            # ratio still of use; the others are taken best bound first.
            lowest = scored[-1][0] if len(scored) >= CLOSEST_NAMES else CLOSEST_CUTOFF
            maybe = process.extract(
                core,
                self._at_level(levels, level),
                scorer=fuzz.ratio,
                score_cutoff=100 * lowest - _PERCENT_MARGIN,
                limit=None,
            )
            for bound, name in sorted(
                ((_ratio_bound(core, n), n) for n, _, _ in maybe), reverse=True
            ):
                if len(scored) >= CLOSEST_NAMES and (bound, name) < scored[-1]:
                    break  # ties go to the greater name, as in difflib's heapq.nlargest
                matcher.set_seq1(name)
                ratio = matcher.ratio()
                if ratio >= CLOSEST_CUTOFF:
                    scored = heapq.nlargest(CLOSEST_NAMES, [*scored, (ratio, name)])
        return scored

    def _at_level(self, levels: bytes, level: int) -> list[str]:
        """The names at `level`, in `levels` (a byte at each name's position)."""
        names = []
        position = levels.find(level)
        while position >= 0:
            names.append(self._names[position])
            position = levels.find(level, position + 1)
        return names

    def _levels_of(self, core: str) -> bytes:
        """The level of every name's bound (a byte at each name's position)."""
        if len(core) > _LONGEST_CORE:  # a name's byte could overflow: every name, unbounded
            return bytes([LEVELS]) * len(self._names)
        shared = sum(
            counts[min(count, len(counts)) - 1]
            for key, count in Counter(map(_key, core)).items()
            if (counts := self._counts.get(key)) is not None
        )
        by_position = shared.to_bytes(len(self._names), "little")  # each name's C
        return b"".join(
            by_position[start:end].translate(_levels(len(core) + length))
            for length, start, end in self._runs
        )


def _key(character: str) -> str:
    """The character counted for `character`: itself when ASCII, else one of 64 shared keys.

    Counting two characters as one never lowers C (min(a + b, c + d) ≥ min(a, c) + min(b, d)),
    so the bound holds, and names in any script need at most 64 more keys, not one per character.
    """
    return character if character < "\x80" else chr(0x80 | ord(character) % 64)


@functools.cache
def _at_most(k: int) -> bytes:
    """A `bytes.translate` table: each count to min(count, k)."""
    return bytes(min(count, k) for count in range(256))


@functools.cache
def _levels(length: int) -> bytes:
    """A `bytes.translate` table: each C to the level of its bound, 2·C / `length` (the two
    lengths added); 0 / 0 is difflib's ratio of two empty strings, 1."""
    return bytes(min(LEVELS, LEVELS * 2 * c // length) if length else LEVELS for c in range(256))


def _ratio_bound(a: str, b: str) -> float:
    """difflib's ratio if every common subsequence counted: never below `SequenceMatcher.ratio`.

    Computed as difflib computes its ratio (2.0 * matches / length), so the two compare exactly.
    """
    length = len(a) + len(b)
    if not length:
        return 1.0
    longest_common = (length - Indel.distance(a, b)) // 2
    return 2.0 * longest_common / length
