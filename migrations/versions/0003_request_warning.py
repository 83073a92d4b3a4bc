"""Give an applied request's warning its own column: `change_requests.warning`.

Until now a request applied with a warning (new handlers RingCentral reports as not assignable or
unlicensed) kept it in `error_code = 'UNREADY_HANDLERS'` and `error_message`; those rows move to
`warning`, and back on downgrade. Only `change_requests` changes: the audit log and its
append-only triggers are left alone (past `applied` events keep their details as written).

Plain `ALTER TABLE … ADD/DROP COLUMN` on both databases (SQLite has DROP COLUMN since 3.35, which
the repository's `RETURNING` needs anyway). Batch mode would copy `change_requests` and drop the
original, which the audit log's foreign key refuses while foreign keys are enforced.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UNREADY_HANDLERS = "UNREADY_HANDLERS"


def upgrade() -> None:
    op.add_column("change_requests", sa.Column("warning", sa.Text(), nullable=True))
    op.execute(
        sa.text(
            "UPDATE change_requests SET warning = error_message, error_code = NULL,"
            " error_message = NULL WHERE error_code = :code"
        ).bindparams(code=_UNREADY_HANDLERS)
    )


def downgrade() -> None:
    op.execute(
        sa.text(
            "UPDATE change_requests SET error_code = :code, error_message = warning"
            " WHERE warning IS NOT NULL"
        ).bindparams(code=_UNREADY_HANDLERS)
    )
    op.drop_column("change_requests", "warning")
