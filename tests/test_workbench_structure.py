"""The shape of the layers on top (datasets, workbench, tour, the command line): rooms of a size one can
read, public modules between packages, and file names in the sources that exist."""
import ast
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent / "bibun"
TOP_LAYERS = sorted([*(ROOT / "datasets").glob("*.py"), *(ROOT / "workbench").glob("*.py"), ROOT / "tour.py",
                     ROOT / "cli.py"])
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
REASON = "Long because"         # a docstring that says why lets a module or function be longer


def _name(path):
    return str(path.relative_to(ROOT.parent))


@pytest.mark.parametrize("path", TOP_LAYERS, ids=_name)
def test_modules_and_functions_are_short_enough_to_read(path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    if REASON not in (ast.get_docstring(tree) or ""):
        assert len(source.splitlines()) <= MAX_MODULE_LINES, f"{_name(path)} is over {MAX_MODULE_LINES} lines"
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and REASON not in (ast.get_docstring(node) or ""):
            lines = node.end_lineno - node.lineno + 1
            assert lines <= MAX_FUNCTION_LINES, f"{_name(path)}:{node.lineno} {node.name} has {lines} lines"


def _private_imports_from_other_packages(path, source=None):
    """Modules `bibun.<package>._<name>` that `path` (its text: `source`) imports though it is not in
    <package>; the package root's own private modules (_errors, _atomic: the base layer) are shared."""
    own = path.relative_to(ROOT).parts[:-1]
    found = []
    for node in ast.walk(ast.parse(source or path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = list(own[:len(own) - node.level + 1]) if node.level else []
            module = base + (node.module.split(".") if node.module else [])
            if not node.level and module[:1] == ["bibun"]:
                module = module[1:]
            targets = [module + [a.name] for a in node.names] + [module]
        elif isinstance(node, ast.Import):
            targets = [a.name.split(".")[1:] for a in node.names if a.name.startswith("bibun.")]
        else:
            continue
        for parts in targets:
            private = [i for i, p in enumerate(parts) if p.startswith("_") and not p.startswith("__")]
            if private and private[0] >= 1 and tuple(parts[:private[0]]) != own:
                found.append(".".join(parts))
    return found


@pytest.mark.parametrize("path", TOP_LAYERS, ids=_name)
def test_no_private_module_of_another_package_is_imported(path):
    assert _private_imports_from_other_packages(path) == []


def test_the_check_finds_a_private_import():
    source = ("from .workbench._png import gray_png\nfrom .workbench import _fmt\nimport bibun.explain._format\n"
              "from . import _errors\nfrom .workbench.pages import esc\n")
    assert _private_imports_from_other_packages(ROOT / "tour.py", source) == [
        "workbench._png.gray_png", "workbench._png", "workbench._fmt", "explain._format"]
    assert _private_imports_from_other_packages(ROOT / "workbench" / "api.py", "from ._png import gray_png\n") == []


def test_every_file_the_sources_name_exists():
    missing = []
    for path in ROOT.rglob("*.py"):
        for named in re.findall(r"\bbibun/[\w/]+\.py\b", path.read_text(encoding="utf-8")):
            if not (ROOT.parent / named).is_file():
                missing.append(f"{_name(path)} names {named}")
    assert missing == []
