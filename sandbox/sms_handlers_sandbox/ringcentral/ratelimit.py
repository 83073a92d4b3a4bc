"""Per-group request counters with RingCentral's headers, 429 answers and penalty."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sms_handlers_sandbox.ringcentral.errors import ApiError
from sms_handlers_sandbox.ringcentral.options import SandboxOptions


@dataclass
class _Bucket:
    window_start: float = 0.0
    count: int = 0
    penalty_until: float = 0.0


class RateLimiter:
    """Fixed windows per rate group; a request made during the penalty restarts the penalty."""

    def __init__(
        self, options: SandboxOptions, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._options = options
        self._now = clock
        self._buckets: dict[str, _Bucket] = {}
        self.penalty_restarts = 0  # requests made during a penalty (each restarted it)

    def reset(self) -> None:
        self._buckets.clear()
        self.penalty_restarts = 0

    def admit(self, group: str) -> dict[str, str]:
        """Count one request of `group`; return the headers, or raise a 429 `ApiError`."""
        options = self._options
        limit = options.limits.get(group, 0)
        if not options.rate_limits_enabled or limit <= 0:
            return self._headers(group, limit, limit)
        now = self._now()
        bucket = self._buckets.setdefault(group, _Bucket(window_start=now))
        if now < bucket.penalty_until:
            bucket.penalty_until = now + options.penalty_seconds
            self.penalty_restarts += 1
            raise self._exceeded(group, limit)
        if bucket.penalty_until or now - bucket.window_start >= options.window_seconds:
            bucket.window_start, bucket.count, bucket.penalty_until = now, 0, 0.0
        bucket.count += 1
        if bucket.count > limit:
            bucket.penalty_until = now + options.penalty_seconds
            raise self._exceeded(group, limit)
        return self._headers(group, limit, limit - bucket.count)

    def peek(self, group: str) -> dict[str, str]:
        """The headers for an answer that did not count (e.g. a 401)."""
        limit = self._options.limits.get(group, 0)
        bucket = self._buckets.get(group)
        used = 0
        if bucket and self._now() - bucket.window_start < self._options.window_seconds:
            used = bucket.count
        return self._headers(group, limit, max(limit - used, 0))

    def _exceeded(self, group: str, limit: int) -> ApiError:
        headers = self._headers(group, limit, 0)
        headers["Retry-After"] = str(max(math.ceil(self._options.penalty_seconds), 1))
        return ApiError(429, "CMN-301", "Request rate exceeded", headers=headers)

    def _headers(self, group: str, limit: int, remaining: int) -> dict[str, str]:
        return {
            "X-Rate-Limit-Group": group,
            "X-Rate-Limit-Limit": str(limit),
            "X-Rate-Limit-Remaining": str(remaining),
            "X-Rate-Limit-Window": format_seconds(self._options.window_seconds),
        }


def format_seconds(value: float) -> str:
    """Seconds for a header: "60" rather than "60.0", "0.5" when fractional."""
    return str(int(value)) if float(value).is_integer() else str(value)
