"""Run the benchmarks: every module bench/bench_*.py with `async def run() -> list[str]`.

`python -m bench` runs them all; `python -m bench history` runs only bench_history.py.
Each module prints its own lines; results are ratios against a baseline measured in the same run,
so they compare across machines.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import sys
import time
from collections.abc import Awaitable, Callable
from typing import cast

import bench

PREFIX = "bench_"


def discover(selected: list[str]) -> list[str]:
    """The bench module names to run, all of them when `selected` is empty."""
    names = sorted(
        info.name for info in pkgutil.iter_modules(bench.__path__) if info.name.startswith(PREFIX)
    )
    if not selected:
        return names
    wanted = {name if name.startswith(PREFIX) else PREFIX + name for name in selected}
    unknown = wanted - set(names)
    if unknown:
        raise SystemExit(
            f"Unknown benchmark {', '.join(sorted(unknown))}; there are: "
            + ", ".join(name.removeprefix(PREFIX) for name in names)
        )
    return [name for name in names if name in wanted]


async def main(selected: list[str]) -> int:
    for name in discover(selected):
        module = importlib.import_module(f"bench.{name}")
        run = cast(Callable[[], Awaitable[list[str]]], module.run)
        print(f"== {name.removeprefix(PREFIX)}", flush=True)
        started = time.perf_counter()
        for line in await run():
            print(line, flush=True)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
