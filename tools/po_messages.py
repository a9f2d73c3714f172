"""The messages marked for translation in bibun's code, and the .po catalog updated to hold them.

    python tools/po_messages.py            # list them
    python tools/po_messages.py --update   # add the new ones to each bibun/locale/*/LC_MESSAGES/bibun.po
                                           # (empty, to translate) and drop the ones no longer used

A message is the literal argument of _(...), N_(...) or the first two of ngettext(...).
"""
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKERS = {"_": 1, "N_": 1, "ngettext": 2}


def messages(root=ROOT / "bibun"):
    """{(msgid, msgid_plural or None): [file:line, ...]} in source order."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS):
                continue
            args = node.args[:MARKERS[node.func.id]]
            if len(args) != MARKERS[node.func.id] or not all(
                    isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
                continue                                  # _(f.help): a constant marked with N_ elsewhere
            key = (args[0].value, args[1].value if len(args) > 1 else None)
            found.setdefault(key, []).append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _quote(s):
    lines = s.split("\n")
    parts = [ln + "\n" for ln in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    esc = lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'  # noqa: E731
    if len(parts) <= 1:
        return esc(s)
    return '""\n' + "\n".join(esc(p) for p in parts)


def write_po(entries, header):
    """.po text of `entries`: [(msgid, plural, [msgstr...], flags, refs)]."""
    out = [header.rstrip("\n"), ""]
    for msgid, plural, strs, flags, refs in entries:
        out += [f"#: {r}" for r in refs]
        if flags:
            out.append("#, " + ", ".join(sorted(flags)))
        out.append("msgid " + _quote(msgid))
        if plural is None:
            out.append("msgstr " + _quote(strs[0] if strs else ""))
        else:
            out.append("msgid_plural " + _quote(plural))
            out += [f"msgstr[{i}] " + _quote(s) for i, s in enumerate(strs or [""])]
        out.append("")
    return "\n".join(out)


def update(po_path):
    sys.path.insert(0, str(ROOT))
    from bibun.i18n import read_po
    text = po_path.read_text(encoding="utf-8")
    old = {(m, p): (s, f) for m, p, s, f in read_po(text) if m}
    header = text.split("\n\n", 1)[0]
    entries = [(m, p, *old.get((m, p), ([], set())), refs) for (m, p), refs in messages().items()]
    po_path.write_text(write_po(entries, header) , encoding="utf-8")
    return len(entries), sum(1 for m, p, s, f, r in entries if not any(s))


if __name__ == "__main__":
    if "--update" in sys.argv:
        for po in sorted((ROOT / "bibun" / "locale").glob("*/LC_MESSAGES/bibun.po")):
            n, todo = update(po)
            print(f"{po.relative_to(ROOT)}: {n} messages, {todo} to translate")
    else:
        for (m, p), refs in messages().items():
            print(repr(m), refs[0])
