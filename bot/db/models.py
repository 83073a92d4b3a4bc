"""Tables: change requests, the append-only audit log, the last handlers seen per resource,
what several bot instances coordinate through (leases, RingCentral's rate-limit state), and who
has opened the app's Home tab.

Extension lists are JSON arrays of `{"id", "name", "extension_number"}` objects. Statuses, actions
and resource types are stored as their enum values (see bot/domain.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UtcDateTime
from bot.domain import RequestStatus

ID_LENGTH = 64
NAME_LENGTH = 255
SLACK_REF_LENGTH = 64
OWNER_LENGTH = 128
TIME_ZONE_LENGTH = 64

_STATUS_VALUES = ", ".join(f"'{status.value}'" for status in RequestStatus)

JsonList = list[dict[str, Any]]


class ChangeRequestRow(Base):
    __tablename__ = "change_requests"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="status_known"),
        Index(None, "status", "id"),
        Index(None, "resource_id", "id"),
        Index(None, "requester_id", "id"),
        Index(None, "reverts_request_id", unique=True),
        Index(None, "parent_id"),
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
    # Who is applying it and until when: an owner that dies stops renewing, and once the lease
    # has run out another instance (or this one after a restart) takes the request over.
    apply_owner: Mapped[str | None] = mapped_column(String(OWNER_LENGTH))
    apply_lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The status the request's Slack messages last showed (re-sent when it differs from `status`).
    notified_status: Mapped[str | None] = mapped_column(String(16))
    # What the policy fixed when the request was made (migration 0005): its rule, the distinct
    # approvals it needs, and its deadlines. `next_reminder_at` moves on by `remind_every_seconds`
    # each time a reminder is claimed; `escalated_at` is set once, by whoever escalates it.
    policy_rule: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    approvals_required: Mapped[int] = mapped_column(Integer, server_default="1")
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    remind_every_seconds: Mapped[int | None] = mapped_column(Integer)
    next_reminder_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalate_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # A temporary change: what was asked (an end, or a length once applied), the requester's
    # time zone, when it ends (set when applied, moved by Extend / End now), when its end was
    # acted on and what its revert left alone. A revert names the change it reverts; one each.
    temporary_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    temporary_seconds: Mapped[int | None] = mapped_column(Integer)
    time_zone: Mapped[str | None] = mapped_column(String(TIME_ZONE_LENGTH))
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    end_skipped: Mapped[JsonList | None] = mapped_column(JSON)
    reverts_request_id: Mapped[int | None] = mapped_column(Integer)
    # Offboarding (migration 0008_offboarding): `kind` is 'offboarding' for a request removing one
    # person (resource_id: their extension id, resource_type 'person') from every resource in
    # `targets` ({"id", "type", "name"} objects); once approved it owns one child request per
    # resource, each with `parent_id` set to it.
    kind: Mapped[str] = mapped_column(String(16), server_default="change")
    parent_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: see migration 0008
    targets: Mapped[JsonList | None] = mapped_column(JSON)


class RequestApprovalRow(Base):
    """One approver's approval of a request: one row per request and approver, so nobody
    counts twice."""

    __tablename__ = "request_approvals"
    __table_args__ = (UniqueConstraint("request_id", "approver_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id"))
    approver_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    approver_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime)
    comment: Mapped[str | None] = mapped_column(Text)


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


class CoordinatorLeaseRow(Base):
    """A named piece of background work and the instance allowed to run it until `expires_at`."""

    __tablename__ = "coordinator_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(OWNER_LENGTH))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acquired_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RateLimitStateRow(Base):
    """What RingCentral said last about one rate group, shared by every instance."""

    __tablename__ = "rate_limit_state"

    rate_group: Mapped[str] = mapped_column(String(32), primary_key=True)
    # No call of this group before this moment (a 429's Retry-After, or an exhausted window).
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    remaining: Mapped[int | None] = mapped_column(Integer)
    window_ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class HomeViewerRow(Base):
    """A Slack user who has opened the app's Home tab: their Home is published again whenever a
    request that concerns them changes (in the database, so every instance knows them)."""

    __tablename__ = "home_viewers"
    __table_args__ = (Index(None, "email"),)

    user_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    # Their Slack email when they last opened Home, lower-cased: a request that adds or removes
    # the RingCentral user with that email changes what their Home shows.
    email: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TemporaryNoticeRow(Base):
    """A notice about a temporary change (`kind`) for one end time: claimed by an instance
    while it sends it, then marked sent, so it goes out once across instances and restarts."""

    __tablename__ = "temporary_notices"

    request_id: Mapped[int] = mapped_column(ForeignKey("change_requests.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    owner: Mapped[str] = mapped_column(String(OWNER_LENGTH))
    claimed_until: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
