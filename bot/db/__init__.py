"""Persistence: the audit log, change requests and handler snapshots (SQLite or PostgreSQL)."""
