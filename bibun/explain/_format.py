"""Numbers and arrays as short text, as the chapter writes them (-6, 0.5, 0.4740), and LaTeX to plain text.

Three styles share one set of rules:
- "text": plain Unicode for terminals (``[[1, 1], [-1, -1]]``),
- "math": LaTeX that matplotlib's mathtext can draw (brackets, no environments),
- "tex":  LaTeX for documents (``pmatrix`` for vectors and matrices).
"""
import math
import re

import numpy as np

DIGITS = 4            # the chapter's precision: 0.6065, -0.4740
MAX_INLINE = 12       # more elements than this and an array is shown by its shape


def num(v):
    """One number: integers without a point, exact short decimals short (-0.5), the rest with 4 decimals."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6 or a < 10 ** -DIGITS:
        m, e = f"{v:.{DIGITS - 1}e}".split("e")
        m = m.rstrip("0").rstrip(".")
        return f"{m}e{int(e)}"
    s = f"{v:.{DIGITS}f}"
    if abs(float(s) - v) <= 1e-6 * max(1.0, a):    # short and exact (up to float32 noise): drop the zeros
        s = s.rstrip("0").rstrip(".")
    if s in ("-0", "0"):
        return "0"
    return s


def is_negative(s):
    return s.startswith("-")


def array(a, style="text"):
    """An array (or number) compactly: 0-d as a number, 1-d and 2-d with brackets, bigger ones by shape."""
    a = np.asarray(a)
    if a.ndim == 0:
        return num(a)
    if a.size > MAX_INLINE or a.ndim > 2:
        shape = "\\times ".join(str(n) for n in a.shape) if style != "text" else "×".join(str(n) for n in a.shape)
        return f"\\langle {shape}\\ \\mathrm{{array}}\\rangle" if style != "text" else f"<{shape} array>"
    if style == "tex":
        if a.ndim == 1:
            return r"\begin{pmatrix}" + r" \\ ".join(num(x) for x in a) + r"\end{pmatrix}"
        return r"\begin{pmatrix}" + r" \\ ".join(" & ".join(num(x) for x in row) for row in a) + r"\end{pmatrix}"
    el = num if style == "text" else _braced       # mathtext reads "[2, -2]" as 2 minus 2: brace the sign
    if a.ndim == 1:
        return "[" + ", ".join(el(x) for x in a) + "]"
    return "[" + ", ".join("[" + ", ".join(el(x) for x in row) + "]" for row in a) + "]"


def _braced(x):
    s = num(x)
    return "{" + s + "}" if s.startswith("-") else s


def scalar_like(a):
    return np.asarray(a).size == 1


# ---- LaTeX to plain text --------------------------------------------------------------------------

GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau "
         "upsilon phi chi psi omega").split()
_GREEK_CHARS = "αβγδεζηθικλμνξοπρστυφχψω"
GREEK_TEXT = dict(zip(GREEK, _GREEK_CHARS))
GREEK_TEXT.update({"Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ",
                   "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "varepsilon": "ε", "varphi": "φ"})

_SYMBOLS = {
    "times": "×", "cdot": "·", "odot": "⊙", "partial": "∂", "top": "ᵀ", "geq": "≥", "leq": "≤", "neq": "≠",
    "sum": "Σ", "infty": "∞", "approx": "≈", "to": "→", "quad": "  ", "qquad": "    ", ",": " ", ";": " ",
    "!": "", " ": " ", "exp": "exp", "log": "log", "tanh": "tanh", "sin": "sin", "cos": "cos", "max": "max",
    "min": "min", "div": "÷", "lbrace": "{", "rbrace": "}", "langle": "<", "rangle": ">", "ldots": "...",
    "cdots": "...", "mid": "|", "pm": "±",
}
_SUP = str.maketrans("0123456789-+()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾ⁿ")
_SUB = str.maketrans("0123456789-+()", "₀₁₂₃₄₅₆₇₈₉₋₊₍₎")
_ATOM = re.compile(r"^-?[\w.@\u0370-\u03ff\u0302ᵀ²³⁻⁰¹⁴-⁹₀-₉]*$|^\[.*\]$|^\(.*\)$")


def _group(s, i):
    """The argument starting at s[i]: a {...} group or one token; returns (content, next index)."""
    while i < len(s) and s[i] == " ":
        i += 1
    if i >= len(s):
        return "", i
    if s[i] == "{":
        depth, j = 0, i
        while j < len(s):
            if s[j] == "{":
                depth += 1
            elif s[j] == "}":
                depth -= 1
                if depth == 0:
                    return s[i + 1:j], j + 1
            j += 1
        return s[i + 1:], len(s)
    if s[i] == "\\":
        m = re.match(r"\\[A-Za-z]+", s[i:])
        if m:
            return m.group(0), i + len(m.group(0))
    return s[i], i + 1


def _wrap(t):
    t = t.strip()
    return t if _ATOM.match(t) else f"({t})"


def tex_to_text(s):
    """Plain Unicode for the small LaTeX this package writes (fractions, powers, Greek, operators)."""
    out = []
    i = 0
    s = s.replace(r"\left", "").replace(r"\right", "")
    while i < len(s):
        c = s[i]
        if c == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", s[i:])
            name = m.group(1)
            i += len(m.group(0))
            if name == "frac":
                a, i = _group(s, i)
                b, i = _group(s, i)
                a, b = tex_to_text(a), tex_to_text(b)
                if a.startswith("∂") and b.startswith("∂"):
                    out.append(f"{a}/{b}")
                else:
                    out.append(f"{_wrap(a)}/{_wrap(b)}")
            elif name == "sqrt":
                a, i = _group(s, i)
                out.append(f"√{_wrap(tex_to_text(a))}")
            elif name in ("hat", "bar", "tilde"):
                a, i = _group(s, i)
                mark = {"hat": "\u0302", "bar": "\u0304", "tilde": "\u0303"}[name]
                out.append(tex_to_text(a) + mark)
            elif name in ("mathrm", "mathbf", "mathit", "text", "operatorname", "boldsymbol", "bm"):
                a, i = _group(s, i)
                out.append(tex_to_text(a))
            elif name in ("begin", "end"):
                _, i = _group(s, i)
            elif name in GREEK_TEXT:
                out.append(GREEK_TEXT[name])
            elif name in _SYMBOLS:
                out.append(_SYMBOLS[name])
            else:
                out.append(name)
        elif c in "^_":
            a, i = _group(s, i + 1)
            t = tex_to_text(a)
            table = _SUP if c == "^" else _SUB
            if t == "ᵀ":
                out.append(t)
            elif t and all(ch in "0123456789-+()" + ("n" if c == "^" else "") for ch in t):
                out.append(t.translate(table))
            else:
                out.append(("^" if c == "^" else "_") + _wrap(t) if len(t) > 1 else ("^" if c == "^" else "") + t)
        elif c in "{}":
            i += 1
        elif c == "&":
            i += 1
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    text = re.sub(r"∂ +", "∂", text)
    return re.sub(r"  +", " ", text).strip()
