"""`bibun --version` prints the package's version, which is written in one place (bibun.__version__)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bibun
from bibun.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_version_flag_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out == f"bibun {bibun.__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", bibun.__version__)


def test_version_from_the_command_line():
    out = subprocess.run([sys.executable, "-m", "bibun", "--version"], capture_output=True, text=True, cwd=ROOT,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""}, timeout=60)
    assert out.returncode == 0 and out.stdout == f"bibun {bibun.__version__}\n", out.stderr


def test_pyproject_takes_the_version_from_the_package():
    tomllib = pytest.importorskip("tomllib", reason="Python < 3.11 has no tomllib to read pyproject.toml")
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in meta["project"] and "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "bibun.__version__"}
