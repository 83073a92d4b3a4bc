"""Lookups: the index against the plain scan it replaced, at 551, 2,201 and 10,000 resources.

Accounts from the sandbox's large seed (sites and call queues, an IVR menu per site), loaded
through the directory. Each query is one people type: a name, a name with kind words, an
extension, a phone number, an IVR menu, a number without its zeros, a typo (closest names), a
prefix many names share, and nothing at all. Both answer every query identically (checked).
Figures are ratios to the scan measured in the same run: index time / scan time at the same
percentile; the index's own times follow in parentheses. Then the closest-names strategies, and
the index's closest names for typos of many names.
"""

from __future__ import annotations

import collections
import difflib
import random
import statistics
import string
import time
from collections.abc import Callable, Sequence
from functools import partial

from bot.domain import Resource, ResourceType
from bot.phone import format_phone
from bot.ringcentral.auth import Credentials
from bot.ringcentral.client import RingCentralClient
from bot.services.directory import Directory
from bot.services.lookup import LookupIndex, normalize_name, resolve
from bot.services.ranking import ScanFinder
from sms_handlers_sandbox.ringcentral import SandboxOptions, SandboxServer, large_seed

SIZES = ((50, 500), (200, 2000), (999, 9000))  # sites, call queues: + the main site
INDEX_RUNS = 200  # per query
SCAN_SECONDS = 4.0  # per account size, spread over the queries
TYPOS = 60  # typos of names at the largest size, for the closest names alone


async def _resources(sites: int, queues: int) -> tuple[Resource, ...]:
    seed = large_seed(sites=sites, queues=queues, users=20, numbers=2 * sites + queues + 10)
    server = SandboxServer(seed=seed, options=SandboxOptions(rate_limits_enabled=False))
    await server.start()
    try:
        credentials = Credentials(server.url, server.client_id, server.client_secret, server.jwt)
        async with RingCentralClient.from_credentials(credentials) as client:
            return (await Directory(client=client).inventory()).resources
    finally:
        await server.stop()


