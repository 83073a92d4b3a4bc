"""Say "handlers" as the product does: `recipients_before/after` become `handlers_before/after`
and `recipient_snapshots` becomes `handler_snapshots` (RingCentral's API keeps "recipients").

Plain `ALTER TABLE … RENAME` on both databases: no table is copied, so the audit log's
append-only triggers stay as they are.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES_WITH_LISTS = ("change_requests", "audit_events")


def _rename(*, old: str, new: str) -> None:
    """`old`/`new` is "recipient" or "handler"."""
    for table in _TABLES_WITH_LISTS:
        for when in ("before", "after"):
            op.execute(f"ALTER TABLE {table} RENAME COLUMN {old}s_{when} TO {new}s_{when}")
    op.rename_table(f"{old}_snapshots", f"{new}_snapshots")
    op.execute(f"ALTER TABLE {new}_snapshots RENAME COLUMN {old}s TO {new}s")
    if op.get_bind().dialect.name == "postgresql":  # SQLite keeps constraint names in its DDL text
        table = f"{new}_snapshots"
        op.execute(f"ALTER TABLE {table} RENAME CONSTRAINT pk_{old}_snapshots TO pk_{table}")


def upgrade() -> None:
    _rename(old="recipient", new="handler")


def downgrade() -> None:
    _rename(old="handler", new="recipient")
