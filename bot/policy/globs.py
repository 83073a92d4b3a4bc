"""Glob patterns of the policy file's `match:` entries: `*`, `?`, `[abc]`, `[a-z]`, `[!abc]`.

The syntax is fnmatch's (a `]` right after `[` or `[!` is a member, `[*]` matches a star), but
mistakes that fnmatch silently reads as literal text are refused with a reason: a `[` never
closed, a backwards range, an empty pattern, spaces at either end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


class GlobError(ValueError):
    """A pattern that is not a valid glob; the message says what is wrong with it."""


@dataclass(frozen=True)
class Glob:
    """A compiled pattern; `matches` compares a whole text with it."""

    pattern: str
    ignore_case: bool = True
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        flags = re.DOTALL | (re.IGNORECASE if self.ignore_case else 0)
        object.__setattr__(self, "_regex", re.compile(_translate(self.pattern), flags))

    def matches(self, text: str) -> bool:
        return self._regex.fullmatch(text) is not None

    def __str__(self) -> str:
        return self.pattern


def compile_glob(pattern: str, *, ignore_case: bool = True) -> Glob:
    """The pattern compiled, or GlobError saying what is wrong with it."""
    return Glob(pattern, ignore_case=ignore_case)


def _translate(pattern: str) -> str:
    if not pattern:
        raise GlobError("is empty")
    if pattern != pattern.strip():
        raise GlobError("starts or ends with a space")
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            if not parts or parts[-1] != ".*":
                parts.append(".*")
            i += 1
        elif char == "?":
            parts.append(".")
            i += 1
        elif char == "[":
            regex_class, i = _character_class(pattern, i)
            parts.append(regex_class)
        else:
            parts.append(re.escape(char))
            i += 1
    return "".join(parts)


def _character_class(pattern: str, start: int) -> tuple[str, int]:
    """The regex class for the `[...]` starting at `start`, and the index after its `]`."""
    first = start + 1
    if pattern.startswith("!", first):
        first += 1
    end = pattern.find("]", first + 1)  # a `]` right after `[` or `[!` is a member
    if first >= len(pattern) or end < 0:
        raise GlobError(f"the '[' at character {start + 1} is never closed with ']'")
    members = pattern[first:end]
    parts: list[str] = []
    i = 0
    while i < len(members):
        if i + 2 < len(members) and members[i + 1] == "-":
            low, high = members[i], members[i + 2]
            if low > high:
                raise GlobError(f"the range {low}-{high} is backwards (write {high}-{low})")
            parts.append(f"{re.escape(low)}-{re.escape(high)}")
            i += 3
        else:
            parts.append(re.escape(members[i]))
            i += 1
    negate = "^" if first > start + 1 else ""
    return f"[{negate}{''.join(parts)}]", end + 1
