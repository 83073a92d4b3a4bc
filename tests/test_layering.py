"""The layering of docs/ARCHITECTURE.md, checked on the source: what each layer may import.

listeners → services → ringcentral / db; views and the policy model (bot/policy) are pure; no
Slack type below the listeners; SQL only in bot/db; the product loads the stand-ins
(sms_handlers_sandbox) only lazily, for `demo`, `sandbox` and `--sandbox`, and the stand-ins never
import the product.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"bot": ROOT / "bot", "sms_handlers_sandbox": ROOT / "sandbox" / "sms_handlers_sandbox"}

SLACK = ("slack_sdk", "slack_bolt")
# What a module in each layer must not import (prefixes of module names).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "bot.listeners": ("bot.db", "bot.ringcentral", "bot.container", "sqlalchemy", "aiohttp"),
    "bot.services": (
        *SLACK,
        "bot.listeners",
        "bot.views",
        "bot.slackapi",
        "bot.app",
        "bot.container",
        "bot.cli",
        "sqlalchemy",
    ),
    "bot.views": (
        "slack_bolt",
        "slack_sdk.web",
        "bot.listeners",
        "bot.slackapi",
        "bot.db",
        "bot.ringcentral",
        "bot.app",
        "bot.container",
        "bot.cli",
        "sqlalchemy",
        "aiohttp",
        "asyncio",
    ),
    "bot.policy": (
        *SLACK,
        "bot.services",
        "bot.listeners",
        "bot.views",
        "bot.slackapi",
        "bot.db",
        "bot.ringcentral",
        "bot.app",
        "bot.container",
        "bot.cli",
        "sqlalchemy",
        "aiohttp",
        "asyncio",
    ),
    "bot.db": (*SLACK, "bot.services", "bot.listeners", "bot.views", "bot.ringcentral"),
    "bot.ringcentral": (*SLACK, "bot.services", "bot.listeners", "bot.views", "bot.db"),
    "bot.domain": (*SLACK, "sqlalchemy", "aiohttp", "bot.services", "bot.db", "bot.views"),
    "bot.errors": (*SLACK, "sqlalchemy", "aiohttp", "bot.services", "bot.db", "bot.views"),
    "bot.inputs": (*SLACK, "sqlalchemy", "aiohttp", "bot.services", "bot.db", "bot.views"),
    "sms_handlers_sandbox": ("bot",),
}
# The only product modules that may load the stand-ins, and only inside a function.
SANDBOX_LOADERS = {"bot.cli.serve", "bot.cli.sandbox", "bot.cli.rc_context"}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports
    line: int
    lazy: bool  # inside a function, or only for type checking


def _module_name(package: str, folder: Path, path: Path) -> str:
    parts = [package, *path.relative_to(folder).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, tree: ast.AST) -> list[Import]:
    found: list[Import] = []

    def visit(node: ast.AST, lazy: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = lazy or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.If) and _is_type_checking(child):
                inner = True
            if isinstance(child, ast.Import):
                found.extend(Import(module, a.name, child.lineno, lazy) for a in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append(Import(module, child.module, child.lineno, lazy))
                found.extend(
                    Import(module, f"{child.module}.{a.name}", child.lineno, lazy)
                    for a in child.names
                )
            visit(child, inner)

    visit(tree, False)
    return found


def _all_imports() -> list[Import]:
    found: list[Import] = []
    for package, folder in PACKAGES.items():
        for path in sorted(folder.rglob("*.py")):
            module = _module_name(package, folder, path)
            found += _imports(module, ast.parse(path.read_text(encoding="utf-8")))
    return found


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


IMPORTS = _all_imports()


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_it_may(layer: str) -> None:
    broken = sorted(
        f"{i.module}:{i.line} imports {i.target}"
        for i in IMPORTS
        if _under(i.module, layer) and any(_under(i.target, f) for f in FORBIDDEN[layer])
    )
    assert broken == []


def test_sql_only_in_the_database_package() -> None:
    outside = sorted(
        f"{i.module}:{i.line}"
        for i in IMPORTS
        if _under(i.target, "sqlalchemy") and not _under(i.module, "bot.db")
    )
    assert outside == []


def test_the_product_loads_the_stand_ins_only_lazily_and_only_where_they_serve() -> None:
    loads = [i for i in IMPORTS if _under(i.target, "sms_handlers_sandbox")]
    product = [i for i in loads if _under(i.module, "bot")]

    assert product, "the demo and --sandbox load the stand-ins somewhere"
    assert sorted({i.module for i in product} - SANDBOX_LOADERS) == []
    assert [f"{i.module}:{i.line}" for i in product if not i.lazy] == []


def test_the_checker_sees_imports_inside_functions_and_type_checking_blocks() -> None:
    source = (
        "import os\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from a.b import C\n"
        "def f():\n    import d.e\n"
    )
    found = {(i.target, i.lazy) for i in _imports("m", ast.parse(source))}

    assert {("os", False), ("a.b", True), ("a.b.C", True), ("d.e", True)} <= found
