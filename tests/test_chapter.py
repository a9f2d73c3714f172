"""The chapter's code cells (sections 8.1.4 to 8.3.2), ported to examples/chapter/ (the same code with
`torch` and `autograd` replaced by `bibun`): each runs as written and prints what the chapter prints, and the
trainings reach the chapter's results, for three seeds."""
import re
import runpy
import sys
from pathlib import Path

import pytest

import bibun

pytest.importorskip("sklearn", reason="scikit-learn not installed: the chapter's cells make their data with it")
pytest.importorskip("matplotlib", reason="matplotlib not installed: the chapter's cells import it")

CHAPTER = Path(__file__).resolve().parent.parent / "examples" / "chapter"
SEEDS = (0, 1, 2)
NUM = r"-?\d+\.\d{4}"
SEQ_1 = "Sequential(\n  (0): Linear(in_features=2, out_features=1, bias=True)\n)"
SEQ_3 = ("Sequential(\n  (0): Linear(in_features=2, out_features=4, bias=True)\n  (1): Sigmoid()\n"
         "  (2): Linear(in_features=4, out_features=1, bias=True)\n)")


@pytest.fixture
def cell(monkeypatch, capsys):
    """`cell(name, seed, figures=None)` runs examples/chapter/`name` as `python name [figures]` after
    seeding bibun; returns what it printed and its globals."""
    monkeypatch.syspath_prepend(str(CHAPTER))

    def run(name, seed=0, figures=None):
        monkeypatch.setattr(sys, "argv", [name] + ([str(figures)] if figures else []))
        bibun.manual_seed(seed)
        capsys.readouterr()
        env = runpy.run_path(str(CHAPTER / name), run_name="__main__")
        return capsys.readouterr().out, env
    return run


def _accuracy(env):
    with bibun.no_grad():
        return ((env["model"](env["X"]) > 0).float() == env["Y"]).float().mean().item()


def _state_dict_pattern(prefix):
    w = rf"'{prefix}\.weight', tensor\(\[\[\s*{NUM},\s+{NUM}\]\]\)"
    b = rf"'{prefix}\.bias', tensor\(\[\s*{NUM}\]\)"
    # OrderedDict's repr: [('k', v), ...] before Python 3.12, {'k': v, ...} after
    return rf"OrderedDict\(\[\({w}\), \({b}\)\]\)|OrderedDict\(\{{{w.replace(', tensor', ': tensor')}, " \
           rf"{b.replace(', tensor', ': tensor')}\}}\)"


def test_every_cell_of_the_chapter_is_an_example():
    names = sorted(p.name for p in CHAPTER.glob("[0-9]*.py"))
    assert names == ["01_autograd_grad.py", "02_torch_backward.py", "03_blobs_data.py", "04_primitive_loop.py",
                     "05_sequential.py", "06_optim_sgd.py", "07_module_class.py", "08_circles_linear.py",
                     "09_circles_mlp.py"]
    for p in CHAPTER.glob("*.py"):                   # the code runs on bibun alone (comments may name torch)
        code = [line for line in p.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")]
        assert not re.search(r"\b(torch|autograd)\b", "\n".join(code)), p


def test_8_1_4_autograd_cell(cell):
    out, _ = cell("01_autograd_grad.py")
    assert out.splitlines() == ["0.47407698418010663", "[-0.37754067  0.37754067]"]


def test_8_1_4_torch_cell(cell):
    out, env = cell("02_torch_backward.py")
    loss, grad = out.splitlines()
    # float32: five rounded steps, each within an ulp (3e-8 at 0.47) of the exact value
    assert float(loss) == pytest.approx(0.4740769565105438, abs=5 * 2 ** -25)
    assert grad == "tensor([-0.3775,  0.3775])"


def test_8_2_first_rows(cell):
    out, _ = cell("03_blobs_data.py")
    assert out == ("tensor([[ 2.4885, -7.4323],\n        [ 1.4338, -8.7279],\n        [ 2.1874, -8.8029],\n"
                   "        [ 1.1995, -4.6490]])\ntensor([[1.],\n        [1.],\n        [1.],\n        [0.]])\n")


@pytest.mark.parametrize("seed", SEEDS)
def test_8_2_1_primitive_loop(cell, seed, tmp_path):
    figures = tmp_path / "figures" if seed == 0 else None       # the chapter's figures, drawn once
    out, env = cell("04_primitive_loop.py", seed, figures)
    assert re.fullmatch(rf"tensor\(\[\[\s*{NUM}\],\n\s+\[\s*{NUM}\]\], requires_grad=True\) "
                        rf"tensor\(\[\s*{NUM}\], requires_grad=True\)\n", out)
    H = env["H"]
    assert len(H) == 1000 and H[-1] < 0.2 * H[0]
    assert _accuracy(env) == 1.0
    if figures:
        assert sorted(p.name for p in figures.iterdir()) == ["04_heatmap.png", "04_loss.png"]
        assert all(p.stat().st_size > 10_000 for p in figures.iterdir())


@pytest.mark.parametrize("seed", SEEDS)
def test_8_2_2_sequential_manual_update(cell, seed):
    out, env = cell("05_sequential.py", seed)
    assert out.startswith(SEQ_1 + "\n")
    assert re.fullmatch(_state_dict_pattern("0"), out[len(SEQ_1) + 1:].rstrip("\n"))
    assert _accuracy(env) == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_8_2_3_optimizer(cell, seed):
    out, env = cell("06_optim_sgd.py", seed)
    assert out == ""
    assert _accuracy(env) == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_8_2_4_module_class(cell, seed):
    out, env = cell("07_module_class.py", seed)
    assert re.fullmatch(_state_dict_pattern("linear1"), out.rstrip("\n"))
    assert _accuracy(env) == 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_8_3_1_single_layer_fails_on_circles(cell, seed):
    _, env = cell("08_circles_linear.py", seed)
    assert _accuracy(env) <= 0.85


@pytest.mark.parametrize("seed", SEEDS)
def test_8_3_2_two_layers_separate_circles(cell, seed):
    out, env = cell("09_circles_mlp.py", seed)
    assert out == SEQ_3 + "\n"
    assert _accuracy(env) >= 0.95