def _queries(resources: Sequence[Resource]) -> dict[str, str]:
    queues = [r for r in resources if r.type is ResourceType.CALL_QUEUE]
    queue = queues[len(queues) // 2]
    site = next(r for r in resources if r.type is ResourceType.SITE and r.ivr_menus)
    phone = next(n.phone_number for r in queues for n in r.phone_numbers)
    return {
        "name": queue.name,
        "kind words": f"queue-{queue.name.lower().replace(' ', '-')}",
        "extension": queue.extension_number or queue.id,
        "phone": format_phone(phone),
        "IVR menu": site.ivr_menus[0].name,
        "no zeros": "site 7",
        "typo": queue.name[:2] + queue.name[3:],
        "shared prefix": queue.name[:4],
        "nothing": "zzzz qqq",
    }


def _times(run: Callable[[], object], count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def _percentiles(times: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def _closest_by_length_and_letters(core: str, names: Sequence[str]) -> list[str]:
    """A hand-written prefilter: difflib's own two quick bounds, from precomputable letter counts,
    then difflib on the survivors."""
    wanted = collections.Counter(core)
    survivors = []
    for name in names:
        total = len(core) + len(name)
        if total and 2.0 * min(len(core), len(name)) / total < 0.5:
            continue
        common = sum((wanted & collections.Counter(name)).values())
        if not total or 2.0 * common / total >= 0.5:
            survivors.append(name)
    return difflib.get_close_matches(core, survivors, 3, 0.5)


async def run() -> list[str]:
    lines = [f"   {INDEX_RUNS} runs of each query on the index; the scan as time allows"]
    for sites, queues in SIZES:
        resources = await _resources(sites, queues)
        started = time.perf_counter()
        index = LookupIndex(resources)
        build = time.perf_counter() - started
        scan = ScanFinder(resources)
        queries = _queries(resources)
        for query in queries.values():
            assert resolve(query, index) == resolve(query, scan), query
        scan_one = min(_times(partial(resolve, queries["name"], scan), 2))
        scan_runs = max(2, int(SCAN_SECONDS / len(queries) / scan_one))
        index_times: list[float] = []
        scan_times: list[float] = []
        worst = ("", 0.0)
        closest_kinds = []  # the queries answered with the closest names
        for label, query in queries.items():
            mine = _times(partial(resolve, query, index), INDEX_RUNS)
            index_times += mine
            scan_times += _times(partial(resolve, query, scan), scan_runs)
            worst = max(worst, (label, statistics.median(mine)), key=lambda w: w[1])
            if label in ("typo", "nothing"):
                p50, p95, p99 = (t * 1e6 for t in _percentiles(mine))
                closest_kinds.append(f"{label} {p50:.0f} / {p95:.0f} / {p99:.0f} µs")
        ours, theirs = _percentiles(index_times), _percentiles(scan_times)
        ratios = ", ".join(
            f"{name} {a / b:.4f} ({a * 1e6:.0f} µs)"
            for name, a, b in zip(("p50", "p95", "p99"), ours, theirs, strict=True)
        )
        lines.append(
            f"   {len(resources):>6} resources: index/scan {ratios}; slowest query kind: "
            f"{worst[0]} ({worst[1] * 1e6:.0f} µs median); index built in "
            f"{build / theirs[0]:.1f} scan lookups ({build * 1e3:.0f} ms)"
        )
        lines.append(f"          index p50 / p95 / p99: {'; '.join(closest_kinds)}")
    lines += _closest_names(resources)
    return lines


def _closest_names(resources: Sequence[Resource]) -> list[str]:
    """Closest names at the largest size: three strategies giving the same answer."""
    names = list({normalize_name(r.name): r for r in resources})
    index, scan = LookupIndex(resources), ScanFinder(resources)
    cores = ["biling 0042", "suport 1234", "menu 0077", "zzzz qqq"]
    for core in cores:
        expected = scan.closest(core)
        assert index.closest(core) == expected, core
        assert _closest_by_length_and_letters(core, names) == [n for n, _, _ in expected], core
    strategies: dict[str, Callable[[str], object]] = {
        "difflib over every name (the scan)": scan.closest,
        "hand-written letter-count prefilter": partial(_closest_by_length_and_letters, names=names),
        "letter-count bound of every name at once, best first (the index)": index.closest,
    }
    medians = {
        label: statistics.median(t for core in cores for t in _times(partial(strategy, core), 3))
        for label, strategy in strategies.items()
    }
    base = medians["difflib over every name (the scan)"]
    typos = _typos(names, TYPOS)
    for core in typos:
        assert index.closest(core) == scan.closest(core), core
    by_typo = [t for core in typos for t in _times(partial(index.closest, core), 20)]
    p50, p95, p99 = (t * 1e6 for t in _percentiles(by_typo))
    return (
        [f"   closest names at {len(resources)} resources, time as a ratio to difflib alone:"]
        + [
            f"     {label}: {value / base:.4f} ({value * 1e3:.2f} ms)"
            for label, value in medians.items()
        ]
        + [
            f"   the index's closest names for {len(typos)} typos of names (one letter dropped, "
            f"swapped, changed or added): p50 / p95 / p99 {p50:.0f} / {p95:.0f} / {p99:.0f} µs"
        ]
    )


def _typos(names: Sequence[str], count: int) -> list[str]:
    """`count` names, each with one letter dropped, swapped with the next, changed or added."""
    rng = random.Random(5)
    typos = []
    for name in rng.sample(list(names), count):
        at = rng.randrange(len(name) - 1)
        letter = rng.choice(string.ascii_lowercase + string.digits)
        typos.append(
            rng.choice(
                [
                    name[:at] + name[at + 1 :],
                    name[:at] + name[at + 1] + name[at] + name[at + 2 :],
                    name[:at] + letter + name[at + 1 :],
                    name[:at] + letter + name[at:],
                ]
            )
        )
    return typos
