"""The chapter as a notebook (examples/chapter.ipynb): written from the example files by
examples/make_notebook.py, and run here cell by cell in a real Jupyter kernel (nbclient)."""
import importlib.util
import pathlib

import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _maker():
    spec = importlib.util.spec_from_file_location("make_notebook", EXAMPLES / "make_notebook.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_notebook_is_what_the_examples_make():
    """The example files are the one source: edit them and run examples/make_notebook.py."""
    assert (EXAMPLES / "chapter.ipynb").read_text(encoding="utf-8") == _maker().text()


@pytest.fixture(scope="module")
def executed():
    nbformat = pytest.importorskip("nbformat", reason="nbformat (test extras) runs the notebook")
    nbclient = pytest.importorskip("nbclient", reason="nbclient (test extras) runs the notebook")
    pytest.importorskip("ipykernel", reason="ipykernel (test extras) is the notebook's kernel")
    nb = nbformat.read(EXAMPLES / "chapter.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(EXAMPLES)}}).execute()
    return [c for c in nb.cells if c.cell_type == "code"]


def _text(cell):
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def _html(cell):
    return "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)


def test_every_cell_runs_without_an_error(executed):
    errors = [o for c in executed for o in c.outputs if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    assert all(c.execution_count for c in executed)


def test_the_chapter_cells_print_what_the_chapter_prints(executed):
    text = "\n".join(_text(c) for c in executed)
    assert "0.47407698418010663" in text and "[-0.37754067  0.37754067]" in text          # 8.1.4, Autograd
    assert "0.4740769565105438" in text and "tensor([-0.3775,  0.3775])" in text          # 8.1.4, PyTorch
    assert "Linear(in_features=2, out_features=4, bias=True)" in text and "Sigmoid()" in text   # 8.3.2
    assert len(executed) == 1 + len(list((EXAMPLES / "chapter").glob("0*.py"))) + 3    # setup, cells, the three


def test_the_explanations_and_the_workbench_show_inline(executed):
    graph, exercise, run = executed[-3:]
    assert "0.4741" in _text(graph) and "∂l̂/∂w1" in _text(graph)
    assert "<img" in _html(graph) or "data:image" in _html(graph)          # the animation's frames
    assert "0.6931" in _text(exercise)                                     # exercise 8.4: l = log 2
    html = _html(run)
    assert "report.html" in html and "<table" in html and "data:image/png" in html
