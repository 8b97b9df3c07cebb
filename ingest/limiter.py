"""A process-wide sliding-window rate limiter for TWSE/TPEx requests.

Why: TWSE bans clients (for minutes, with an HTML "很抱歉" page) that ask faster than about
3 requests per 5 seconds. Every request to TWSE or TPEx goes through one limiter per process
(``get_limiter``), whatever thread or company it serves, so no combination of callers can exceed
the budget. The clock and the sleep function are injectable so that tests prove the rule with a
fake clock instead of waiting.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)


class RateLimiter:
    """At most ``max_calls`` grants in any half-open window of ``period`` seconds.

    ``acquire()`` blocks (through ``sleep``) until a call is allowed and returns the clock time
    of the grant. The lock is held while sleeping on purpose: waiters are served one at a time in
    arrival order, and a waiter that wakes up never races another for the same free slot.
    """

    def __init__(
        self,
        max_calls: int = 3,
        period: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1:
            raise ValueError("max_calls must be at least 1")
        if period < 0:
            raise ValueError("period must not be negative")
        self.max_calls = max_calls
        self.period = float(period)
        self.clock = clock
        self.sleep = sleep
        self._grants: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait until a call is allowed, record it, and return the time it was granted."""
        with self._lock:
            while True:
                now = self.clock()
                # A grant at time g occupies the window [g, g + period).
                while self._grants and self._grants[0] + self.period <= now:
                    self._grants.popleft()
                if len(self._grants) < self.max_calls:
                    self._grants.append(now)
                    return now
                wait = self._grants[0] + self.period - now
                log.debug("rate limit: %d calls in the last %.1fs, waiting %.2fs", len(self._grants), self.period, wait)
                self.sleep(wait)

    def __enter__(self) -> RateLimiter:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        return None


_global: RateLimiter | None = None
_global_lock = threading.Lock()


def get_limiter(max_calls: int = 3, period: float = 5.0) -> RateLimiter:
    """The process-wide limiter for TWSE/TPEx.

    It is created on first use; asking with other limits (tests, a changed config) replaces it,
    so the limits in force are always the ones the settings say.
    """
    global _global
    with _global_lock:
        if _global is None or _global.max_calls != max_calls or _global.period != float(period):
            _global = RateLimiter(max_calls=max_calls, period=period)
        return _global
