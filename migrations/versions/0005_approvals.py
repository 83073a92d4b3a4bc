"""M-of-N approval, per-rule channels, expiry, reminders and escalation.

- `request_approvals`: one row per approval, unique per request and approver (nobody counts
  twice);
- `change_requests.policy_rule` / `approvals_required`: the rule that applied when the request
  was made and the distinct approvals it needs (1 for every request made before);
- `change_requests.expires_at`, `remind_every_seconds`, `next_reminder_at`, `reminded_at`,
  `escalate_at`, `escalated_at`: its deadlines, and what the background jobs have done about them.

Plain `ALTER TABLE … ADD/DROP COLUMN` on both databases, as in 0003 and 0004.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_REQUEST_COLUMNS = (
    sa.Column("policy_rule", sa.String(length=255), nullable=True),
    sa.Column("approvals_required", sa.Integer(), server_default="1", nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("remind_every_seconds", sa.Integer(), nullable=True),
    sa.Column("next_reminder_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
)


def upgrade() -> None:
    for column in _REQUEST_COLUMNS:
        op.add_column("change_requests", column)
    op.create_table(
        "request_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("approver_id", sa.String(length=64), nullable=False),
        sa.Column("approver_name", sa.String(length=255), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["change_requests.id"],
            name=op.f("fk_request_approvals_request_id_change_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_approvals")),
        sa.UniqueConstraint(
            "request_id", "approver_id", name=op.f("uq_request_approvals_request_id_approver_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("request_approvals")
    for column in reversed(_REQUEST_COLUMNS):
        op.drop_column("change_requests", column.name)
