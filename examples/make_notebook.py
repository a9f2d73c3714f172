"""Write examples/chapter.ipynb, the chapter on bibun as a notebook, from the example files themselves.

    python examples/make_notebook.py            # rewrites examples/chapter.ipynb

Its cells are the chapter's code cells (examples/chapter/0*.py, each file's leading comment becoming the
markdown above it), then the animated graph of eq. (8.6), exercise 8.4 step by step, and exercise 8.5 as a
short workbench run. The examples stay the one source: tests/test_notebook.py checks that the notebook
is what this script writes, and runs it.
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
NOTEBOOK = HERE / "chapter.ipynb"

INTRO = """# Chapter 8 on bibun

The chapter's code cells with `torch` replaced by `bibun` (and its Autograd cell with `autograd` replaced),
then the computation graph of eq. (8.6) animated, exercise 8.4 worked through by the chain rule, and
exercise 8.5 trained and evaluated by the workbench."""

SETUP = """import sys
sys.path.insert(0, "chapter")   # the chapter's data (_blobs, _circles) and plotting helpers
sys.argv = sys.argv[:1]         # the cells draw their figures only when given a folder on the command line"""

TAIL = [
    ("## 8.1.3: the graph of eq. (8.6), forward and backward\n\nEach frame is one step; the caption is its "
     "formula.",
     """import bibun
ex = bibun.explain("-log(1/(1+exp(-(w1*x1+w2*x2))))", w1=1, w2=0.5, x1=1, x2=-1, expand=True, output="l_hat")
print(ex.text())
ex"""),
    ("## Exercise 8.4\n\n(1) h and ŷ at x = (0, 0); (2) the loss at ((1, 1), 0) and its gradients, step by step.",
     """sys.path.insert(0, ".")
import exercise_8_4
print(exercise_8_4.part1().text())
print(exercise_8_4.part2().text())"""),
    ("## Exercise 8.5\n\nA single-layer classifier of scikit-learn's digits, trained for a few epochs; the "
     "result shows its curves, per-class scores, confusion matrix and easiest and hardest examples.",
     """import tempfile, bibun.workbench
result = bibun.workbench.train("digits", "linear", epochs=3, out=tempfile.mkdtemp() + "/digits-linear", quiet=True)
result"""),
]


def _split(source):
    """(leading comment as markdown, the code after it)."""
    lines = source.splitlines()
    k = 0
    while k < len(lines) and lines[k].startswith("#"):
        k += 1
    text = " ".join(line.lstrip("# ").rstrip() for line in lines[:k])
    return text, "\n".join(lines[k:]).strip("\n")


def _cell(kind, text, number):
    cell = {"cell_type": kind, "id": f"cell-{number:02d}", "metadata": {}, "source": text.splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def build():
    parts = [("markdown", INTRO), ("code", SETUP)]
    for path in sorted((HERE / "chapter").glob("0*.py")):
        text, code = _split(path.read_text(encoding="utf-8"))
        parts += [("markdown", f"### `{path.name}`\n\n{text}"), ("code", code)]
    for text, code in TAIL:
        parts += [("markdown", text), ("code", code)]
    cells = [_cell(kind, text, k) for k, (kind, text) in enumerate(parts)]
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                                        "name": "python3"},
                                         "language_info": {"name": "python"}},
            "nbformat": 4, "nbformat_minor": 5}


def text():
    return json.dumps(build(), indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    from bibun._atomic import write_bytes
    write_bytes(NOTEBOOK, text().encode("utf-8"))
    print(f"wrote {NOTEBOOK}")
