"""The renderers of the one derivation model, checked by real tools: pdflatex compiles the handout
(no errors, no overfull box over 5 pt), a Markdown engine with math renders the Markdown (no LaTeX
outside math), a headless Chromium loads the page and a click shows a weight's numbers; text lines
stay within 100 characters; focus and the summary.

Tools that are missing locally make their test skip, with the reason; with LOOPNET_REQUIRE_TOOLS=1
(set by .ci/teaching.sh) a missing tool fails the test instead."""
import base64
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request

import pytest

import loopnet as ln
from loopnet import worked_examples as we
from loopnet.explain import explain_example

REQUIRE = os.environ.get("LOOPNET_REQUIRE_TOOLS") == "1"


def need(what, found):
    if found:
        return found
    msg = f"{what} is not installed here (.ci/teaching.sh installs it; LOOPNET_REQUIRE_TOOLS=1 makes this fail)"
    if REQUIRE:
        pytest.fail(msg)
    pytest.skip(msg)


def module(name, what):
    import importlib
    try:
        return importlib.import_module(name)
    except ImportError:
        return need(what, None)


def softmax_4532():
    net = ln.Network([4, 5, 3, 2], output_activation="softmax", loss="cross_entropy", seed=1)
    return ln.explain(net, [0.5, -1.0, 0.25, 2.0], [0, 1], lr=0.5, full=True)


def batch_softmax():
    net = ln.Network([4, 5, 3, 2], output_activation="softmax", loss="cross_entropy", seed=1)
    X = [[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.3], [0.0, 0.2, 0.4, -1.0]]
    return ln.explain(net, X, [[0, 1], [1, 0], [1, 0]], lr=0.5, full=True)


def lesson_4532_batch():
    net = ln.Network([4, 5, 3, 2], seed=1)
    X = [[0.5, -1.0, 0.25, 2.0], [1.0, 0.0, -0.5, 0.3], [0.0, 0.2, 0.4, -1.0], [0.3, 0.3, 0.3, 0.3]]
    return ln.explain(net, X, [[0, 1], [1, 0], [1, 0], [0, 1]], lr=0.5)


DERIVATIONS = {name: (lambda name=name: explain_example(name, reading="full")) for name in we.EXAMPLES}
DERIVATIONS["4-5-3-2 softmax cross-entropy"] = softmax_4532
DERIVATIONS["4-5-3-2 softmax batch of 3"] = batch_softmax
# the lesson (the default reading of a small network) of every worked example and of a 4-5-3-2 batch
DERIVATIONS.update({f"{name} lesson": (lambda name=name: explain_example(name)) for name in we.EXAMPLES})
DERIVATIONS["4-5-3-2 batch of 4 lesson"] = lesson_4532_batch


# ---- text ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", list(DERIVATIONS))
def test_text_lines_at_most_100_characters(key):
    text = str(DERIVATIONS[key]())
    long = [ln_ for ln_ in text.splitlines() if len(ln_) > 100]
    assert not long, long[:3]
    assert "σ((" not in text and "+ −" not in text and "with σ' = 1)" not in text  # the smaller items


def test_deep_net_shows_a_summary_and_how_to_focus():
    net = ln.Network([3, 8, 8, 8, 2], seed=0)
    d = ln.explain(net, [0.1, 0.2, 0.3], [0, 1])
    text = str(d)
    assert "too many to read" in text and 'focus="dL/dW1[2,3]"' in text and "full=True" in text
    assert len(text.splitlines()) < 40
    assert f"dL/dW4[2,2] = {d.say(d.value('dL/dW4[2,2]'))}" in text  # the largest gradient of the last layer
    full = str(ln.explain(net, [0.1, 0.2, 0.3], [0, 1], full=True))
    assert len(full.splitlines()) > 400 and max(len(ln_) for ln_ in full.splitlines()) <= 100


