"""Offboarding: one request removing a person from every resource they handle.

- `change_requests.kind`: 'change' (every request made before) or 'offboarding';
- `change_requests.targets`: an offboarding's resources (JSON);
- `change_requests.parent_id`: a child request's offboarding, indexed (the children of an
  offboarding are read with it). No foreign key: SQLite cannot add one without copying
  `change_requests` (batch mode), which the audit log's foreign key refuses; only the
  repository writes it, with the offboarding's id.

Plain `ALTER TABLE … ADD/DROP COLUMN` on both databases, as in 0005.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "change_requests",
        sa.Column("kind", sa.String(length=16), server_default="change", nullable=False),
    )
    op.add_column("change_requests", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.add_column("change_requests", sa.Column("targets", sa.JSON(), nullable=True))
    op.create_index(
        op.f("ix_change_requests_parent_id"), "change_requests", ["parent_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_change_requests_parent_id"), table_name="change_requests")
    op.drop_column("change_requests", "targets")
    op.drop_column("change_requests", "parent_id")
    op.drop_column("change_requests", "kind")
