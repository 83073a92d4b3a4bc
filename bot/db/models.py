"""Tables: change requests, the append-only audit log, and the last handlers seen per resource.

Extension lists are JSON arrays of `{"id", "name", "extension_number"}` objects. Statuses, actions
and resource types are stored as their enum values (see bot/domain.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime
from bot.domain import RequestStatus

ID_LENGTH = 64
NAME_LENGTH = 255
SLACK_REF_LENGTH = 64

_STATUS_VALUES = ", ".join(f"'{status.value}'" for status in RequestStatus)

JsonList = list[dict[str, Any]]


class ChangeRequestRow(Base):
    __tablename__ = "change_requests"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="status_known"),
        Index(None, "status", "id"),
        Index(None, "resource_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    resource_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    resource_type: Mapped[str] = mapped_column(String(32))
    resource_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    requester_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    requester_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    add_extensions: Mapped[JsonList] = mapped_column(JSON)
    remove_extensions: Mapped[JsonList] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    decided_by_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error_code: Mapped[str | None] = mapped_column(String(128))
    error_message: Mapped[str | None] = mapped_column(Text)
    warning: Mapped[str | None] = mapped_column(Text)
    handlers_before: Mapped[JsonList | None] = mapped_column(JSON)
    handlers_after: Mapped[JsonList | None] = mapped_column(JSON)
    slack_channel_id: Mapped[str | None] = mapped_column(String(SLACK_REF_LENGTH))
    slack_message_ts: Mapped[str | None] = mapped_column(String(SLACK_REF_LENGTH))
    requester_channel_id: Mapped[str | None] = mapped_column(String(SLACK_REF_LENGTH))
    requester_message_ts: Mapped[str | None] = mapped_column(String(SLACK_REF_LENGTH))


class AuditEventRow(Base):
    """Append-only: the code never updates or deletes a row (a trigger enforces it)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index(None, "resource_id", "id"),
        Index(None, "actor_id", "id"),
        Index(None, "request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    actor_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    action: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    resource_type: Mapped[str | None] = mapped_column(String(32))
    resource_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("change_requests.id"))
    added: Mapped[JsonList] = mapped_column(JSON)
    removed: Mapped[JsonList] = mapped_column(JSON)
    handlers_before: Mapped[JsonList | None] = mapped_column(JSON)
    handlers_after: Mapped[JsonList | None] = mapped_column(JSON)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class HandlerSnapshotRow(Base):
    """The SMS handlers the bot last saw on a resource, to notice changes made outside it."""

    __tablename__ = "handler_snapshots"

    resource_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    handlers: Mapped[JsonList] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
