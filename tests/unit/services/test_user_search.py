"""Ranking users by what a person types."""

from __future__ import annotations

from bot.domain import UserExtension
from bot.services.users import rank_users

USERS = (
    UserExtension("1", "Ava Chen", "1001", "ava.chen@acme.example"),
    UserExtension("2", "Avery Long", "1002", "avery@acme.example"),
    UserExtension("3", "Dan Miller", "2001", "dmiller@acme.example"),
    UserExtension("4", "Ben Ortiz", "1100", "ben.ortiz@acme.example"),
)


def names(query: str) -> list[str]:
    return [u.name for u in rank_users(query, USERS)]


def test_an_exact_name_email_or_extension_comes_first() -> None:
    assert names("ava chen")[0] == "Ava Chen"
    assert names("DMILLER@acme.example") == ["Dan Miller"]
    assert names("1002")[0] == "Avery Long"


def test_a_name_prefix_matches_several_people() -> None:
    assert names("av") == ["Ava Chen", "Avery Long"]


def test_an_extension_prefix_matches_by_number() -> None:
    assert names("10") == ["Ava Chen", "Avery Long"]
    assert names("11") == ["Ben Ortiz"]


def test_an_email_local_part_matches() -> None:
    assert names("ben.or") == ["Ben Ortiz"]


def test_nothing_matches_nonsense_and_an_empty_query_lists_everyone() -> None:
    assert names("zzz") == []
    assert len(rank_users("", USERS)) == 4
    assert len(rank_users("", USERS, limit=2)) == 2


def test_accents_do_not_matter_in_names() -> None:
    people = (*USERS, UserExtension("5", "José Núñez", "1200", "jnunez@acme.example"))

    assert [u.name for u in rank_users("jose nunez", people)] == ["José Núñez"]
    assert [u.name for u in rank_users("Núñ", people)] == ["José Núñez"]
