"""A clock tests move instead of sleeping: services take it as `clock` (aware UTC datetimes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class MovableClock:
    """Now is `now` until a test moves it; starts at the real time (so leases and Slack's
    timestamps stay believable)."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, by: timedelta) -> datetime:
        """Move time forward; the new now."""
        self.now += by
        return self.now
