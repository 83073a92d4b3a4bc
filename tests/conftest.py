"""Shared test configuration. Area-specific fixtures live in tests/support/ and sub-conftests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """Tests never read a developer's real settings or .env file."""
    for name in list(os.environ):
        if name.startswith(("RINGCENTRAL_", "SLACK_", "SMS_HANDLERS_")) and name not in {
            "SMS_HANDLERS_TEST_POSTGRES_URL",
            "SMS_HANDLERS_REQUIRE_POSTGRES",
        }:
            monkeypatch.delenv(name, raising=False)
    for name in ("DATABASE_URL", "LOG_LEVEL", "LOG_FORMAT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(tmp_path))
