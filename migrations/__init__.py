"""Alembic scripts. Installed inside the product as `bot.migrations` (see pyproject.toml), so an
installed bot can upgrade its database from any directory."""
