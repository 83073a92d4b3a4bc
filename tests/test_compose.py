"""compose.yaml runs PostgreSQL, then the migrations, then `serve --http` with a health check, and
passes every setting the bot reads; the Dockerfile and .dockerignore build the bot's image.

Checked on the files, so they hold on machines without Docker; tests/test_container_image.py
builds and runs the image where a Docker daemon answers.
"""

from __future__ import annotations

import shlex
import tomllib
from pathlib import Path
from typing import Any

import yaml

from bot.app import HEALTH_PATH
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return data


def services() -> dict[str, Any]:
    found: dict[str, Any] = compose()["services"]
    return found


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    found = []
    for line in lines:
        if line and not line.startswith("#"):
            instruction, _, arguments = line.partition(" ")
            found.append((instruction.upper(), arguments.strip()))
    return found


def test_services_start_in_order_database_then_migrations_then_the_bot() -> None:
    found = services()
    assert set(found) == {"db", "migrate", "bot"}

    migrate, bot = found["migrate"], found["bot"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert migrate["restart"] == "no"  # runs once and exits
    assert bot["command"][:2] == ["serve", "--http"]
    assert bot["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    # The bot does not migrate at start-up itself: the migrate service did, once.
    assert bot["environment"]["SMS_HANDLERS_AUTO_MIGRATE"] == "false"
    assert migrate["image"] == bot["image"] and migrate["build"] == bot["build"] == "."


def test_postgresql_keeps_its_data_in_a_volume_and_says_when_it_is_ready() -> None:
    db = services()["db"]
    volume, _, target = db["volumes"][0].partition(":")
    assert target == "/var/lib/postgresql/data"
    assert volume in compose()["volumes"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    env = db["environment"]
    url = services()["bot"]["environment"]["DATABASE_URL"]
    assert url == (
        f"postgresql://{env['POSTGRES_USER']}:{env['POSTGRES_PASSWORD']}@db:5432/{env['POSTGRES_DB']}"
    )
    assert services()["migrate"]["environment"]["DATABASE_URL"] == url


def test_the_bot_is_healthy_when_healthz_answers_on_its_port() -> None:
    bot = services()["bot"]
    command = bot["command"]
    port = command[command.index("--port") + 1]
    assert bot["ports"] == [f"{port}:{port}"]
    kind, *probe = bot["healthcheck"]["test"]
    assert kind == "CMD" and probe[:2] == ["python", "-c"]
    code = probe[2]
    compile(code, "healthcheck", "exec")  # valid Python
    assert f"http://127.0.0.1:{port}{HEALTH_PATH}" in code
    assert bot["stop_grace_period"]  # SIGTERM, then time to stop


def test_every_setting_the_bot_reads_is_passed_to_its_containers() -> None:
    settings = {field.alias for field in Settings.model_fields.values() if field.alias}
    for name in ("migrate", "bot"):
        assert set(services()[name]["environment"]) == settings, name


def test_the_image_runs_the_bot_as_an_unprivileged_user_serving_http() -> None:
    instructions = dockerfile_instructions()
    stages = [args for name, args in instructions if name == "FROM"]
    assert len(stages) == 2  # built in one stage, only the installed result in the other
    user = [args for name, args in instructions if name == "USER"][-1]
    assert user.split(":")[0] not in {"0", "root"}
    assert ("ENTRYPOINT", '["sms-handlers"]') in instructions
    assert ("CMD", '["serve", "--http"]') in instructions
    run_lines = " ".join(args for name, args in instructions if name == "RUN")
    fetchers = {"curl", "wget", "git"}  # only the package index is used
    assert not fetchers & set(shlex.split(run_lines))


def test_the_build_context_holds_what_the_package_needs_and_nothing_secret() -> None:
    ignore = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert ignore[0] == "*"  # everything is left out unless named
    allowed = {line.removeprefix("!").rstrip("/") for line in ignore if line.startswith("!")}
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    needed = {"pyproject.toml", config["project"]["readme"], "bot"}
    needed |= set(config["tool"]["setuptools"]["package-dir"].values())
    assert needed <= allowed
    copied = {
        source.rstrip("/")
        for name, args in dockerfile_instructions()
        if name == "COPY" and not args.startswith("--from")
        for source in args.split()[:-1]
    }
    assert copied == needed  # what the Dockerfile copies is in the context
    assert not {".env", ".venv", ".git"} & allowed
