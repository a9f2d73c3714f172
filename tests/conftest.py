"""Shared test helpers: a session-wide count of the generated cases (property-based and fuzz tests),
printed at the end of the run, so every run reports how many cases it tried."""
import collections

import pytest

_CASES = collections.Counter()


@pytest.fixture(scope="session")
def count_case():
    """`count_case(kind)` adds one case of `kind` to the run's count (session scope: usable under hypothesis)."""
    def count(kind, n=1):
        _CASES[kind] += n
    return count


def pytest_terminal_summary(terminalreporter):
    if not _CASES:
        return
    terminalreporter.section("generated cases tried")
    for kind, n in sorted(_CASES.items()):
        terminalreporter.write_line(f"{kind:<40} {n:>7}")
    terminalreporter.write_line(f"{'total':<40} {sum(_CASES.values()):>7}")
