"""bibun in Japanese: the catalog is complete, the language is chosen as documented, and the Japanese
outputs (explain, a report, the tour page, the command line) hold no English left untranslated."""
import html
import re
import sys
from pathlib import Path

import pytest

import bibun
from bibun import i18n
from bibun.cli import main

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from po_messages import messages  # noqa: E402

PO = ROOT / "bibun" / "locale" / "ja" / "LC_MESSAGES" / "bibun.po"
PLACEHOLDER = re.compile(r"\{[a-z_]*(?::[^}]*)?\}|@[a-z]\b")

# ASCII words a Japanese output may hold: code and names the learner types (functions of an expression,
# the chapter's classes, options, data sets, models), the notation, and units. Anything else is English
# left untranslated.
CODE_WORDS = set("""
exp log sigmoid tanh relu ReLU sqrt abs nn Sequential BCEWithLogitsLoss optim SGD Module no_grad bibun
CrossEntropyLoss scikit learn digits linear mlp adam sgd lr F1 NaN eq NN MNIST fashion mnist
""".split())


def english_words(text, allowed=()):
    """The ASCII words of `text` (two letters or more) that are neither code nor names."""
    allowed = CODE_WORDS | set(allowed)
    return sorted({w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text) if w not in allowed})


def page_text(page):
    """What a reader of an HTML page reads: no scripts, styles, code, attributes or tags."""
    for tag in ("script", "style", "pre", "code"):
        page = re.sub(rf"<{tag}\b.*?</{tag}>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def _catalog():
    return {(m, p): (strs, flags) for m, p, strs, flags in i18n.read_po(PO.read_text(encoding="utf-8")) if m}


# -- the catalog ------------------------------------------------------------------------------------
def test_every_marked_message_has_a_japanese_entry_and_none_is_fuzzy_or_stale():
    marked = messages()
    catalog = _catalog()
    assert len(marked) > 200
    missing = [m for m in marked if m not in catalog or not all(catalog[m][0]) or not catalog[m][0]]
    assert not missing, missing[:5]
    assert not [m for m, (_, flags) in catalog.items() if "fuzzy" in flags]
    assert not [m for m in catalog if m not in marked]           # nothing the code no longer uses


def test_each_translation_keeps_the_placeholders_of_its_message():
    for (msgid, _), (strs, _) in _catalog().items():
        assert set(PLACEHOLDER.findall(msgid)) - {"{via}"} == set(PLACEHOLDER.findall(strs[0])), msgid


def test_the_po_compiles_to_a_mo_that_gettext_reads():
    po = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n#, fuzzy\nmsgid "a"\nmsgstr "あ"\n\n' \
         'msgid "two\\n"\n"lines"\nmsgstr "二\\n"\n"行"\n'
    import gettext
    import io
    t = gettext.GNUTranslations(io.BytesIO(i18n._compile(i18n.read_po(po))))
    assert t.gettext("two\nlines") == "二\n行"
    assert t.gettext("a") == "a"                                  # fuzzy entries are left out, as msgfmt does
    assert i18n.catalog("ja").gettext("Forward pass") == "前向き計算"


# -- choosing the language --------------------------------------------------------------------------
@pytest.mark.parametrize("env, lang", [
    ({}, "en"), ({"LANG": "ja_JP.UTF-8"}, "ja"), ({"LANG": "ja_JP.UTF-8", "LC_ALL": "C"}, "en"),
    ({"LC_MESSAGES": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}, "ja"), ({"BIBUN_LANG": "ja", "LC_ALL": "C"}, "ja"),
    ({"BIBUN_LANG": "en", "LANG": "ja_JP.UTF-8"}, "en"), ({"BIBUN_LANG": "xx", "LANG": "ja_JP"}, "en"),
])
def test_the_environment_chooses_the_language(env, lang):
    assert i18n.from_environment(env) == lang


def test_an_explicit_language_wins_and_a_wrong_one_says_what_to_choose(monkeypatch):
    monkeypatch.setenv("BIBUN_LANG", "ja")
    assert "前向き計算" in bibun.explain("a*x", a=2, x=3).text()
    assert "Forward pass" in bibun.explain("a*x", a=2, x=3, lang="en").text()
    with pytest.raises(ValueError, match="lang='fr': bibun speaks en and ja"):
        bibun.explain("a*x", a=2, x=3, lang="fr")


# -- explain ------------------------------------------------------------------------------------------
def _formulas(text):
    return re.findall(r"-?\d[\d.]*|∂[A-Za-z0-9_/∂\u0370-\u03ff]+", text)


def _explained(lang="ja"):
    return bibun.explain("-log(sigmoid(w1*x1 + w2*x2)) + w1*w1", w1=1, w2=0.5, x1=1, x2=-1, lang=lang)


def test_explain_in_japanese_has_the_same_numbers_and_notation_and_no_english():
    ja, en = _explained(), _explained("en")
    text = ja.text()
    assert "前向き計算" in text and "後ろ向き自動微分" in text and "勾配" in text and "経由" in text
    # the formulas are the same; only the words around them changed
    assert _formulas(ja.text()) == _formulas(en.text())
    assert ja.latex().replace(r"\text{", "").count("=") == en.latex().count("=")
    assert english_words(text, ["w1", "w2", "x1", "x2"]) == []
    assert english_words(re.sub(r"\\[A-Za-z]+", " ", ja.latex()), ["align", "w_", "x_"]) == []
    assert english_words(re.sub(r"\\[A-Za-z]+|\$", " ", ja.markdown()), ["aligned", "w_", "x_"]) == []
    assert english_words(page_text(ja.to_html(frames=False))) == []
    assert '<html lang="ja">' in ja.to_html(frames=False)


def test_captions_keep_japanese_out_of_mathtext():
    # matplotlib's mathtext fonts have no Japanese glyphs: the notes in words are lines of plain text
    pytest.importorskip("matplotlib")
    for frame in _explained().frames():
        for line in frame.caption.split("\n"):
            assert line.startswith("$") and line.endswith("$") and english_words(re.sub(r"\\[A-Za-z]+|_\{", " ", line)) == [] \
                or "$" not in line and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", line), line


def _font_or_skip():
    pytest.importorskip("matplotlib")
    from bibun.viz.fonts import MissingFontError, japanese_font
    try:
        return japanese_font()
    except MissingFontError as e:
        pytest.skip(str(e))


def test_a_japanese_figure_draws_every_glyph(caplog):
    _font_or_skip()
    import warnings
    ex = _explained()
    with warnings.catch_warnings(record=True) as caught, caplog.at_level("WARNING"):
        warnings.simplefilter("always")
        png = ex.to_png(step=len(ex) - 1, dpi=60)
        frames = ex.png_frames(dpi=40)
        player = ex.to_html(dpi=40)
        from bibun.workbench import figures
        figures.confusion([[3, 1], [0, 4]], ["0", "1"])
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message) or "Glyph" in str(w.message)]
    missing += [r.getMessage() for r in caplog.records if "glyph" in r.getMessage().lower()]
    assert not missing, missing[:3]
    assert png.startswith(b"\x89PNG") and len(frames) == len(ex) == player.count("<g class='bibun-frame'")
    assert 'title="再生"' in player and '<html lang="ja">' in player


