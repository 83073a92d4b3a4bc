"""The Dockerfile builds an image whose entry point is the bot, run by an unprivileged user.

Needs a Docker daemon (and the base image and the package index, as any build does); skipped,
saying why, where none answers.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD_TIMEOUT_SECONDS = 900

pytestmark = pytest.mark.slow


def _docker_or_skip() -> str:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client on this machine")
    try:
        info = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except subprocess.TimeoutExpired:
        pytest.skip("the Docker daemon did not answer within 30 s")
    if info.returncode != 0:
        reason = (info.stderr.strip().splitlines() or ["no reason given"])[-1]
        pytest.skip(f"no Docker daemon answers: {reason}")
    return docker


@pytest.fixture(scope="module")
def image() -> Iterator[tuple[str, str]]:
    docker = _docker_or_skip()
    tag = f"sms-handlers-test:{uuid.uuid4().hex[:12]}"
    built = subprocess.run(
        [docker, "build", "--tag", tag, str(ROOT)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_SECONDS,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    try:
        yield docker, tag
    finally:
        subprocess.run([docker, "image", "rm", "--force", tag], capture_output=True, timeout=120)


def test_the_image_runs_the_bot(image: tuple[str, str]) -> None:
    docker, tag = image
    shown = subprocess.run(
        [docker, "run", "--rm", "--network", "none", tag, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: sms-handlers")
    assert "serve" in shown.stdout and "db" in shown.stdout


def test_the_image_runs_as_an_unprivileged_user(image: tuple[str, str]) -> None:
    docker, tag = image
    whoami = subprocess.run(
        [docker, "run", "--rm", "--network", "none", "--entrypoint", "id", tag, "-u"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert whoami.returncode == 0, whoami.stderr
    assert whoami.stdout.strip() != "0"


def test_the_image_migrates_a_database_from_its_working_directory(image: tuple[str, str]) -> None:
    docker, tag = image
    migrated = subprocess.run(
        [docker, "run", "--rm", "--network", "none", tag, "db", "upgrade"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
