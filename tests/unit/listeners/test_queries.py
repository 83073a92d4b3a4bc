"""Slack's formatted command text becomes the plain query the person meant."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.errors import SmsHandlersError
from bot.listeners.queries import ExportQuery, as_typed, export_query, person_query
from bot.services.browse import EmailQuery, MemberQuery, NameQuery, PersonQuery
from bot.services.export import ExportFormat, HistoryFilter


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


@pytest.mark.parametrize(
    ("text", "selection", "format"),
    [
        ("", HistoryFilter(), ExportFormat.CSV),
        ("Boston &amp; Co --json", HistoryFilter(text="Boston & Co"), ExportFormat.JSON),
        (
            "support --since 2026-01-31 --user <@U0CARLA|carla>",
            HistoryFilter(
                text="support", actor_id="U0CARLA", since=datetime(2026, 1, 31, tzinfo=UTC)
            ),
            ExportFormat.CSV,
        ),
        (
            "--since=2026-01-31T08:30+01:00 --user=U0ALEX --csv",
            HistoryFilter(
                actor_id="U0ALEX",
                since=datetime(2026, 1, 31, 8, 30, tzinfo=timezone(timedelta(hours=1))),
            ),
            ExportFormat.CSV,
        ),
    ],
)
def test_export_takes_the_filters_of_the_command_line(
    text: str, selection: HistoryFilter, format: ExportFormat
) -> None:
    assert export_query(text) == ExportQuery(selection, format)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("--since", "`--since` needs a value."),
        ("--since 31/01/2026", "'31/01/2026' is not a date"),
        ("--user carla", "`--user` takes a person as Slack shows them"),
        ("--user <#C0GENERAL|general>", "`--user` takes a person"),
        ("--limit 5", "`--limit` is not an option of export."),
    ],
)
def test_a_malformed_export_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(SmsHandlersError, match=re.escape(problem)):
        export_query(text)
