"""Events: the App Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import BackgroundTasks
from bot.inputs import is_slack_id
from bot.listeners.replies import after_ack
from bot.services.policy import ApprovalPolicy
from bot.services.requests import RequestService
from bot.views.history import home_view

HOME_EVENT = "app_home_opened"


def register(
    app: AsyncApp, *, requests: RequestService, policy: ApprovalPolicy, tasks: BackgroundTasks
) -> None:
    """The Home tab, from the pending requests and the approver policy."""

    async def on_home_opened(
        body: dict[str, Any], event: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Publish the Home tab: how to use the app and the requests waiting for a decision."""
        user_id = event.get("user")
        if event.get("tab") != "home" or not is_slack_id(user_id):
            return

        async def publish() -> None:
            """The Home tab for one user (Review buttons when they are an approver)."""
            pending = await requests.pending()
            view = home_view(pending=pending, is_approver=await policy.is_approver(user_id))
            await client.views_publish(user_id=user_id, view=view.to_dict())

        after_ack(tasks, publish(), body=body, client=client)

    app.event(HOME_EVENT)(on_home_opened)
