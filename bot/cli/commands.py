"""The subcommand modules, in the order `sms-handlers --help` lists them."""

from __future__ import annotations

from types import ModuleType

MODULES: list[ModuleType] = []
