"""App Home: who has opened it, and requests looked up by their requester.

- `home_viewers`: the Slack users who have opened the Home tab (with their Slack email), so that
  any instance can publish their Home again when a request concerning them changes;
- an index on `change_requests (requester_id, id)` for "my open requests" and "the resources I
  requested before".

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "home_viewers",
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_home_viewers")),
    )
    op.create_index(op.f("ix_home_viewers_email"), "home_viewers", ["email"], unique=False)
    op.create_index(
        op.f("ix_change_requests_requester_id_id"),
        "change_requests",
        ["requester_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_change_requests_requester_id_id"), table_name="change_requests")
    op.drop_index(op.f("ix_home_viewers_email"), table_name="home_viewers")
    op.drop_table("home_viewers")
