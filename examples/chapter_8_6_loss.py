"""The chapter's loss graph (8.1.3, eq. (8.6)): l̂ = -log(1 / (1 + exp(-(w1 x1 + w2 x2)))) at
(x1, x2) = (1, -1), (w1, w2) = (1, 0.5).

The graph is the chapter's: ×, ×, +, ×(−1), exp, +1, 1/a, log, ×(−1), with the intermediate results
named as the chapter names them (α, β, μ, ν, ξ, π, ρ, φ). The loss is 0.4741 (the chapter's figure shows
0.4740: it rounds each step before the next), ∂l̂/∂w = (-0.3775, 0.3775), ∂l̂/∂x = (-0.3775, -0.1888).

    python examples/chapter_8_6_loss.py              # writes out/loss.{txt,tex,md,png,html,gif}
    python examples/chapter_8_6_loss.py --sigmoid    # the same loss written with sigmoid, expanded
    python examples/chapter_8_6_loss.py --no-fold    # constants drawn beside their operators
"""
import argparse
import sys

import bibun

EXPR = "-log(1/(1+exp(-(w1*x1+w2*x2))))"
AT = dict(w1=1.0, w2=0.5, x1=1.0, x2=-1.0)


def loss_with_sigmoid(w1, x1, w2, x2):
    return -bibun.log(bibun.sigmoid(w1 * x1 + w2 * x2))


def explain(sigmoid=False, fold=True):
    if sigmoid:           # one fused sigmoid op, drawn as the chapter's four elementary ops
        return bibun.explain(loss_with_sigmoid, **AT, expand=True, output="l_hat", fold_constants=fold)
    return bibun.explain(EXPR, **AT, output="l_hat", fold_constants=fold)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="out", help="folder for the outputs (default out/)")
    p.add_argument("--sigmoid", action="store_true", help="write the loss with sigmoid() and expand it")
    p.add_argument("--no-fold", action="store_true", help="draw constants as leaves beside their operators")
    p.add_argument("--formats", default="txt,tex,md,png,html,gif",
                   help="which files to write (default: txt,tex,md,png,html,gif)")
    args = p.parse_args(argv)
    ex = explain(args.sigmoid, not args.no_fold)
    print(ex.text())
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    for path in ex.save_all(args.out, "loss", formats):
        print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
