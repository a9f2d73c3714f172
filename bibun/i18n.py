"""The language bibun speaks: English (the source language) or Japanese, the chapter's own.

    from bibun.i18n import language
    with language("ja"):
        print(bibun.explain("a*x + b", a=-2, x=3, b=4))      # 順伝播 ... 逆伝播 ...

The language is, first to last: the one set with `language(...)` (explain(lang=...), train(lang=...),
`bibun --lang ...` set it), then BIBUN_LANG, then the locale (LC_ALL, LC_MESSAGES, LANG: a value starting
with "ja" means Japanese), else English.

Messages are marked in the code with `_("...")` (`translate`, translated where they are used) or `N_("...")` (a
constant translated later, by `_`), and translated with Python's gettext from the catalog in
bibun/locale/<lang>/LC_MESSAGES/bibun.po. The .po is compiled in memory on first use (`_compile`): the
.po stays the one file to edit, nothing can go stale, and nothing is written into an installed package
or a cache folder (which may be read-only or shared between versions). For a few hundred messages this
costs a few milliseconds once per process.

This module is part of the base: it needs the standard library alone.
"""
import ast
import contextvars
import functools
import gettext
import io
import os
import struct
from contextlib import contextmanager
from pathlib import Path

LANGUAGES = ("en", "ja")
SOURCE = "en"
LOCALE_DIR = Path(__file__).with_name("locale")
DOMAIN = "bibun"

_chosen = contextvars.ContextVar("bibun_language", default=None)


def normalise(lang, what="lang"):
    """'ja', 'ja_JP.UTF-8', 'JA' -> 'ja'; None -> None; ValueError naming the choices for anything else."""
    if lang is None:
        return None
    code = str(lang).strip().lower().replace("-", "_").split(".")[0].split("_")[0]
    if code not in LANGUAGES:
        raise ValueError(f"{what}={lang!r}: bibun speaks {' and '.join(LANGUAGES)}; choose one of them")
    return code


def from_environment(env=None):
    """The language the environment asks for: BIBUN_LANG, else the locale's messages language."""
    env = os.environ if env is None else env
    wanted = env.get("BIBUN_LANG", "").strip()
    if wanted:
        try:
            return normalise(wanted)
        except ValueError:
            return SOURCE                  # as gettext does with a locale it has no catalog for
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):     # POSIX order: the first one set decides
        value = env.get(var, "").strip()
        if value:
            return "ja" if value.lower().startswith("ja") else SOURCE
    return SOURCE


def current():
    """The language in effect here (this thread, this context)."""
    return _chosen.get() or from_environment()


def resolve(lang):
    """An explicit `lang` argument checked, or the language in effect when it is None."""
    return normalise(lang) or current()


@contextmanager
def language(lang):
    """Speak `lang` ("en" or "ja") inside the block; None keeps the language in effect."""
    token = _chosen.set(resolve(lang))
    try:
        yield
    finally:
        _chosen.reset(token)


def speaking(method):
    """A method of an object with a `lang` attribute runs in that language."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with language(getattr(self, "lang", None)):
            return method(self, *args, **kwargs)
    return wrapper


def in_language(fn):
    """`fn` takes a keyword `lang` ("en", "ja"; None: the language in effect) and runs in that language."""
    @functools.wraps(fn)
    def wrapper(*args, lang=None, **kwargs):
        with language(lang):
            return fn(*args, **kwargs)
    return wrapper


def translate(message):
    """`message` in the language in effect (imported as `_`, the name gettext's tools look for)."""
    lang = current()
    return message if lang == SOURCE or not message else catalog(lang).gettext(message)


def ngettext(singular, plural, n):
    lang = current()
    if lang == SOURCE:
        return singular if n == 1 else plural
    return catalog(lang).ngettext(singular, plural, n)


def N_(message):
    """Mark a constant for translation without translating it (it is translated where it is shown)."""
    return message


@functools.lru_cache(maxsize=None)
def catalog(lang):
    """The GNUTranslations of `lang`, compiled from its .po."""
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    return gettext.GNUTranslations(io.BytesIO(_compile(read_po(po.read_text(encoding="utf-8")))))


def read_po(text):
    """[(msgid, msgid_plural or None, [msgstr, ...], flags)] of a .po file's entries, the header included."""
    entries, cur, field, flags = [], None, None, set()

    def close():
        if cur is not None:
            strs = [cur[k] for k in sorted(k for k in cur if k.startswith("msgstr"))]
            entries.append((cur["msgid"], cur.get("msgid_plural"), strs, cur["flags"]))

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
        elif not line or line.startswith("#"):
            continue
        elif line.startswith('"'):
            cur[field] += ast.literal_eval(line)
        else:
            field, _, rest = line.partition(" ")
            field = field.replace("[", "_").rstrip("]")        # msgstr[0] -> msgstr_0
            if field == "msgid":
                close()
                cur, flags = {"flags": flags}, set()
            cur[field] = ast.literal_eval(rest)
    close()
    return entries


def _compile(entries):
    """GNU .mo bytes of `entries` (fuzzy ones left out, as msgfmt does)."""
    pairs = {}
    for msgid, plural, strs, flags in entries:
        if "fuzzy" in flags and msgid:
            continue
        key = msgid if plural is None else msgid + "\0" + plural
        pairs[key.encode("utf-8")] = "\0".join(strs).encode("utf-8")
    keys = sorted(pairs)
    n = len(keys)
    ids = strs = b""
    id_table, str_table = [], []
    for k in keys:
        id_table.append((len(k), len(ids)))
        ids += k + b"\0"
        str_table.append((len(pairs[k]), len(strs)))
        strs += pairs[k] + b"\0"
    start = 7 * 4 + 16 * n                     # header, then both offset tables, then the strings
    out = struct.pack("<7I", 0x950412DE, 0, n, 28, 28 + 8 * n, 0, start)
    out += b"".join(struct.pack("<2I", ln, start + off) for ln, off in id_table)
    out += b"".join(struct.pack("<2I", ln, start + len(ids) + off) for ln, off in str_table)
    return out + ids + strs
