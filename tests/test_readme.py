"""The README works as written on a fresh clone: its commands use the virtual environment its two set-up
lines make, it names only files that are in the repository, and its Python examples print what it says."""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w*)\n(.*?)```", README, re.S)


def test_the_first_two_lines_of_the_first_block_set_up_and_run():
    lang, first = BLOCKS[0]
    lines = first.strip().splitlines()
    assert lang == "" and len(lines) == 2
    assert all(line.startswith("python3 -m venv .venv && .venv/bin/pip install ") for line in lines)
    assert lines[0].endswith("&& .venv/bin/bibun tour") and lines[1].endswith("&& .venv/bin/python -m pytest")


def test_commands_use_the_virtual_environment():
    for lang, block in BLOCKS:
        if lang:
            continue
        for line in block.strip().splitlines():
            if line.startswith(("bibun ", "python ", "pip ", "pytest")):
                pytest.fail(f"README command {line!r} runs outside .venv: write .venv/bin/...")
    inline = re.findall(r"`((?:bibun|python) [^`]*)`", README)
    assert not [c for c in inline if c.startswith("python ")], inline


def test_it_points_only_inside_the_repository():
    assert "../" not in README
    for path in set(re.findall(r"\b((?:examples|bench|tests|bibun)/[\w/.-]+\.(?:py|md))", README)):
        assert (ROOT / path).is_file(), path


@pytest.mark.parametrize("k", [0, 1])
def test_the_chapter_snippets_print_what_the_readme_says(k, capsys):
    code = [b for lang, b in BLOCKS if lang == "python"][k]
    expected = [m.strip() for m in re.findall(r"\)\s+# (.*)$", code, re.M)]
    exec(compile(code, f"README python block {k}", "exec"), {})
    assert capsys.readouterr().out.splitlines() == expected
