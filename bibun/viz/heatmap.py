"""The chapter's decision heatmap (section 8.2): the data as + and −, and a model's output over the plane
as a blue-white-red map with dashed contour lines. Takes a plain function from an (N, 2) float array to
N outputs, so it needs nothing of bibun."""
import numpy as np
from matplotlib import colors
from matplotlib.figure import Figure

from .fonts import drawing_in_language
from ..i18n import translate as _


@drawing_in_language
def decision_heatmap(f, X, Y, step=1.0, N=256, title="", figsize=(5.2, 4.6), dpi=100):
    """A Figure with the points (X: (n, 2), Y: n labels 0/1) over f's output on a grid of N x N points."""
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y).reshape(-1)
    fig = Figure(figsize=figsize, dpi=dpi)
    ax = fig.add_subplot()
    xmin, xmax = X[:, 0].min() - 0.5, X[:, 0].max() + 0.5
    ymin, ymax = X[:, 1].min() - 0.5, X[:, 1].max() + 0.5
    ax.set(xlim=(xmin, xmax), ylim=(ymin, ymax), xlabel="$x_1$", ylabel="$x_2$", title=title)
    XX, YY = np.meshgrid(np.linspace(xmin, xmax, N), np.linspace(ymin, ymax, N))
    C = np.asarray(f(np.column_stack([XX.ravel(), YY.ravel()])), dtype=float).reshape(XX.shape)
    lo = (np.floor(C.min() / step) - 1) * step
    hi = (np.floor(C.max() / step) + 1) * step
    width = max(abs(lo), abs(hi))
    mesh = ax.pcolormesh(XX, YY, C, norm=colors.Normalize(vmin=-width, vmax=width), cmap="bwr",
                         shading="auto", alpha=0.2)
    fig.colorbar(mesh, ax=ax).set_label(_("Output value"))
    levels = np.arange(lo, hi + step, step)
    if len(levels) > 1:
        cont = ax.contour(XX, YY, C, colors="tab:gray", linewidths=0.5, linestyles="dashed", levels=levels)
        cont.clabel(fmt="%1.1f")
    ax.scatter(X[Y == 0, 0], X[Y == 0, 1], c="tab:blue", marker="_")
    ax.scatter(X[Y == 1, 0], X[Y == 1, 1], c="tab:red", marker="+")
    fig.tight_layout()
    return fig


@drawing_in_language
def loss_curve(values, title="", xlabel=None, ylabel=None, figsize=(5.2, 3.4), dpi=100):
    xlabel = _("Iteration #") if xlabel is None else xlabel
    ylabel = _("Loss") if ylabel is None else ylabel
    fig = Figure(figsize=figsize, dpi=dpi)
    ax = fig.add_subplot()
    ax.plot(values)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    fig.tight_layout()
    return fig
