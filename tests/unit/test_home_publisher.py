"""HomePublisher: one publication at a time per person, the latest state last, failures logged."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

from bot.background import BackgroundTasks
from bot.services.home import Listing, MyResources, TemporarySection
from bot.slackapi.home import HomePublisher
from tests.unit.views.factories import change_request
from tests.unit.views.test_home import empty_home


class Homes:
    """A HomeService whose Homes count how often they were built."""

    def __init__(self) -> None:
        self.built: list[str] = []
        self.viewers = {"U0ANN", "U0BEN"}
        self.version = 0

    async def home(self, *, user_id: str) -> Any:
        self.built.append(user_id)
        self.version += 1
        return empty_home(
            user_id=user_id,
            my_requests=Listing((), self.version),
            temporary=TemporarySection(supported=False, listing=Listing((), 0)),
            resources=MyResources(email=None, user=None, known=None),
        )

    async def opened(self, *, user_id: str) -> None:
        self.viewers.add(user_id)

    async def concerned_viewers(self, request: Any) -> set[str]:
        return set(self.viewers)


class Client:
    """views.publish, held until `release` while `hold` is set; fails when `failing`."""

    def __init__(self) -> None:
        self.published: list[tuple[str, str]] = []
        self.hold = asyncio.Event()
        self.hold.set()
        self.failing = False

    async def views_publish(self, *, user_id: str, view: dict[str, Any]) -> None:
        await self.hold.wait()
        if self.failing:
            raise SlackApiError("failed", {"ok": False, "error": "internal_error"})
        title = next(b["text"]["text"] for b in view["blocks"] if "open requests" in str(b))
        self.published.append((user_id, title))


def publisher() -> tuple[HomePublisher, Homes, Client, BackgroundTasks]:
    homes, client, tasks = Homes(), Client(), BackgroundTasks()
    return HomePublisher(client=client, homes=homes, tasks=tasks), homes, client, tasks  # type: ignore[arg-type]


async def test_changes_during_a_publication_lead_to_one_more_with_the_latest_state() -> None:
    home, homes, client, tasks = publisher()
    client.hold.clear()
    home.publish_soon(["U0ANN"])
    await asyncio.sleep(0.01)  # the first publication is under way, waiting for Slack
    for _ in range(5):
        home.publish_soon(["U0ANN"])
    client.hold.set()
    await tasks.drain(timeout_seconds=5)
    assert homes.built == ["U0ANN", "U0ANN"]
    assert client.published == [
        ("U0ANN", "*Your open requests (1)*"),
        ("U0ANN", "*Your open requests (2)*"),
    ]


async def test_a_changed_request_publishes_the_homes_it_concerns() -> None:
    home, _, client, tasks = publisher()
    await home.opened("U0CAL")
    await tasks.drain(timeout_seconds=5)
    assert client.published == [("U0CAL", "*Your open requests (1)*")]
    client.published.clear()
    home.request_changed(change_request())
    await tasks.drain(timeout_seconds=5)
    assert sorted(user for user, _ in client.published) == ["U0ANN", "U0BEN", "U0CAL"]


async def test_a_failed_publication_is_logged_and_the_next_one_still_happens(
    caplog: pytest.LogCaptureFixture,
) -> None:
    home, _, client, tasks = publisher()
    client.failing = True
    with caplog.at_level(logging.WARNING):
        home.publish_soon(["U0ANN"])
        await tasks.drain(timeout_seconds=5)
    assert "could not publish the Home of U0ANN: internal_error" in caplog.text
    client.failing = False
    home.publish_soon(["U0ANN"])
    await tasks.drain(timeout_seconds=5)
    assert [user for user, _ in client.published] == ["U0ANN"]
