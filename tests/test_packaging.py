"""The repository's layout ships as the product: the top-level `migrations/` inside `bot`, the
stand-ins as their own package, both in an editable install and in a built wheel."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIP = [sys.executable, "-m", "pip", "--quiet"]
# Where each installed package's folder is in the repository (pyproject's package-dir, by hand).
SOURCES = {
    "bot": ROOT / "bot",
    "bot.migrations": ROOT / "migrations",
    "sms_handlers_sandbox": ROOT / "sandbox" / "sms_handlers_sandbox",
}


def _folder_of(package: str) -> Path:
    for name in sorted(SOURCES, key=len, reverse=True):
        if package == name or package.startswith(name + "."):
            return SOURCES[name].joinpath(*package.removeprefix(name).strip(".").split("."))
    raise AssertionError(f"{package} is under none of {sorted(SOURCES)}")


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    listed = set(config["setuptools"]["packages"])
    assert config["setuptools"]["package-dir"] == {
        "bot.migrations": "migrations",
        "sms_handlers_sandbox": "sandbox/sms_handlers_sandbox",
    }
    on_disk = set()
    for top, folder in SOURCES.items():
        for init in folder.rglob("__init__.py"):
            relative = init.parent.relative_to(folder).parts
            on_disk.add(".".join((top, *relative)))
    # bot/ holds no folder named migrations, so the mapped package cannot be shadowed.
    assert not (ROOT / "bot" / "migrations").exists()
    assert listed == on_disk, (
        "pyproject.toml's [tool.setuptools] packages must list every package folder: "
        f"missing {sorted(on_disk - listed)}, extra {sorted(listed - on_disk)}"
    )
    assert all(_folder_of(p).is_dir() for p in listed)


def _migrate_from_elsewhere(python: Path, cwd: Path) -> tuple[str, str]:
    """Run `sms-handlers db upgrade` and `db current` as a separate process in `cwd`; return the
    file the scripts came from and what `db current` printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PYTHON"))}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{cwd / 'bot.db'}"
    cli = [str(python), "-m", "bot.cli"]
    for args in (["db", "upgrade"], ["db", "current"]):
        done = subprocess.run(
            [*cli, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    where = subprocess.run(
        [str(python), "-c", "import bot.db.migrate as m; print(m.SCRIPT_LOCATION)"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return where.stdout.strip(), done.stdout


def test_editable_install_migrates_from_any_directory(tmp_path: Path) -> None:
    scripts, current = _migrate_from_elsewhere(Path(sys.executable), tmp_path)

    assert Path(scripts) == ROOT / "migrations"
    assert "(the newest)" in current


@pytest.mark.slow
def test_built_wheel_in_a_fresh_venv_migrates_and_runs_the_sandbox(tmp_path: Path) -> None:
    wheels, source = tmp_path / "wheels", tmp_path / "source"
    # Built from a copy of what the distribution is made of, so the build leaves nothing
    # (setuptools' build/ folder) in the checkout.
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for part in ("bot", "migrations", "sandbox/sms_handlers_sandbox"):
        shutil.copytree(ROOT / part, source / part, ignore=skip)
    for part in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / part, source / part)
    built = subprocess.run(
        [
            *PIP,
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(wheels),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = wheels.glob("sms_handlers-*.whl")
    fresh = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=False).create(fresh)
    python = fresh / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # The wheel alone, into the fresh venv; its dependencies are read from this environment's
    # site-packages, added after the fresh one (a .pth there does not run the editable finder).
    subprocess.run(
        [*PIP, "install", "--no-deps", "--no-compile", "--target", str(purelib), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (purelib / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    scripts, current = _migrate_from_elsewhere(python, elsewhere)

    assert Path(scripts) == purelib / "bot" / "migrations"
    assert (purelib / "bot" / "migrations" / "versions" / "0001_initial.py").is_file()
    assert "(the newest)" in current
    stand_in = subprocess.run(
        [str(python), "-c", "import sms_handlers_sandbox.console as c; print(c.__file__)"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
    )
    assert stand_in.stdout.startswith(str(purelib))
