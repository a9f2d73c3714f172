"""The chapter's first computation graph (8.1.1-8.1.2): y = ax + b at (a, b, x) = (-2, 4, 3).

Regenerates the forward animation (α = ax = -6, y = -2), the backward animation (∂y/∂y = 1, ∂y/∂α = 1,
∂y/∂b = 1, ∂y/∂a = 3, ∂y/∂x = -2) and the steps of eq. (8.3).

    python examples/chapter_8_1_linear.py            # writes out/linear.{txt,tex,md,png,html,gif}
    python examples/chapter_8_1_linear.py --out figs --formats txt,png,html
"""
import argparse
import sys

import bibun


def linear(a, x, b):
    return a * x + b


def explain():
    return bibun.explain(linear, a=-2, x=3, b=4)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="out", help="folder for the outputs (default out/)")
    p.add_argument("--formats", default="txt,tex,md,png,html,gif",
                   help="which files to write (default: txt,tex,md,png,html,gif)")
    args = p.parse_args(argv)
    ex = explain()
    print(ex.text())
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    for path in ex.save_all(args.out, "linear", formats):
        print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
