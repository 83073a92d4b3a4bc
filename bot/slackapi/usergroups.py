"""`UserGroups` over Slack's usergroups.list and usergroups.users.list (scope usergroups:read)."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient


class SlackUserGroups:
    """Reads user groups through the Web API."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def group_ids_by_handle(self) -> dict[str, str]:
        """Every user group's id, by its handle (without the `@`)."""
        response = await self._client.usergroups_list()
        groups = response.get("usergroups") or []
        return {str(g["handle"]): str(g["id"]) for g in groups if "handle" in g and "id" in g}

    async def group_members(self, group_id: str) -> frozenset[str]:
        """The Slack user ids in one group."""
        response = await self._client.usergroups_users_list(usergroup=group_id)
        return frozenset(str(user) for user in response.get("users") or [])
