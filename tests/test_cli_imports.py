"""`sms-handlers --help` loads no heavy library: each command imports its own when it runs."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = {
    "aiohttp",
    "aiosqlite",
    "alembic",
    "asyncpg",
    "pydantic",
    "pydantic_settings",
    "rapidfuzz",
    "ringcentral",
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
}


def imported_modules(*args: str) -> tuple[set[str], str]:
    """The modules `python -m bot.cli ARGS` imported, and what it printed."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    names = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names, done.stdout


def imported_packages(*args: str) -> tuple[set[str], str]:
    """The top-level packages `python -m bot.cli ARGS` imported, and what it printed."""
    modules, shown = imported_modules(*args)
    return {module.split(".")[0] for module in modules}, shown


@pytest.mark.parametrize(
    "args",
    [("--help",), ("serve", "--help"), ("handlers", "--help"), ("db", "upgrade", "--help")],
)
def test_help_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    imported, shown = imported_packages(*args)

    assert "bot" in imported and "usage: sms-handlers" in shown
    assert imported & HEAVY == set()


def test_help_loads_neither_asyncio_nor_the_domain_records() -> None:
    # The largest of the rest (issue 11: `--help` in 0.3 s): they load when a command runs.
    imported, shown = imported_modules("--help")

    assert "usage: sms-handlers" in shown
    assert imported & {"asyncio", "bot.domain"} == set()


def test_the_help_names_the_paths_the_app_serves() -> None:
    from bot import http_paths

    _, shown = imported_packages("serve", "--help")
    assert http_paths.EVENTS_PATH in shown and http_paths.HEALTH_PATH in shown
