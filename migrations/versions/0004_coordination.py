"""What several instances and restarts coordinate through.

- `change_requests.apply_owner` / `apply_lease_until`: the instance applying a request and how
  long its claim lasts, so a request whose owner died is taken over, never left in `applying`;
- `change_requests.notified_status`: the status its Slack messages last showed;
- `coordinator_leases`: one row per piece of background work, held by one instance at a time;
- `rate_limit_state`: RingCentral's rate-limit state per group, learned by any instance.

Plain `ALTER TABLE … ADD/DROP COLUMN` on both databases, as in 0003 (batch mode would copy
`change_requests`, which the audit log's foreign key refuses).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REQUEST_COLUMNS = (
    sa.Column("apply_owner", sa.String(length=128), nullable=True),
    sa.Column("apply_lease_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("notified_status", sa.String(length=16), nullable=True),
)


def upgrade() -> None:
    for column in _REQUEST_COLUMNS:
        op.add_column("change_requests", column)
    op.create_table(
        "coordinator_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_coordinator_leases")),
    )
    op.create_table(
        "rate_limit_state",
        sa.Column("rate_group", sa.String(length=32), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("rate_group", name=op.f("pk_rate_limit_state")),
    )


def downgrade() -> None:
    op.drop_table("rate_limit_state")
    op.drop_table("coordinator_leases")
    for column in reversed(_REQUEST_COLUMNS):
        op.drop_column("change_requests", column.name)
