"""Shared test helpers: a session-wide count of the generated cases (property-based and fuzz tests),
printed at the end of the run, so every run reports how many cases it tried."""
import collections
import functools

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


@pytest.fixture(scope="session")
def tour(tmp_path_factory):
    """The tour, written once for the run (test_tour checks its content, test_pages_in_browser shows it). Its
    8.5 runs train for 3 epochs instead of 40: what is checked is that the page shows and links them (their
    accuracy is test_workbench's and bench/'s business); the trainings of 8.2 and 8.3 run in full, since their
    accuracies are checked."""
    pytest.importorskip("matplotlib", reason="matplotlib not installed: the tour draws figures")
    pytest.importorskip("sklearn", reason="scikit-learn not installed: the tour uses its digits and toy data")
    import bibun.workbench
    from bibun.cli import main
    out = tmp_path_factory.mktemp("tour")
    full = bibun.workbench.train
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bibun.workbench, "train", functools.partial(full, epochs=3))
        assert main(["tour", "--out", str(out), "--quiet"]) == 0
    return out, (out / "index.html").read_text(encoding="utf-8")