def test_a_missing_japanese_font_is_an_error_not_boxes(monkeypatch):
    pytest.importorskip("matplotlib")
    from bibun.viz import fonts
    monkeypatch.setattr(fonts, "FAMILIES", ("No Such Font",))
    monkeypatch.setattr(fonts, "FILES", ("no-such-font-file",))
    fonts.japanese_font.cache_clear()
    try:
        with pytest.raises(fonts.MissingFontError, match="fonts-noto-cjk"):
            _explained().to_png()
        assert _explained("en").to_png().startswith(b"\x89PNG")   # English needs no such font
    finally:
        fonts.japanese_font.cache_clear()


# -- the engine's messages ------------------------------------------------------------------------------
def test_engine_errors_speak_japanese_and_keep_pytorchs_searchable_first_words():
    from bibun.i18n import language
    w = bibun.tensor([1.0, 2.0], requires_grad=True)
    loss = w * 2
    with language("ja"), pytest.raises(RuntimeError) as e:
        loss.backward()
    msg = str(e.value)
    assert msg.startswith("grad can be implicitly created only for scalar outputs: ")
    assert "`loss`" in msg and "一つの数" in msg and "loss.mean().backward()" in msg
    assert english_words(msg.split(": ", 1)[1], ["loss", "mean", "backward", "sum", "gradient", "func", "mul",
                                                   "jacobian", "ones_like"]) == []


def test_the_in_place_and_dtype_errors_speak_japanese_too():
    from bibun.i18n import language
    a = bibun.tensor([1.0, 2.0], requires_grad=True)
    w = a * 2
    h = w * w
    w += 1                                     # mul reads its inputs: backward refuses
    y = a.exp()
    y += 1                                     # exp reads its output
    head = "one of the variables needed for gradient computation has been modified by an inplace operation: "
    for loss, fix in ((h.sum(), "`w = w + ...`"), (y.sum(), "`y = y + ...`")):
        with language("ja"), pytest.raises(RuntimeError) as e:
            loss.backward()
        msg = str(e.value)
        assert msg.startswith(head) and "直し方" in msg and fix in msg
        assert english_words(msg[len(head):], ["w", "y", "mul", "exp", "MulBackward", "ExpBackward", "float",
                                               "clone", "data"]) == []
    x = bibun.tensor([1, 2])
    with language("ja"), pytest.raises(RuntimeError) as e:
        x.requires_grad = True
        (x * 2).sum().backward()
    msg = str(e.value)
    assert msg.startswith("only Tensors of floating point dtype can require gradients") and "直し方" in msg


@pytest.mark.parametrize("expr", ["np.exp(x)", "foo(x)", "x[0]", "x @ x", "exp(x, x)", "lambda: x", "1/0 + x",
                                  "x if x else x", "'a' + x"])
