"""Names of the quantities in a graph: the user's (w1, x_2, y_hat, alpha) as LaTeX and as text, and the
Greek letters given to intermediate results (the chapter's order first: α, β, μ, ν, ξ, π, ρ, φ)."""
import re

from ._format import GREEK, GREEK_TEXT, tex_to_text

# the chapter names the intermediates of eq. (8.6) α, β, μ, ν, ξ, π, ρ, φ; then the rest of the alphabet,
# without σ (the sigmoid), ε and ο (easily misread), then the same letters with subscripts
_FIRST = ["alpha", "beta", "mu", "nu", "xi", "pi", "rho", "phi"]
_MORE = ["gamma", "delta", "zeta", "eta", "theta", "kappa", "lambda", "tau", "upsilon", "chi", "psi", "omega"]
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Name:
    """A quantity's name as LaTeX (``w_{1}``) and as text (``w1``); ``str()`` gives the text."""
    __slots__ = ("tex", "text")

    def __init__(self, tex, text):
        self.tex, self.text = tex, text

    def __str__(self):
        return self.text

    def __repr__(self):
        return f"Name({self.text!r})"

    def __eq__(self, other):
        return isinstance(other, Name) and self.text == other.text

    def __hash__(self):
        return hash(self.text)


def _base_tex(base):
    if base in GREEK_TEXT:
        return "\\" + base
    if len(base) == 1:
        return base
    return r"\mathrm{" + base + "}"


def user_name(name):
    """Name for an identifier the user chose: w1 -> w_{1}, x_2 -> x_{2}, y_hat -> \\hat{y}, alpha -> \\alpha.

    A string that already holds LaTeX (it starts with a backslash or holds braces) is kept as it is.
    """
    name = str(name)
    if "\\" in name or "{" in name:
        return Name(name, tex_to_text(name))
    m = re.fullmatch(r"([A-Za-z]+?)_?hat", name)
    if m and m.group(1):
        b = m.group(1)
        return Name(r"\hat{" + _base_tex(b) + "}", GREEK_TEXT.get(b, b) + "\u0302")
    m = re.fullmatch(r"([A-Za-z]+?)_?(\d+)", name)
    if m:
        b, d = m.groups()
        return Name(f"{_base_tex(b)}_{{{d}}}", GREEK_TEXT.get(b, b) + d if b in GREEK_TEXT else name)
    if "_" in name.strip("_"):
        b, sub = name.split("_", 1)
        if b:
            return Name(f"{_base_tex(b)}_{{{_base_tex(sub) if sub in GREEK_TEXT else sub}}}", name)
    if name in GREEK_TEXT:
        return Name("\\" + name, GREEK_TEXT[name])
    return Name(_base_tex(name), name)


def greek_names(taken=()):
    """Endless supply of names for intermediates, skipping those in `taken` (texts)."""
    taken = set(taken)
    k = 0
    while True:
        for g in _FIRST + _MORE:
            n = Name("\\" + g, GREEK_TEXT[g]) if k == 0 else Name(f"\\{g}_{{{k}}}", f"{GREEK_TEXT[g]}{k}")
            if n.text not in taken and g not in taken:
                yield n
        k += 1


def derivative(num, den, style):
    """∂num/∂den as LaTeX ("tex"/"math") or text."""
    if style == "text":
        return f"∂{num.text}/∂{den.text}"
    return rf"\frac{{\partial {num.tex}}}{{\partial {den.tex}}}"


def partial_of(den, style):
    """The operator ∂/∂den."""
    if style == "text":
        return f"∂/∂{den.text}"
    return rf"\frac{{\partial}}{{\partial {den.tex}}}"


def is_identifier(s):
    return bool(_NAME.match(s))


__all__ = ["Name", "user_name", "greek_names", "derivative", "partial_of", "GREEK"]