def test_focus_on_one_weight_shows_its_chain_and_paths_only():
    net = ln.Network([4, 5, 3, 2], output_activation="softmax", loss="cross_entropy", seed=1)
    whole = ln.explain(net, [0.5, -1.0, 0.25, 2.0], [0, 1], full=True)
    d = ln.explain(net, [0.5, -1.0, 0.25, 2.0], [0, 1], focus="dL/dW1[2,3]")
    text = str(d)
    assert "Focused on" in text and len(text.splitlines()) < len(str(whole).splitlines()) / 2
    assert "∂L/∂w⁽¹⁾₂,₃ = δ⁽¹⁾₂·a⁽⁰⁾₃" in text and "sum over the paths from w⁽¹⁾₂,₃" in text
    assert "∂L/∂w⁽¹⁾₁,₁" not in text and "z⁽¹⁾₁ =" not in text   # other weights and neurons of layer 1
    assert "z⁽¹⁾₂ =" in text and "δ⁽¹⁾₂ =" in text and "z⁽²⁾₃ =" in text  # the chain downstream
    paths = [v for name, _, v in d.printed if name.startswith("dL/dW1[2,3] path ")]
    assert len(paths) == 3 * 2 and sum(paths) == pytest.approx(d.value("dL/dW1[2,3]"), rel=1e-10)
    layer = str(ln.explain(net, [0.5, -1.0, 0.25, 2.0], [0, 1], focus="layer 2"))
    assert "z⁽²⁾₃ =" in layer and "∂L/∂w⁽²⁾₃,₅" in layer and "∂L/∂w⁽¹⁾₁,₁" not in layer
    neuron = str(ln.explain(net, [0.5, -1.0, 0.25, 2.0], [0, 1], focus="neuron 1[2]"))
    assert "z⁽¹⁾₂ =" in neuron and "δ⁽¹⁾₂ =" in neuron and "z⁽¹⁾₁ =" not in neuron
    for bad in ("W9[1,1]", "layer 0", "nonsense", "dL/dW1[6,1]"):
        with pytest.raises(ValueError, match="focus must name"):
            ln.explain(net, [0.5, -1.0, 0.25, 2.0], [0, 1], focus=bad)


# ---- Markdown -----------------------------------------------------------------------------------------
MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+?\$", re.S)


@pytest.mark.parametrize("key", list(DERIVATIONS))
def test_markdown_has_no_latex_outside_math(key):
    md = DERIVATIONS[key]().to_markdown()
    outside = MATH.sub("", re.sub(r"`[^`\n]*`", "", md))
    assert not re.findall(r"\\[A-Za-z]+", outside), re.findall(r".{30}\\[A-Za-z]+.{10}", outside)[:3]
    assert "$" not in outside.replace("\\$", "")  # every $ pairs up into a math span
    for span in MATH.findall(md):  # pandoc's rule: no space just inside an inline $…$
        if not span.startswith("$$"):
            assert span[1] != " " and span[-2] != " ", span


def test_markdown_renders_in_a_markdown_engine_with_math():
    mdit = module("markdown_it", "markdown-it-py (a test extra)")
    dollarmath_plugin = module("mdit_py_plugins.dollarmath", "mdit-py-plugins (a test extra)").dollarmath_plugin
    engine = mdit.MarkdownIt("commonmark").enable("table").use(dollarmath_plugin, double_inline=True)
    for key in ("by-hand-3-2-1", "or-gate-2-2-1"):
        d = DERIVATIONS[key]()
        md = d.to_markdown()
        tokens = engine.parse(md)

        def walk(ts):
            for t in ts:
                yield t
                yield from walk(t.children or [])
        flat = list(walk(tokens))
        text = "".join(t.content for t in flat if t.type == "text")
        assert "\\" not in text and "$" not in text   # no LaTeX leaked into rendered text
        assert "textasciicircum" not in md and "$\\cdot$" not in md
        maths = [t for t in flat if t.type in ("math_inline", "math_block", "math_block_eqno", "math_inline_double")]
        assert len(maths) > 30
        assert sum(t.type == "table_open" for t in flat) >= 1
        html = engine.render(md)
        assert "<em>" not in html    # no `$` paired wrongly into running italics
    errata = engine.render(DERIVATIONS["by-hand-3-2-1"]().to_markdown()).split("Errata</h2>")[1]
    # the errata cell that the first edition leaked as z\textasciicircum{}(2): now math
    assert "<td>decimal point slipped: " in errata and "z^{(2)}" in errata


# ---- LaTeX --------------------------------------------------------------------------------------------
def compile_tex(tex, tmp, name="d"):
    engine = need("pdflatex", shutil.which("pdflatex"))
    (tmp / f"{name}.tex").write_text(tex)
    r = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", f"{name}.tex"], cwd=tmp,
                       capture_output=True, timeout=300)
    log = (tmp / f"{name}.log").read_text(errors="replace")
    return r.returncode, log


@pytest.mark.parametrize("key", list(DERIVATIONS))
def test_latex_handout_compiles_without_overfull_boxes(key, tmp_path):
    tex = DERIVATIONS[key]().to_latex()
    rc, log = compile_tex(tex, tmp_path)
    errors = [ln_ for ln_ in log.splitlines() if ln_.startswith("!")]
    assert rc == 0 and not errors, errors[:5]
    bad = [(float(m.group(2)), m.group(0)) for m in re.finditer(r"Overfull \\(h|v)box \((\d+\.\d+)pt too", log)
           if float(m.group(2)) > 5.0]
    assert not bad, bad[:5]
    pages = int(re.search(r"Output written on d\.pdf \((\d+) pages?", log).group(1))
    assert pages >= 1
    if key == "by-hand-3-2-1":
        assert pages <= 7, pages   # the first edition needed 8 and lost the errata rows


