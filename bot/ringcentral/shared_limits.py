"""What a `RateGate` shares with the gates of other instances, and the groups it starts from.

RingCentral counts calls per user and app, so every instance of the bot spends from the same
rate groups, and a call made during a group's penalty restarts it. A gate given a
`SharedRateLimits` reports what each answer said about its group (`observed`) and asks before
each call whether other instances' answers forbid it (`admit`). bot.services.rate_sharing keeps
that state in the database.

A gate learns a route's group from the first answer; before that it knows only the route. So
that a new instance does not make its first call into a group another instance saw penalised,
`DOCUMENTED_GROUPS` gives the groups of the routes the bot calls, from RingCentral's API
reference; the headers stay the authority.
"""

from __future__ import annotations

from typing import Protocol

_V1 = "/restapi/v1.0/account/~"
DOCUMENTED_GROUPS: dict[str, str] = {
    f"GET {_V1}/extension": "Medium",
    f"GET {_V1}/call-queues": "Medium",
    f"GET {_V1}/sites": "Light",
    f"GET {_V1}/ivr-menus": "Medium",
    "GET /restapi/v2/accounts/~/phone-numbers": "Heavy",
    f"GET {_V1}/extension/{{id}}/phone-number": "Light",
    f"GET {_V1}/extension/{{id}}/sms-recipients": "Light",
    f"POST {_V1}/extension/{{id}}/sms-recipients/bulk-assign": "Medium",
    f"GET {_V1}/extension/~/features": "Medium",
}


def rate_group(route: str, group: str) -> str | None:
    """The group a gate's call counts in: the one learnt from headers (a gate names an unknown
    route's group after the route), else the documented one, else None."""
    if group != route:
        return group
    return DOCUMENTED_GROUPS.get(route)


class SharedRateLimits(Protocol):
    """Rate-limit knowledge shared by the instances of the bot."""

    async def admit(self, route: str, group: str) -> float:
        """0 when a call on `route` (in `group`, as the gate knows it) may go now; otherwise
        the seconds to hold the group, because another instance saw it penalised or used up."""
        ...

    def observed(
        self,
        route: str,
        group: str,
        *,
        remaining: int,
        window_seconds: float,
        hold_seconds: float = 0.0,
    ) -> None:
        """An answer said `remaining` calls are left in a window of `window_seconds`;
        `hold_seconds` > 0: no call of the group may go for that long (429, or none left)."""
        ...
