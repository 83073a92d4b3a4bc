"""The lookup index: built once per inventory, it answers a query without scanning every name.

It finds the few resources that can match a query (by exact name, id, extension number, word
prefix, fragment or phone number) and scores only those with the same rules as the scan
(`ranking.rank`). Matches are found best kind first: a query matching some name exactly never
looks at prefixes or fragments, because only the best-scoring candidates are ever used.

The closest names (for "nothing matches") are difflib's, as before, found without scoring every
name (closest_names.py).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Sequence

from bot.domain import Resource, ResourceType, SharedNumber
from bot.services.closest_names import ClosestNames
from bot.services.names import (
    MIN_SUBSTRING,
    SUBSTRING,
    WORD_PREFIX,
    WORD_PREFIX_VIA_IVR,
    NameKey,
    QueryKey,
)
from bot.services.ranking import (
    STRONG,
    Candidate,
    Entry,
    best_of,
    main_site_of,
    rank,
)

_SEPARATOR = "\0"  # never in a normalized name


class _Words:
    """Which positions have a word starting with a prefix, or a number equal to one."""

    def __init__(self) -> None:
        self._by_word: dict[str, set[int]] = defaultdict(set)
        self._by_number: dict[int, set[int]] = defaultdict(set)
        self._sorted: list[str] = []

    def add(self, position: int, key: NameKey) -> None:
        for word in key.words:
            self._by_word[word].add(position)
            if word.isdecimal():
                self._by_number[int(word)].add(position)

    def freeze(self) -> None:
        self._sorted = sorted(self._by_word)

    def matching(self, part: str) -> set[int]:
        """Positions with a word `part` starts, or (for digits) the same number."""
        found: set[int] = set()
        index = bisect.bisect_left(self._sorted, part)
        while index < len(self._sorted) and self._sorted[index].startswith(part):
            found |= self._by_word[self._sorted[index]]
            index += 1
        if part.isdecimal():
            found |= self._by_number.get(int(part), set())
        return found

    def matching_all(self, parts: Sequence[str], everything: range) -> set[int] | range:
        """Positions where every part matches a word (all of them for no parts)."""
        if not parts:
            return everything
        sets = sorted((self.matching(p) for p in parts), key=len)
        return sets[0].intersection(*sets[1:])


class LookupIndex:
    """Every resource of an inventory, indexed by what people type to find it."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.resources = tuple(resources)
        self._entries = [Entry.of(r) for r in self.resources]
        self._everything = range(len(self._entries))
        self._main_site = main_site_of(self.resources)
        self._by_text: dict[str, set[int]] = defaultdict(set)  # ids and extension numbers
        self._by_exact_name: dict[str, set[int]] = defaultdict(set)
        self._by_menu_text: dict[str, set[int]] = defaultdict(set)  # menus' extension numbers
        self._by_exact_menu: dict[str, set[int]] = defaultdict(set)
        self._name_words, self._menu_words = _Words(), _Words()
        self._phones: dict[str, list[tuple[Resource, SharedNumber]]] = defaultdict(list)
        for position, entry in enumerate(self._entries):
            resource = entry.resource
            self._by_text[resource.id].add(position)
            if resource.extension_number is not None:
                self._by_text[resource.extension_number].add(position)
            for form in entry.name.exact:
                self._by_exact_name[form].add(position)
            self._name_words.add(position, entry.name)
            for menu, key in entry.menus:
                if menu.extension_number is not None:
                    self._by_menu_text[menu.extension_number].add(position)
                for form in key.exact:
                    self._by_exact_menu[form].add(position)
                self._menu_words.add(position, key)
            for number in resource.phone_numbers:
                self._phones[number.phone_number].append((resource, number))
        self._name_words.freeze()
        self._menu_words.freeze()
        joined = [e.name.joined for e in self._entries]
        self._joined = _SEPARATOR.join(joined)
        self._starts: list[int] = []
        offset = 0
        for part in joined:
            self._starts.append(offset)
            offset += len(part) + len(_SEPARATOR)
        self._by_name = {e.name.normalized: e.resource for e in self._entries}
        self._closest = ClosestNames(list(self._by_name))
        self._unique_names = tuple(dict.fromkeys(r.name for r in self.resources))
        # Each position's place in the ranking's tie order (lower-cased name, then position), so
        # the thousand names a shared prefix matches are put in order by one sort of ints.
        by_tie_order = sorted(self._everything, key=lambda p: self.resources[p].name.lower())
        self._tie_order = [0] * len(self.resources)
        for place, position in enumerate(by_tie_order):
            self._tie_order[position] = place
        self._prefix_candidates: list[Candidate | None] = [None] * len(self.resources)
        self._kinds: dict[frozenset[ResourceType], list[Resource]] = {}

    def __len__(self) -> int:
        return len(self.resources)

    # -- Finder -----------------------------------------------------------------------------

    def best(self, text: str) -> list[Candidate]:
        query = QueryKey.of(text)
        strong = self._strong(text, query)
        if strong:
            return best_of(strong)
        # Nothing scores STRONG, so the best score is the first of these kinds that matches.
        by_name = self._name_words.matching_all(query.core_words, self._everything)
        if by_name:
            # Exactly the names whose words the query's words start: each scores WORD_PREFIX,
            # and nothing else of theirs scores as much (all that does is STRONG).
            return [self._by_prefix(p) for p in sorted(by_name, key=self._tie_order.__getitem__)]
        by_menu = self._menu_words.matching_all(query.core_words, self._everything)
        found = [c for c in self._rank(text, query, by_menu) if c.score == WORD_PREFIX_VIA_IVR]
        if found:
            return found
        by_fragment = self._containing(query.fragment)
        return [c for c in self._rank(text, query, by_fragment) if c.score == SUBSTRING]

    def strong(self, text: str) -> list[Candidate]:
        return self._strong(text, QueryKey.of(text))

    def numbered(self, phone: str) -> list[tuple[Resource, SharedNumber]]:
        return list(self._phones.get(phone, ()))

    def of_kinds(self, kinds: frozenset[ResourceType]) -> list[Resource]:
        found = self._kinds.get(kinds)
        if found is None:
            found = self._kinds[kinds] = [r for r in self.resources if r.type in kinds]
        return list(found)

    def closest(self, core: str) -> list[tuple[str, Resource, float]]:
        return [(name, self._by_name[name], ratio) for ratio, name in self._closest.closest(core)]

    def unique_names(self) -> Sequence[str]:
        return self._unique_names

    # -- finding ----------------------------------------------------------------------------

    def _strong(self, text: str, query: QueryKey) -> list[Candidate]:
        positions: set[int] = set()
        for table, key in (
            (self._by_text, text),
            (self._by_menu_text, text),
            (self._by_exact_name, query.canonical),
            (self._by_exact_name, query.core_canonical),
            (self._by_exact_menu, query.canonical),
            (self._by_exact_menu, query.core_canonical),
        ):
            positions |= table.get(key, set())
        # The main site's aliases ("main", "company") are offered by `rank` itself.
        return [c for c in self._rank(text, query, positions) if c.score >= STRONG]

    def _by_prefix(self, position: int) -> Candidate:
        """The candidate a resource is when its name matches by word prefixes (made once)."""
        found = self._prefix_candidates[position]
        if found is None:
            resource = self.resources[position]
            found = Candidate(resource, WORD_PREFIX, f"name {resource.name}")
            self._prefix_candidates[position] = found
        return found

    def _rank(self, text: str, query: QueryKey, positions: Iterable[int]) -> list[Candidate]:
        entries = [self._entries[p] for p in sorted(positions)]
        return rank(text, query, entries, self._main_site)

    def _containing(self, fragment: str) -> set[int]:
        """Positions whose name (without spaces) contains the fragment."""
        found: set[int] = set()
        if len(fragment) < MIN_SUBSTRING:
            return found
        start = self._joined.find(fragment)
        while start >= 0:
            position = bisect.bisect_right(self._starts, start) - 1
            found.add(position)
            after = position + 1
            if after >= len(self._starts):
                break
            start = self._joined.find(fragment, self._starts[after])
        return found
