"""The glob patterns of `match:`: a table of cases, then properties over generated patterns."""

from __future__ import annotations

import fnmatch
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.policy.globs import GlobError, compile_glob


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("Support", "support", True),
        ("Support", "SUPPORT", True),
        ("Support", "Support Escalations", False),
        ("Support*", "Support Escalations", True),
        ("*office", "Boston Office", True),
        ("*office", "Boston Office 2", False),
        ("Queue ?", "Queue A", True),
        ("Queue ?", "Queue AB", False),
        ("[bd]*", "Denver Office", True),
        ("[!bd]*", "Denver Office", False),
        ("[a-c]illing", "Billing", True),
        ("[]]", "]", True),
        ("[*]", "*", True),
        ("[*]", "x", False),
        ("a.b", "axb", False),
        ("(x)+", "(x)+", True),
        ("40??", "4001", True),
        ("*", "", True),
    ],
)
def test_patterns_match_whole_names_without_regard_to_case(
    pattern: str, text: str, matches: bool
) -> None:
    assert compile_glob(pattern).matches(text) is matches


def test_case_counts_when_asked() -> None:
    assert not compile_glob("Support", ignore_case=False).matches("support")


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("", "is empty"),
        (" Support", "starts or ends with a space"),
        ("Support ", "starts or ends with a space"),
        ("Sup[port", "the '[' at character 4 is never closed with ']'"),
        ("[!", "the '[' at character 1 is never closed with ']'"),
        ("[]", "the '[' at character 1 is never closed with ']'"),
        ("[z-a]*", "the range z-a is backwards (write a-z)"),
    ],
)
def test_mistakes_are_refused_with_a_reason(pattern: str, problem: str) -> None:
    with pytest.raises(GlobError) as caught:
        compile_glob(pattern)
    assert str(caught.value) == problem


# -- properties ---------------------------------------------------------------------------------

NAME_CHARS = st.sampled_from("abcxyzABCXYZ019 -_.()é")
names = st.text(NAME_CHARS, max_size=12).map(str.strip)


def literal(text: str) -> str:
    """A pattern matching exactly `text` (special characters in brackets)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


@given(names.filter(bool))
def test_a_name_written_out_matches_itself_in_any_case(name: str) -> None:
    glob = compile_glob(literal(name))
    assert glob.matches(name)
    assert glob.matches(name.upper()) and glob.matches(name.lower())
    assert not glob.matches(name + "x")
    assert not glob.matches(name[:-1])


@given(names.filter(bool), names)
def test_a_star_matches_any_continuation(prefix: str, rest: str) -> None:
    assert compile_glob(literal(prefix) + "*").matches(prefix + rest)
    assert compile_glob("*" + literal(prefix)).matches(rest + prefix)


@given(st.text(NAME_CHARS, min_size=1, max_size=12))
def test_question_marks_match_exactly_as_many_characters(text: str) -> None:
    glob = compile_glob("?" * len(text))
    assert glob.matches(text)
    assert not glob.matches(text + "a")
    assert not glob.matches(text[1:])


LOWER = "abcdexyz019"
classes = st.builds(
    lambda negate, members: "[" + ("!" if negate else "") + members + "]",
    st.booleans(),
    st.one_of(
        st.text(st.sampled_from(LOWER), min_size=1, max_size=3),
        st.tuples(st.sampled_from(LOWER), st.sampled_from(LOWER)).map(
            lambda pair: f"{min(pair)}-{max(pair)}"
        ),
    ),
)
tokens = st.one_of(st.sampled_from(list(LOWER + " .-_()")), st.just("*"), st.just("?"), classes)
patterns = st.lists(tokens, min_size=1, max_size=6).map("".join).filter(lambda p: p == p.strip())


@given(patterns, st.text(st.sampled_from(LOWER + " .-_()"), max_size=8))
def test_valid_patterns_match_like_fnmatch(pattern: str, text: str) -> None:
    assert compile_glob(pattern, ignore_case=False).matches(text) == fnmatch.fnmatchcase(
        text, pattern
    )


@given(patterns, st.text(st.sampled_from(LOWER + " .-_()"), max_size=8))
def test_ignoring_case_is_matching_the_lowercased_text(pattern: str, text: str) -> None:
    glob = compile_glob(pattern)
    assert glob.matches(text.upper()) == glob.matches(text)


@given(
    st.text(st.sampled_from("ab*?!-"), max_size=5), st.text(st.sampled_from("ab*?!-"), max_size=5)
)
def test_a_bracket_never_closed_is_refused_with_its_position(before: str, after: str) -> None:
    pattern = f"x{before}[{after}"
    with pytest.raises(GlobError, match=re.escape(f"'[' at character {len(before) + 2}")):
        compile_glob(pattern)
