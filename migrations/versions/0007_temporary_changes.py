"""Temporary changes.

- `change_requests.temporary_until` / `temporary_seconds`: what the requester asked (an end, or a
  length counted from when the change is applied) and `time_zone`, theirs when they asked;
- `change_requests.ends_at` (indexed: the background job looks for ends due) and `ended_at`:
  when a running temporary change ends and when that end was acted on; `end_skipped`: what its
  revert left alone and why;
- `change_requests.reverts_request_id`: on the bot's revert of a temporary change, the change it
  reverts (unique: one revert each, so none is applied twice);
- `temporary_notices`: the notices sent (or being sent) about each end time.

Plain `ALTER TABLE … ADD/DROP COLUMN`, as in 0004 (batch mode would copy `change_requests`,
which the audit log's foreign key refuses); the indexes are created separately.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REQUEST_COLUMNS = (
    sa.Column("temporary_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("temporary_seconds", sa.Integer(), nullable=True),
    sa.Column("time_zone", sa.String(length=64), nullable=True),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("end_skipped", sa.JSON(), nullable=True),
    sa.Column("reverts_request_id", sa.Integer(), nullable=True),
)


def upgrade() -> None:
    for column in _REQUEST_COLUMNS:
        op.add_column("change_requests", column)
    op.create_index(
        op.f("ix_change_requests_ends_at"), "change_requests", ["ends_at"], unique=False
    )
    op.create_index(
        op.f("ix_change_requests_reverts_request_id"),
        "change_requests",
        ["reverts_request_id"],
        unique=True,
    )
    op.create_table(
        "temporary_notices",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["change_requests.id"],
            name=op.f("fk_temporary_notices_request_id_change_requests"),
        ),
        sa.PrimaryKeyConstraint("request_id", "kind", "ends_at", name=op.f("pk_temporary_notices")),
    )


def downgrade() -> None:
    op.drop_table("temporary_notices")
    op.drop_index(op.f("ix_change_requests_reverts_request_id"), table_name="change_requests")
    op.drop_index(op.f("ix_change_requests_ends_at"), table_name="change_requests")
    for column in reversed(_REQUEST_COLUMNS):
        op.drop_column("change_requests", column.name)
