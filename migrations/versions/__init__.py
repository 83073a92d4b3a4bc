"""Alembic revisions (Alembic loads them by path; this file only makes them part of the package)."""
