"""Publishing people's Home tabs (views.publish, no scope needed).

A Home is published when its person opens it, and again when a request concerning them changes
(see `HomeRefreshingNotifier`), only for people who have opened Home before: publishing for
everyone would spend Slack's rate limit on tabs nobody looks at. Publications run in the
background, one at a time per person, and coalesce: changes arriving while a person's Home is
being published lead to one more publication, of the state as it then is. Failures are logged;
they never hold up or fail the request that changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.background import BackgroundTasks
from bot.domain import ChangeRequest
from bot.services.home import HomeService
from bot.views.home import home_view

logger = logging.getLogger(__name__)


class HomePublisher:
    """Builds a person's Home from `HomeService` and publishes it."""

    def __init__(
        self, *, client: AsyncWebClient, homes: HomeService, tasks: BackgroundTasks
    ) -> None:
        self._client = client
        self._homes = homes
        self._tasks = tasks
        self._due: set[str] = set()  # people whose Home is to be published (again)
        self._publishing: set[str] = set()  # people whose Home is being published now

    async def opened(self, user_id: str) -> None:
        """The person opened Home: remember them, and publish theirs."""
        await self._homes.opened(user_id=user_id)
        self.publish_soon([user_id])

    def request_changed(self, request: ChangeRequest) -> None:
        """Publish again, in the background, the Homes this request concerns."""
        self._tasks.spawn(
            self._refresh_concerned(request),
            name=f"Home of the people concerned by request #{request.id}",
            on_error=self._log_failure,
        )

    def publish_soon(self, user_ids: Iterable[str]) -> None:
        """Publish these people's Homes in the background (once more for each one being
        published now)."""
        for user_id in user_ids:
            self._due.add(user_id)
            if user_id not in self._publishing:
                self._publishing.add(user_id)
                self._tasks.spawn(
                    self._publish_while_due(user_id),
                    name=f"Home of {user_id}",
                    on_error=self._log_failure,
                )

    async def _refresh_concerned(self, request: ChangeRequest) -> None:
        self.publish_soon(sorted(await self._homes.concerned_viewers(request)))

    async def _publish_while_due(self, user_id: str) -> None:
        try:
            while user_id in self._due:
                self._due.discard(user_id)
                await self._publish(user_id)
        finally:
            self._publishing.discard(user_id)

    async def _publish(self, user_id: str) -> None:
        home = await self._homes.home(user_id=user_id)
        try:
            await self._client.views_publish(user_id=user_id, view=home_view(home).to_dict())
        except SlackApiError as exc:
            logger.warning(
                "could not publish the Home of %s: %s", user_id, exc.response.get("error")
            )

    @staticmethod
    async def _log_failure(error: BaseException) -> None:
        logger.error("publishing a Home failed", exc_info=(type(error), error, error.__traceback__))
