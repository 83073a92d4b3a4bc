"""Events: the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import BackgroundTasks
from bot.inputs import is_slack_id
from bot.listeners.replies import after_ack
from bot.slackapi.home import HomePublisher

HOME_EVENT = "app_home_opened"


def register(app: AsyncApp, *, home: HomePublisher, tasks: BackgroundTasks) -> None:
    """The Home tab, published by `home` when someone opens it."""

    async def on_home_opened(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Remember that this person opens Home (it is refreshed for them from now on) and
        publish theirs."""
        user_id = event.get("user")
        if event.get("tab") != "home" or not is_slack_id(user_id):
            return
        after_ack(tasks, home.opened(user_id), body=body, client=client)

    app.event(HOME_EVENT)(on_home_opened)
