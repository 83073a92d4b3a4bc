"""Scripted faults: which request gets which misbehaviour."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sms_handlers_sandbox.ringcentral.options import Fault


@dataclass
class _ArmedFault:
    fault: Fault
    pattern: re.Pattern[str]
    skipped: int = 0
    applied: int = 0


class FaultBook:
    """Faults in the order they were injected; the first one that applies wins."""

    def __init__(self) -> None:
        self._faults: list[_ArmedFault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(_ArmedFault(fault, re.compile(fault.path_pattern)))

    def clear(self) -> None:
        self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, if any; consumes one of its `times`."""
        for armed in self._faults:
            fault = armed.fault
            if fault.method is not None and fault.method.upper() != method.upper():
                continue
            if not armed.pattern.search(path) or armed.applied >= fault.times:
                continue
            if armed.skipped < fault.skip:
                armed.skipped += 1
                continue
            armed.applied += 1
            return fault
        return None
