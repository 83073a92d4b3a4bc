"""Slack's formatted command text becomes the plain query the person meant."""

from __future__ import annotations

import pytest

from bot.errors import SmsHandlersError
from bot.listeners.queries import as_typed, person_query
from bot.services.browse import EmailQuery, MemberQuery, NameQuery, PersonQuery


@pytest.mark.parametrize(
    ("formatted", "typed"),
    [
        ("Smith &amp; Sons &lt;HQ&gt;", "Smith & Sons <HQ>"),
        ("<mailto:a@b.example|a@b.example>", "a@b.example"),
        ("<@U0CARLA|carla>", "carla"),
        ("<https://example.com|the site>", "the site"),
        ("<https://example.com>", "https://example.com"),
        ("&amp;lt;", "&lt;"),  # decoded once, as Slack encoded it once
        ("plain words", "plain words"),
    ],
)
def test_as_typed_undoes_slack_formatting(formatted: str, typed: str) -> None:
    assert as_typed(formatted) == typed


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("<@U0CARLA|carla>", MemberQuery("U0CARLA", fallback_name="carla")),
        ("<@W0ENTERPRISE>", MemberQuery("W0ENTERPRISE", fallback_name=None)),
        ("  <@U0CARLA|carla>  ", MemberQuery("U0CARLA", fallback_name="carla")),
        ("<mailto:carla@acme.example|carla@acme.example>", EmailQuery("carla@acme.example")),
        ("carla@acme.example", EmailQuery("carla@acme.example")),
        ("Dan Miller", NameQuery("Dan Miller")),
        ("O&amp;Brien", NameQuery("O&Brien")),
        ("dan @ acme", NameQuery("dan @ acme")),  # spaces: a name, not an email
        # An escaped mention is text the person typed, not a mention: matched as typed.
        ("&lt;@U0NOBODY|x&gt;", EmailQuery("<@U0NOBODY|x>")),
    ],
)
def test_person_query_tells_mentions_emails_and_names_apart(text: str, query: PersonQuery) -> None:
    assert person_query(text) == query


@pytest.mark.parametrize("text", ["", "   "])
def test_person_query_needs_someone(text: str) -> None:
    with pytest.raises(SmsHandlersError, match="Say whom to look for"):
        person_query(text)
