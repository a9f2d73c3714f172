"""Exercise 8.4 solved: the two-layer network ŷ = σ(hᵀq + c), h = ReLU(Wx + b) with
W = [[1, 1], [-1, -1]], q = (1, 1), b = (-0.5, 1.5), c = -1.5.

(1) h and ŷ at x = (0, 0): a forward pass (h = (0, 1.5), ŷ = σ(0) = 0.5).
(2) the cross-entropy loss at (x, y) = ((1, 1), 0) and its gradients with respect to W, q, b, c, each with
    its chain-rule steps: l = log 2 = 0.6931, ∂l/∂W = [[0.5, 0.5], [0, 0]], ∂l/∂q = (0.75, 0),
    ∂l/∂b = (0.5, 0), ∂l/∂c = 0.5.

    python examples/exercise_8_4.py                  # writes out/exercise_8_4_{1,2}.{txt,tex,md,png,html,gif}
    python examples/exercise_8_4.py --expand         # σ and the cross-entropy as elementary ops
"""
import argparse
import sys

import bibun
import bibun.nn.functional as F
from bibun.explain import label

W = [[1.0, 1.0], [-1.0, -1.0]]
Q = [1.0, 1.0]
B = [-0.5, 1.5]
C = -1.5


def network(W, x, b, q, c):
    """ŷ = σ(hᵀq + c), h = ReLU(Wx + b); label() names h and ŷ in the explanation."""
    h = label(bibun.relu(W @ x + b), "h")
    return label(bibun.sigmoid(h @ q + c), "y_hat")


def loss(W, x, b, q, c, y):
    return F.binary_cross_entropy(network(W, x, b, q, c), y)


def part1(expand=False):
    """h and ŷ at x = (0, 0): nothing requires grad, so only the forward steps."""
    return bibun.explain(network, W=W, x=[0.0, 0.0], b=B, q=Q, c=C, wrt=[], expand=expand, output="y_hat")


def part2(expand=False):
    """The loss at ((1, 1), 0) and its gradients with respect to the parameters W, q, b, c."""
    return bibun.explain(loss, W=W, x=[1.0, 1.0], b=B, q=Q, c=C, y=0.0, wrt=["W", "b", "q", "c"],
                         expand=expand, output="l")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="out", help="folder for the outputs (default out/)")
    p.add_argument("--expand", action="store_true", help="show σ and the cross-entropy as elementary ops")
    p.add_argument("--formats", default="txt,tex,md,png,html,gif",
                   help="which files to write (default: txt,tex,md,png,html,gif)")
    args = p.parse_args(argv)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    ex1 = part1(args.expand)
    print("(1) x = (0, 0)\n")
    print(ex1.text())
    print(f"h = {ex1.var('h').value_str()}, ŷ = {ex1.output.value_str()}\n")
    paths = ex1.save_all(args.out, "exercise_8_4_1", formats)
    ex2 = part2(args.expand)
    print("(2) (x, y) = ((1, 1), 0)\n")
    print(ex2.text())
    paths += ex2.save_all(args.out, "exercise_8_4_2", formats)
    for path in paths:
        print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
