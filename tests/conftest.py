"""Shared fixtures of the whole test suite."""

from __future__ import annotations

import signal
import sys
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


USERS_IDS: set[str] = set()


@pytest.fixture(autouse=True)
def _users_ids_do_not_leak():
    """A test that loads a user's pack (new ids, or a built-in rule re-titled) registers its ids
    for the rest of the process; put the users' registrations back as they were after each test,
    so that a later test sees the built-in titles."""
    from pytoolkit import findings

    before = dict(findings._USER_IDS)
    yield
    USERS_IDS.update(findings._USER_IDS)  # registered, for the end-of-session check below
    findings._USER_IDS.clear()
    findings._USER_IDS.update(before)


# -- every finding id emitted anywhere in the suite is registered ---------------------------------
# Each Finding the package builds in this process (the tests' sample books, the bad-input corpus,
# the narrative seed, consolidation) records its id; at the end of the session an id that is not in the
# registry (pytoolkit.findings, the built-in packs loaded) fails the run. Worker processes are not
# seen; the same ids are emitted in-process by the single-worker tests.
# The same hook records a Finding whose ``table`` is neither "" nor a catalog table id (what a
# finding is shown under apart from the tables is its ``group``).
EMITTED: dict[str, str] = {}
BAD_TABLES: dict[tuple[str, str], str] = {}
_TABLE_ARG = 5  # the position of ``table`` after ``rule`` in Finding(rule, severity, message, ...)
_GROUP_ARG = 8  # and of ``group``


def _record_findings() -> None:
    from pytoolkit import findings
    from pytoolkit.tables.catalog import BY_ID

    init = findings.Finding.__init__
    if getattr(init, "records_ids", False):
        return
    tables = {"", *BY_ID}

    def recording_init(self, rule, *args, **kwargs):
        # What the package emits; a test may build a Finding with an id of its own as a fixture.
        if sys._getframe(1).f_globals.get("__name__", "").startswith("pytoolkit"):
            message = kwargs.get("message", args[1] if len(args) > 1 else "")
            EMITTED.setdefault(rule, message)
            table = kwargs.get("table", args[_TABLE_ARG] if len(args) > _TABLE_ARG else "")
            group = kwargs.get("group", args[_GROUP_ARG] if len(args) > _GROUP_ARG else "")
            if table not in tables or group not in ("", "N", "Y"):
                BAD_TABLES.setdefault((rule, f"table={table!r} group={group!r}"), message)
        init(self, rule, *args, **kwargs)

    recording_init.records_ids = True
    findings.Finding.__init__ = recording_init


def pytest_configure(config):
    _record_findings()


def pytest_sessionfinish(session, exitstatus):
    if not EMITTED:
        return
    from pytoolkit.findings import lookup
    from pytoolkit.rules import finding_ids

    finding_ids()
    missing = {rule: message for rule, message in EMITTED.items() if lookup(rule) is None and rule not in USERS_IDS}
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if missing:
        lines = [f"  {rule}: {message[:60]}" for rule, message in sorted(missing.items())]
        text = "finding ids emitted but not registered (pytoolkit/fixed_ids.py or a pack):\n" + "\n".join(lines)
        if reporter is not None:
            reporter.write_line(text, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if BAD_TABLES:
        lines = [f"  {rule} {what}: {message[:60]}" for (rule, what), message in sorted(BAD_TABLES.items())]
        text = ("findings emitted with a table that is not \"\" or a catalog table id, or an unknown group:\n"
                + "\n".join(lines))
        if reporter is not None:
            reporter.write_line(text, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