def test_latex_handout_has_the_complete_errata(tmp_path):
    pdftotext = need("pdftotext (poppler-utils)", shutil.which("pdftotext"))
    tex = explain_example("by-hand-3-2-1", reading="full").to_latex()
    rc, _ = compile_tex(tex, tmp_path)
    assert rc == 0
    subprocess.run([pdftotext, "-layout", "d.pdf", "d.txt"], cwd=tmp_path, check=True, timeout=60)
    text = (tmp_path / "d.txt").read_text()
    errata = text[text.index("Errata"):]
    for e in we.get("by-hand-3-2-1").errata:   # every erratum row is in the PDF, ∂L/∂W1 and the W1 update too
        assert repr(e.printed) in errata, e.name
    assert errata.count("dL/dW1[") >= 4 and errata.count("new W1[") >= 6
    assert "zˆ" not in text and "w {" not in text


# ---- HTML ---------------------------------------------------------------------------------------------
def test_html_is_one_self_contained_file(tmp_path):
    d = explain_example("or-gate-2-2-1")
    page = d.to_html(tmp_path / "p.html")
    assert (tmp_path / "p.html").read_text(encoding="utf-8") == page
    assert "<script src" not in page and "<link" not in page and "@import" not in page
    # nothing is fetched: no src/href/url() to another address (the SVG namespace is a name, not a download)
    assert not re.findall(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//|url\(", page)
    assert "cdn" not in page.lower()
    data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.S).group(1))
    # the page starts from the derivation's network and data, with Python's numbers for its own check
    assert data["net"]["sizes"] == [2, 2, 1] and len(data["X"]) == 4 and data["lr"] == 3.0
    assert {k for k in data["python"] if k.startswith("dL/dW")} == {
        f"dL/dW{l}[{j},{k}]" for l, j, k in ((1, 1, 1), (1, 1, 2), (1, 2, 1), (1, 2, 2), (2, 1, 1), (2, 1, 2))}


