"""Alembic scripts, shipped inside the package so an installed bot can upgrade its database."""
