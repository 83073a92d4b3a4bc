"""Recording what was read of a resource's handlers: the one way a snapshot is written.

Every live read (a card, a form, a review, a `who` or drift scan, an apply's reads before and
after its change, recovery's) ends here, and the repository's `record_reading` compares it with
the stored snapshot in the same transaction: a difference the bot did not make becomes one
`external_change` event, which `ChangeAlerts` then announces (SMS_HANDLERS_DRIFT_CHANNEL).
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.db.repository import RecordedReading, Repository
from bot.domain import AuditEvent, ExtensionRef
from bot.services.directory import HandlerReading

logger = logging.getLogger(__name__)


class ChangeAlerts(Protocol):
    """Tells people of a change made outside the bot (bot/slackapi/drift.py over Slack)."""

    def announce(self, event: AuditEvent) -> None:
        """Start telling of this `external_change` event; returns at once."""
        ...


async def record_reading(repo: Repository, reading: HandlerReading) -> RecordedReading:
    """Record the reading as the resource's snapshot, in the caller's transaction."""
    resource = reading.resource
    return await repo.record_reading(
        resource_id=resource.id,
        resource_type=resource.type,
        resource_name=resource.name,
        handlers=[ExtensionRef(h.id, h.name, h.extension_number) for h in reading.handlers],
        read_at=reading.read_at,
        bot_added=reading.bot_added,
        bot_removed=reading.bot_removed,
    )


def tell_of(change: AuditEvent, alerts: ChangeAlerts | None) -> None:
    """Log a change made outside the bot that was just recorded, and announce it."""
    logger.info(
        "the SMS handlers of %s were changed outside the bot (audit event #%s)",
        change.resource_id,
        change.id,
    )
    if alerts is not None:
        alerts.announce(change)