class Browser:
    """Headless Chromium driven through its DevTools protocol (websocket-client)."""

    def __init__(self, exe, tmp):
        import websocket
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--remote-allow-origins=*",
             f"--user-data-dir={tmp / 'profile'}", "--remote-debugging-port=0", "--window-size=1200,900",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            m = re.search(r"DevTools listening on ws://[\d.]+:(\d+)/", line)
            if m:
                port = int(m.group(1))
                break
            if not line and self.proc.poll() is not None:
                break
        assert port, "chromium did not start its DevTools endpoint"
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30))
        page = next(t for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.n = 0

    def call(self, method, **params):
        self.n += 1
        self.ws.send(json.dumps({"id": self.n, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.n:
                assert "error" not in msg, msg
                return msg["result"]

    def js(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        assert "exceptionDetails" not in r, r
        return r["result"].get("value")

    def click(self, x, y):
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def close(self):
        try:
            self.ws.close()
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=30)


def test_html_page_in_a_headless_browser(tmp_path):
    exe = need("chromium", shutil.which("chromium") or shutil.which("chromium-browser")
               or shutil.which("google-chrome"))
    module("websocket", "websocket-client (a test extra)")
    d = explain_example("or-gate-2-2-1")
    page = tmp_path / "or.html"
    d.to_html(page)
    b = Browser(exe, tmp_path)
    try:
        b.call("Page.enable")
        b.call("Emulation.setDeviceMetricsOverride", width=1200, height=900, deviceScaleFactor=1, mobile=False)
        b.call("Page.navigate", url=page.as_uri())
        for _ in range(100):
            if b.js("document.readyState") == "complete" and b.js("!!document.getElementById('w-1-2-1')"):
                break
            time.sleep(0.1)
        # click the weight w⁽¹⁾₂,₁ at 20 % of its edge (away from crossings and from the neurons)
        x, y = b.js("""(function () {
            var ln = document.querySelector('#w-1-2-1 .hit'), svg = document.getElementById('net');
            var p = svg.createSVGPoint(), a = +ln.getAttribute('x1'), c = +ln.getAttribute('y1');
            p.x = a + 0.2 * (ln.getAttribute('x2') - a); p.y = c + 0.2 * (ln.getAttribute('y2') - c);
            var q = p.matrixTransform(ln.getScreenCTM()); return [q.x, q.y]; })()""")
        b.click(x, y)
        info = b.js("document.getElementById('info').innerText")
        grad = d.fmt(d.value("dL/dW1[2,1]")).replace("-", "−")
        assert "w(1)2,1 = " + d.fmt(d.value("W1[2,1]")) in info.replace("\n", "")
        assert f"= {grad}" in info                       # its ∂L/∂w, the batch sum …
        assert "Σn δ(1)n,2 a(0)n,1" in info             # … as the chain-rule sum over the examples
        for n in range(1, 5):
            term = d.fmt(d.value(f"example {n} dL/dW1[2,1]")).replace("-", "−").split("e")[0]
            assert term in info, term
        # click neuron 2 of layer 1: its z, a and δ for every example
        x, y = b.js("(function(){var r=document.querySelector('#n-1-2 circle').getBoundingClientRect();"
                    "return [r.x + r.width / 2, r.y + r.height / 2];})()")
        b.click(x, y)
        info = b.js("document.getElementById('info').innerText")
        assert "Neuron 2 of layer 1" in info
        for n in range(1, 5):
            for q in ("z1[2]", "a1[2]", "delta1[2]"):
                assert d.fmt(d.value(f"example {n} {q}")).replace("-", "−").split("e")[0] in info, (n, q)
        # step through: three clicks on "next"
        x, y = b.js("(function(){var r=document.getElementById('next').getBoundingClientRect();"
                    "return [r.x + r.width / 2, r.y + r.height / 2];})()")
        for _ in range(3):
            b.click(x, y)
        assert b.js("document.getElementById('count').innerText").startswith("step 3 of ")
        step = b.js("document.getElementById('step').innerText")
        assert "1. Forward pass" in step and d.fmt(d.value("example 1 z1[2]")) in step
        shot = b.call("Page.captureScreenshot", format="png")["data"]
        (tmp_path / "page.png").write_bytes(base64.b64decode(shot))
        assert (tmp_path / "page.png").stat().st_size > 10_000
        if os.environ.get("LOOPNET_SCREENSHOT"):
            shutil.copy(tmp_path / "page.png", os.environ["LOOPNET_SCREENSHOT"])
    finally:
        b.close()


# ---- printer rules (third edition) ---------------------------------------------------------------------
def test_negative_bases_and_subtracted_negatives_are_parenthesised():
    net = ln.Network.from_weights([[[0.3, -0.5], [0.7, 0.2]], [[0.6, -0.4], [0.25, 0.8]]], [[0.1, 0.1], [0.0, 0.1]],
                                  activation="tanh", output_activation="tanh", loss="mse")
    d = ln.explain(net, [-1.0, 0.5], [0.5, -0.6], reading="full")
    text, tex = str(d), d.to_latex()
    assert re.search(r"1 − \(−0\.\d+\)² = ", text), text
    assert not re.search(r"− −\d", text) and not re.search(r"[−-]\d[\d.]*²", text)
    assert re.search(r"1 - \\left\(-0\.\d+\\right\)\^\{2\}", tex)
    assert not re.search(r"\{-\d[\d.]*\}\^\{2\}", tex)


def test_one_notation_in_focus_and_batches():
    d = explain_example("or-gate-2-2-1", focus="dL/dW1[2,1]")
    text = str(d)
    assert "w⁽¹⁾₂,₁" in text and "^(" not in text and "_(" not in text
    assert "a⁽⁰⁾₍₁₎ = x₍₁₎ = (0, 0)" in text        # the example of a whole vector in parentheses
    assert "∂L/∂a⁽²⁾ₙ,ⱼ = 1/4·(a⁽²⁾ₙ,ⱼ − yₙ,ⱼ)" in " ".join(str(explain_example("or-gate-2-2-1", reading="full")).split())
    h = str(ln.explain(ln.Network.from_weights([[[1.0]]], [[0.0]]), [[-1.3], [2.0]], [[0.0], [1.0]], reading="full"))
    assert "x = (−1.3)" in h and "x = (-1.3)" not in h


def test_softmax_shortcut_defines_its_symbols():
    net = ln.Network.from_weights([[[0.2, -0.4], [0.6, 0.1], [-0.3, 0.5]]], [[0.0, 0.1, -0.1]],
                                  output_activation="softmax", loss="cross_entropy")
    text = " ".join(str(ln.explain(net, [0.8, -0.3], [0, 1, 0], reading="full")).split())
    assert "with c = 1 the loss scale" in text
    assert re.search(r"∂a⁽¹⁾₁/∂z⁽¹⁾₂ = a⁽¹⁾₁\(0 − a⁽¹⁾₂\) = ", text), text
