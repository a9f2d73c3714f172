"""Pieces of the self-contained HTML pages that the workbench (report.html, compare.html) and `bibun tour`
(index.html) write: one stylesheet, tables, sections, images embedded as data: URIs. Nothing on a page
refers to anything outside it. Cells and text passed in as HTML must already be escaped (esc)."""
import base64
import html

from ..i18n import translate as _, current

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Hiragino Sans","Noto Sans JP",sans-serif;margin:0;
  color:#1d232a;background:#f6f7f9;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:1.2rem 1.5rem 3rem}
h1{font-size:1.6rem;margin:.6rem 0 .2rem} h2{font-size:1.2rem;margin:2rem 0 .6rem;border-bottom:1px solid #d6dae0;
  padding-bottom:.25rem} p.sub{color:#5a6472;margin:.1rem 0 1rem}
nav{font-size:.9rem;margin:.4rem 0 1rem} nav a{margin-right:.9rem;color:#2457a6;text-decoration:none}
section{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:.4rem 1.1rem 1rem;margin:1rem 0}
table{border-collapse:collapse;font-size:.9rem;margin:.4rem 0} th,td{padding:.25rem .6rem;border-bottom:1px solid #e6e8ec;
  text-align:right;font-variant-numeric:tabular-nums} th{background:#f0f2f5} td.l,th.l{text-align:left}
tr.avg td{font-weight:600;border-top:2px solid #9aa3ad} tr.best td{background:#eef7ee}
img.fig{max-width:100%;height:auto;display:block;margin:.4rem 0}
img.ex{image-rendering:pixelated;border:1px solid #ccd;background:#fff}
.muted{color:#6b7480;font-size:.85rem} .bad{color:#b3261e} .good{color:#1f7a35}
.row{display:flex;flex-wrap:wrap;gap:1rem;align-items:flex-start} .row>div{flex:1 1 420px;min-width:0}
@media (max-width:900px){main{padding:.6rem .5rem 2rem} section{padding:.3rem .5rem .8rem}}
.wide{overflow-x:auto}
code{background:#eef0f3;padding:0 .25rem;border-radius:3px}
"""


def esc(x):
    return html.escape(str(x), quote=True)


def img(png_bytes, alt, cls="fig", width=None):
    data = base64.b64encode(png_bytes).decode("ascii")
    w = f' width="{int(width)}"' if width else ""
    return f'<img class="{cls}" alt="{esc(alt)}"{w} src="data:image/png;base64,{data}">'


def num(x, digits=4):
    """A metric for a table cell: None (undefined) shows as an em dash with a tooltip."""
    if x is None:
        return f'<span class="muted" title="{esc(_("undefined: no predictions (or no examples) of this class"))}">—</span>'
    if isinstance(x, int):
        return str(x)
    return f"{x:.{digits}f}"


def table(header, rows, left=1, row_classes=None):
    """header: list of str (None: no header row); rows: lists of already-escaped cell HTML; the first
    `left` columns align left, the others (numbers) right. A table wider than the page scrolls on its own."""
    def cell(tag, i, content):
        return f'<{tag} class="l">{content}</{tag}>' if i < left else f"<{tag}>{content}</{tag}>"

    out = ['<div class="wide"><table>']
    if header is not None:
        out.append("<thead><tr>" + "".join(cell("th", i, esc(h)) for i, h in enumerate(header)) + "</tr></thead>")
    out.append("<tbody>")
    for r, row in enumerate(rows):
        cls = f' class="{row_classes[r]}"' if row_classes and row_classes[r] else ""
        out.append(f"<tr{cls}>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def section(id_, title, body):
    return f'<section id="{esc(id_)}"><h2>{esc(title)}</h2>\n{body}\n</section>'


def page(title, subtitle, nav, sections):
    links = "".join(f'<a href="#{esc(i)}">{esc(t)}</a>' for i, t in nav)
    return (f'<!DOCTYPE html>\n<html lang="{current()}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head>\n<body><main>\n"
            f"<h1>{esc(title)}</h1><p class=\"sub\">{subtitle}</p><nav>{links}</nav>\n"
            + "\n".join(sections) + "\n</main></body></html>\n")