def test_refused_expressions_are_explained_in_japanese(expr):
    from bibun.explain.parse import ExpressionError, parse
    from bibun.i18n import language
    with language("ja"), pytest.raises(ExpressionError) as e:
        parse(expr, names={"x"})
    code = ["np", "exp", "foo", "log", "sigmoid", "tanh", "relu", "sqrt", "abs", "x", "lambda", "if", "else"]
    assert english_words(str(e.value), code) == [], str(e.value)


# -- the command line -----------------------------------------------------------------------------------
def test_lang_ja_works_on_explain_and_its_help(capsys):
    assert main(["explain", "a*x + b", "--at", "a=-2,x=3,b=4", "--lang", "ja"]) == 0
    out = capsys.readouterr().out
    assert "前向き計算" in out and "∂y/∂a = ∂y/∂α · ∂α/∂a = 1 × 3 = 3" in out
    assert main(["--lang", "ja", "explain", "a*x", "--at", "a=1,x=2,a=3"]) == 2
    assert "二回指定されています" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["explain", "train", "compare", "tour", "export", None])
def test_help_of_every_command_in_japanese(command, capsys):
    argv = ([command] if command else []) + ["--lang", "ja", "--help"]
    with pytest.raises(SystemExit):
        main(argv)
    out = capsys.readouterr().out
    assert out.startswith("使い方: ") and "オプション:" in out and "--lang {en,ja}" in out
    # what remains in ASCII: the usage lines, options, metavars, examples and defaults, all code
    prose = "\n".join(ln for ln in out.splitlines() if not ln.lstrip().startswith(("bibun", "-", "usage", "使い方"))
                      and not ln.startswith(" " * 13))
    prose = re.sub(r"--?[\w-]+|[A-Z_]{3,}[\w.,-]*|[\w/.-]*[./][\w/.-]+|\{[^}]*\}", " ", prose)
    allowed = ["EXPR", "sigmoid", "align", "LaTeX", "Markdown", "HTML", "GIF", "PNG", "BLAS", "NumPy", "gzip",
               "tour", "train", "explain", "index", "html", "runs", "compare", "y", "l_hat", "loss", "mlp", "Linear", "relu",
               "PyTorch", "ONNX", "torch", "onnx", "model", "pt", "py", "export"]
    words = english_words(prose, allowed)
    if command == "train":              # the data sets' own descriptions come from their registry
        words = [w for w in words if w not in english_words(" ".join(_dataset_texts()))]
    assert words == []


def _dataset_texts():
    from bibun import datasets
    return [f"{r.about or r.title}" for r in (datasets.get(n) for n in datasets.names())]


# -- the report and the tour --------------------------------------------------------------------------------
def test_a_report_and_a_comparison_in_japanese(tmp_path, capsys):
    pytest.importorskip("sklearn")
    _font_or_skip()
    from bibun.workbench import compare, train
    r = train("digits", "linear", epochs=1, out=tmp_path / "run", quiet=True, lang="ja")
    report = Path(r.paths["report"]).read_text(encoding="utf-8")
    assert '<html lang="ja">' in report and "混同行列" in report and "適合率" in report
    assert english_words(page_text(report), ["digits", "linear", "lr", "y", "p", "x", "avg"]) == []
    c = compare([r.paths["dir"]], out=tmp_path / "cmp", lang="ja")
    page = Path(c["report"]).read_text(encoding="utf-8")
    assert english_words(page_text(page), ["run", "P", "R", "bs"]) == []
    assert main(["compare", str(r.paths["dir"]), "--out", str(tmp_path / "cmp2"), "--lang", "ja"]) == 0
    assert capsys.readouterr().out.startswith("レポート: ")


def test_the_tour_in_japanese_has_the_chapters_section_titles(tmp_path, monkeypatch, capsys):
    pytest.importorskip("sklearn")
    _font_or_skip()
    import functools
    import bibun.workbench
    from bibun import tour
    # the language is what is checked here, not the trainings (test_tour runs them in full)
    monkeypatch.setattr(bibun.workbench, "train", functools.partial(bibun.workbench.train, epochs=1))
    monkeypatch.setattr(tour, "_train_library", lambda model, X, Y, manual=False: model)
    monkeypatch.setattr(tour, "_train_primitive", lambda X, Y: (lambda x: x.sum(1, keepdim=True), [1.0, 0.5], "w b"))
    assert main(["tour", "--out", str(tmp_path), "--quiet", "--lang", "ja"]) == 0
    assert "を書きました" in capsys.readouterr().out
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    for title in ("8.1 計算グラフと自動微分", "8.2 単層NNの学習", "8.3 多層NNの実装", "8.4 確認問題: 自動微分",
                  "8.5 確認問題: NNの学習"):
        assert f"<h2>{title}</h2>" in page
    words = english_words(page_text(page), ["w1", "w2", "x1", "x2", "l", "y", "b", "x", "h", "q", "c", "W", "ax", "Wx", "BCE"])
    assert words == [], words
