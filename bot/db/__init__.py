"""Persistence: the audit log, change requests and recipient snapshots (SQLite or PostgreSQL)."""
