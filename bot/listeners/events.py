"""Events: the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.container import Container
from bot.listeners.replies import after_ack
from bot.views.history import home_view

HOME_EVENT = "app_home_opened"


def register(app: AsyncApp) -> None:
    app.event(HOME_EVENT)(on_home_opened)


async def on_home_opened(
    body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient, services: Container
) -> None:
    """Publish the Home tab: how to use the app and the requests waiting for a decision."""
    if event.get("tab") != "home":
        return
    after_ack(
        services,
        publish_home(services, client, user_id=str(event["user"])),
        body=body,
        client=client,
    )


async def publish_home(services: Container, client: AsyncWebClient, *, user_id: str) -> None:
    """The Home tab for one user (Review buttons when they are an approver)."""
    pending = await services.requests.pending()
    is_approver = await services.policy.is_approver(user_id)
    view = home_view(pending=pending, is_approver=is_approver)
    await client.views_publish(user_id=user_id, view=view.to_dict())
