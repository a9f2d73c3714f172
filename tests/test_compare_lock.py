"""`bibun compare` takes its --out folder's lock, as `bibun train` does: a folder another process is writing
into is refused, and nothing is written into it."""
import pytest

from bibun.workbench.comparison import compare
from bibun.workbench.errors import WorkbenchError
from bibun.workbench.lock import RunLock


def test_compare_refuses_a_folder_another_process_holds(tmp_path):
    out = tmp_path / "cmp"
    with RunLock(out):                      # a second open of the lock file conflicts, as another process's
        with pytest.raises(WorkbenchError, match="in use by another bibun process"):
            compare([tmp_path / "run-a", tmp_path / "run-b"], out=out)
        assert sorted(p.name for p in out.iterdir()) == ["run.lock"]


def test_a_refused_comparison_leaves_no_folder_behind(tmp_path):
    out = tmp_path / "new" / "cmp"
    with pytest.raises(WorkbenchError):     # the runs do not exist: refused inside the lock
        compare([tmp_path / "missing"], out=out)
    assert not (tmp_path / "new").exists()
