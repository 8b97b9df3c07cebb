"""The TWSE/TPEx rate limiter, proven with a fake clock (no real waiting)."""
from __future__ import annotations

import threading

import pytest

from ingest.limiter import RateLimiter, get_limiter


class FakeClock:
    """A clock that only moves when someone sleeps on it; thread-safe."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the limiter must never sleep for nothing"
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def _max_in_any_window(times: list[float], period: float) -> int:
    """The most grants inside any half-open window [t, t + period)."""
    times = sorted(times)
    return max(sum(1 for u in times if t <= u < t + period) for t in times)


def test_first_three_calls_are_immediate_and_the_fourth_waits_exactly_the_rest_of_the_window():
    clock = FakeClock()
    limiter = RateLimiter(max_calls=3, period=5.0, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire() for _ in range(3)] == [1000.0, 1000.0, 1000.0]
    assert clock.sleeps == []
    assert limiter.acquire() == pytest.approx(1005.0)
    assert clock.sleeps == [pytest.approx(5.0)]


def test_fourth_call_sleeps_only_until_the_oldest_call_leaves_the_window():
    clock = FakeClock()
    limiter = RateLimiter(max_calls=3, period=5.0, clock=clock, sleep=clock.sleep)
    limiter.acquire()          # t=1000
    clock.advance(1.5)
    limiter.acquire()          # t=1001.5
    clock.advance(2.0)
    limiter.acquire()          # t=1003.5
    clock.advance(0.5)         # t=1004
    granted = limiter.acquire()
    assert clock.sleeps == [pytest.approx(1.0)]  # the call at 1000 leaves the window at 1005
    assert granted == pytest.approx(1005.0)
    # The 5th must wait for the call at 1001.5 to leave: until 1006.5.
    assert limiter.acquire() == pytest.approx(1006.5)
    assert clock.sleeps[-1] == pytest.approx(1.5)


def test_no_more_than_three_calls_in_any_five_second_window_under_a_burst():
    clock = FakeClock()
    limiter = RateLimiter(max_calls=3, period=5.0, clock=clock, sleep=clock.sleep)
    times, arrivals = [], []
    for i in range(30):
        if i % 4 == 0:
            clock.advance(0.7)  # callers arriving irregularly
        arrivals.append(clock())
        times.append(limiter.acquire())
    assert _max_in_any_window(times, 5.0) == 3
    # And never more cautious than needed: each grant is the earliest the rule allows.
    for i, (arrived, granted) in enumerate(zip(arrivals, times)):
        earliest = arrived if i < 3 else max(arrived, times[i - 3] + 5.0)
        assert granted == pytest.approx(earliest)


def test_calls_spaced_out_never_sleep():
    clock = FakeClock()
    limiter = RateLimiter(max_calls=3, period=5.0, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        limiter.acquire()
        clock.advance(2.0)
    assert clock.sleeps == []


def test_thread_safe_many_threads_share_one_budget():
    clock = FakeClock()
    limiter = RateLimiter(max_calls=3, period=5.0, clock=clock, sleep=clock.sleep)
    times: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            t = limiter.acquire()
            with lock:
                times.append(t)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(times) == 30
    assert _max_in_any_window(times, 5.0) == 3


def test_invalid_limits_are_refused():
    with pytest.raises(ValueError):
        RateLimiter(max_calls=0)
    with pytest.raises(ValueError):
        RateLimiter(period=-1)


def test_global_limiter_is_shared_and_follows_the_settings():
    a = get_limiter(3, 5.0)
    assert get_limiter(3, 5.0) is a
    b = get_limiter(2, 1.0)
    assert b is not a and (b.max_calls, b.period) == (2, 1.0)
