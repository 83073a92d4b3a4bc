"""The closest names are difflib's, found without scoring every name (closest_names.py)."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.services.closest_names import ClosestNames, _key
from bot.services.ranking import CLOSEST_CUTOFF, CLOSEST_NAMES

# Few characters, so names share many and tie often; é and ũ are counted under one key.
ALPHABET = "ab 01éũ漢"


def scan(core: str, names: list[str]) -> list[tuple[float, str]]:
    """difflib over every name, with the ratio it ranked each by (the name first)."""
    close = difflib.get_close_matches(core, names, CLOSEST_NAMES, CLOSEST_CUTOFF)
    return [(difflib.SequenceMatcher(None, name, core).ratio(), name) for name in close]


def test_characters_beyond_ascii_share_keys() -> None:
    assert _key("é") == _key("ũ") != _key("漢")
    assert _key("e") == "e"


@settings(max_examples=300, deadline=None)
@given(
    names=st.lists(st.text(ALPHABET, max_size=8), max_size=30, unique=True),
    core=st.text(ALPHABET, max_size=8),
)
def test_the_closest_names_are_difflibs(names: list[str], core: str) -> None:
    assert ClosestNames(names).closest(core) == scan(core, names)


def test_ties_go_to_the_greater_name_as_in_difflib() -> None:
    # Hundreds of names share the best bounds: only difflib's ratio and the name decide.
    names = [f"site {i:03d}" for i in range(1, 400)] + [f"support {i:04d}" for i in range(300)]
    closest = ClosestNames(names)
    for core in ("stie 042", "site 4", "sit 0", "zzz", "42", "ste 1111", "suport 0120", ""):
        assert closest.closest(core) == scan(core, names), core


def test_names_and_cores_longer_than_a_byte_counts() -> None:
    # A name's shared count is kept in a byte: past 255 characters of core, every name is scored.
    names = ["a" * 300, "a" * 260 + "b", "ab" * 150, "b" * 10, "", "ab"]
    closest = ClosestNames(names)
    for core in ("a" * 280, "a" * 255, "ab" * 140, "a" * 10, "ab", "", "c" * 300):
        assert closest.closest(core) == scan(core, names), len(core)


def test_an_empty_inventory_has_no_closest_names() -> None:
    assert ClosestNames([]).closest("site") == []
