"""Shared fixtures of the whole test suite."""

from __future__ import annotations

import signal
from contextlib import contextmanager

import pytest


class Hang(Exception):
    """A block ran past its time limit: a hang (e.g. catastrophic regex backtracking)."""


@contextmanager
def _time_limit(seconds: float):
    def alarm(_signum, _frame):
        raise Hang(f"took more than {seconds}s: treated as a hang")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def no_hang():
    """``with no_hang(seconds):`` fails the test when the block runs past ``seconds``.

    A guard against inputs that make a parser hang, with limits far above normal run times; it
    measures nothing (speed is measured by the scripts under bench/).
    """
    return _time_limit
