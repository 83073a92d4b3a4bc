"""Metrics: what a command's text counts as, which rate group a RingCentral answer counts in, and
gauges sampled at scrape time."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.background import BackgroundTasks
from bot.db.session import Database
from bot.metrics import Metrics, background_sampler, requests_sampler, scan_budget_sampler
from bot.request_tracking import command_kind, interaction_of
from bot.services.budget import CallBudget

RECIPIENTS = "GET /restapi/v1.0/account/~/extension/{id}/sms-recipients"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "help"),
        ("  HELP ", "help"),
        ("?", "help"),
        ("list", "list"),
        ("List  ", "list"),
        ("list 2", "lookup"),  # a resource named like that, as the command listener reads it
        ("who <@U123|ann>", "who"),
        ("export support --json", "export"),
        ("Export", "export"),
        ("support", "lookup"),
        ("+1 650 555 0100", "lookup"),
    ],
)
def test_command_kind_reads_the_text_as_the_listener_does(text: str, kind: str) -> None:
    assert command_kind(text) == kind


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"type": "block_actions", "actions": [{"action_id": "review"}]},
            ("block_actions", "review"),
        ),
        ({"type": "view_submission", "view": {"callback_id": "m"}}, ("view_submission", "m")),
        ({"type": "block_suggestion", "action_id": "add"}, ("block_suggestion", "add")),
        (
            {"type": "event_callback", "event": {"type": "app_home_opened"}},
            ("event", "app_home_opened"),
        ),
        ({"type": "shortcut"}, ("shortcut", "")),
    ],
)
def test_interactions_are_named_by_type_and_action(
    body: dict[str, object], expected: tuple[str, str]
) -> None:
    assert interaction_of(body) == expected


async def test_an_answer_without_a_rate_group_counts_in_the_group_its_route_last_named() -> None:
    metrics = Metrics()
    metrics.ringcentral_answered(RECIPIENTS, 200, {"X-Rate-Limit-Group": "Light"})
    metrics.ringcentral_answered(RECIPIENTS, 429, {})
    metrics.ringcentral_answered(RECIPIENTS, None, {})  # the connection dropped
    metrics.ringcentral_answered("GET /restapi/v1.0/account/~/sites", None, {})

    found = samples((await metrics.exposition()).decode())

    assert found[("sms_handlers_ringcentral_calls_total", (("group", "Light"),))] == 3
    assert found[("sms_handlers_ringcentral_rate_limited_total", (("group", "Light"),))] == 1
    assert found[("sms_handlers_ringcentral_calls_total", (("group", "unknown"),))] == 1


async def test_gauges_are_read_when_scraped() -> None:
    metrics = Metrics()
    budget = CallBudget(calls=5)
    metrics.add_sampler(scan_budget_sampler(budget))
    metrics.add_sampler(background_sampler(BackgroundTasks()))
    assert budget.try_spend() and budget.try_spend()

    found = samples((await metrics.exposition()).decode())

    assert found[("sms_handlers_scan_budget_used", ())] == 2
    assert found[("sms_handlers_scan_budget_limit", ())] == 5
    assert found[("sms_handlers_background_tasks", ())] == 0


async def test_requests_by_state_are_not_shown_while_the_database_fails(tmp_path: Path) -> None:
    metrics = Metrics()
    metrics.requests.labels("pending").set(3)  # what an earlier scrape read
    database = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.db'}")
    metrics.add_sampler(requests_sampler(database))
    try:
        text = (await metrics.exposition()).decode()
    finally:
        await database.dispose()

    assert not [name for name, _ in samples(text) if name == "sms_handlers_requests"]
