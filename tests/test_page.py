"""The playground page (loopnet/explain/page, playground.py) in a real headless Chromium, one browser for
the module:

1. kernels.js, the page's twin of the component kernels, equals loopnet's kernels (z, a, σ', δ, ∂L/∂a,
   ∂L/∂W, ∂L/∂b, L and its terms, and one SGD step) to 1e-12 on random float64 networks covering every
   hidden activation × output activation × loss;
2. 100 training steps in the page equal Network.fit with the same batches (shuffle=False) to 1e-12;
3. every number printed on the page equals Derivation.value of its name, printed in the page's one
   format, before and after editing a weight and an input through the page's own fields;
4. no two visible labels overlap at 4-5-3-2 and at 8-8-8-8-8; the page fits 1366 pixels wide;
5. the keyboard steps, starts over and selects an edge;
6. every page stays under playground.BUDGET_BYTES and fetches nothing.

Without chromium or websocket-client the tests skip (LOOPNET_REQUIRE_TOOLS=1 makes that a failure);
the Browser and the skip helpers are test_explain_render's."""
import base64
import json
import os
import re
import shutil
import time

import numpy as np
import pytest

import loopnet as ln
from loopnet.explain import explain, explain_example
from loopnet.explain.numbers import Numbers
from loopnet.explain.playground import BUDGET_BYTES, playground, render
from test_explain_render import Browser, module, need

HIDDEN = ("sigmoid", "tanh", "relu", "identity")
OUTPUTS = ("sigmoid", "tanh", "relu", "identity", "softmax")
LOSSES = ("mse", "quadratic", "sse", "cross_entropy")
COMBOS = [(h, o, lo) for h in HIDDEN for o in OUTPUTS for lo in LOSSES
          if lo != "cross_entropy" or o in ("sigmoid", "softmax")]
SIZES = {}        # page name -> bytes, for the size test


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    exe = need("chromium", shutil.which("chromium") or shutil.which("chromium-browser")
               or shutil.which("google-chrome"))
    module("websocket", "websocket-client (a test extra)")
    tmp = tmp_path_factory.mktemp("page")
    b = Browser(exe, tmp)
    b.tmp = tmp
    b.call("Page.enable")
    b.call("Page.addScriptToEvaluateOnNewDocument",
           source="window.__errors = []; addEventListener('error', function (e) { __errors.push(e.message); });")
    b.call("Emulation.setDeviceMetricsOverride", width=1366, height=768, deviceScaleFactor=1, mobile=False)
    yield b
    b.close()


def show(b, page, name):
    """Write ``page`` and load it; assert it ran without a JavaScript error."""
    SIZES[name] = len(page.encode("utf-8"))
    path = b.tmp / (re.sub(r"\W+", "-", name) + ".html")
    path.write_text(page, encoding="utf-8")
    b.call("Page.navigate", url=path.as_uri())
    for _ in range(200):
        if b.js("document.readyState") == "complete" and b.js("!!window.loopnetPage || window.__errors.length > 0"):
            break
        time.sleep(0.05)
    assert b.js("window.__errors") == []
    assert b.js("!!window.loopnetPage")


def close(js, py, what):
    js, py = np.asarray(js, dtype=float), np.asarray(py, dtype=float)
    assert js.shape == py.shape, what
    err = np.abs(js - py) / np.maximum(1.0, np.abs(py))
    assert err.max(initial=0.0) <= 1e-12, (what, float(err.max()))


# ---- 1. the kernels' twin --------------------------------------------------------------------------------
def random_case(rng, hidden, out, loss, case):
    depth = int(rng.integers(1, 4))
    n_out = int(rng.integers(2, 4)) if out == "softmax" else int(rng.integers(1, 4))
    sizes = [int(rng.integers(1, 5))] + [int(rng.integers(1, 6)) for _ in range(depth - 1)] + [n_out]
    net = ln.Network(sizes, activation=hidden, output_activation=out, loss=loss, bias=bool(case % 3), seed=case)
    for W in net.weights:                      # wider than the initialisation: reach relu's kink and tanh's tails
        W *= rng.uniform(0.5, 3.0)
    N = int(rng.integers(1, 5))
    X = rng.normal(size=(N, sizes[0])) * 2
    if loss == "cross_entropy" and out == "softmax":
        Y = np.eye(n_out)[rng.integers(0, n_out, N)]
    elif loss == "cross_entropy":
        Y = rng.uniform(0, 1, (N, n_out))
    else:
        Y = rng.normal(size=(N, n_out))
    return net, X, Y


def test_kernels_js_equals_loopnets_kernels_for_every_activation_output_and_loss(browser):
    show(browser, playground(), "or gate")
    rng = np.random.default_rng(20261203)
    cases, expected = [], []
    for i, (h, o, lo) in enumerate(COMBOS * 2):           # 80 combinations, twice: 160 random networks
        net, X, Y = random_case(rng, h, o, lo, i)
        p = Numbers(net, X, Y)
        after = net.copy()
        after.step(X, Y, 0.3)
        cases.append({"net": {"sizes": net.sizes, "W": [None] + [w.tolist() for w in p.W[1:]],
                              "b": [None] + [b.tolist() for b in p.b[1:]], "has_bias": net.has_bias,
                              "acts": [int(c) for c in net._spec.acts], "loss": int(net._spec.loss)},
                      "X": p.X.tolist(), "Y": p.Y.tolist()})
        expected.append((net, p, after, (h, o, lo)))
    got = browser.js("""(function (cases) {
        return cases.map(function (c) {
            var p = K.numbers(c.net, c.X, c.Y);
            K.step(c.net, c.X, c.Y, 0.3, true);
            return {z: p.z, a: p.a, sp: p.sp, delta: p.delta, dLda: p.dLda, dW: p.dW, db: p.db, loss: p.loss,
                    terms: p.terms, W: c.net.W, b: c.net.b};
        });
    })(%s)""" % json.dumps(cases))
    assert len(got) == len(expected) >= 100
    for g, (net, p, after, combo) in zip(got, expected):
        L = p.L
        close(g["loss"], p.loss, (combo, "L"))
        close(g["terms"], p.terms, (combo, "terms"))
        for l in range(1, L + 1):
            for key in ("z", "a", "delta", "dLda", "dW"):
                close(g[key][l], getattr(p, key)[l], (combo, key, l))
            if p.sp[l] is not None:
                close(g["sp"][l], p.sp[l], (combo, "sp", l))
            if net.has_bias:
                close(g["db"][l], p.db[l], (combo, "db", l))
                close(g["b"][l], after.biases[l - 1], (combo, "new b", l))
            close(g["W"][l], after.weights[l - 1], (combo, "new W", l))


# ---- 2. training in the page is Network.fit ----------------------------------------------------------------
@pytest.mark.parametrize("batch", [None, 5])
def test_100_page_steps_equal_network_fit(browser, batch):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(10, 2))
    Y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    net = ln.Network([2, 4, 3, 1], activation="tanh", output_activation="sigmoid", loss="cross_entropy", seed=3)
    show(browser, playground(net, X, Y, lr=0.7), f"fit batch {batch}")
    browser.js(f"document.getElementById('batch').value = '{batch or 'all'}'; loopnetPage.trainSteps(100)")
    W = browser.js("loopnetPage.state.net.W")
    b = browser.js("loopnetPage.state.net.b")
    losses = np.array(browser.js("loopnetPage.state.losses"))
    hist = net.fit(X, Y, epochs=100 if batch is None else 50, lr=0.7, batch_size=batch, shuffle=False)
    assert len(losses) == 100
    per_epoch = losses if batch is None else losses.reshape(50, 2).mean(axis=1)   # two mini-batches of 5
    close(per_epoch, hist.loss, "loss per step")
    close(browser.js("loopnetPage.epochLosses()"), hist.loss, "the page's curve per epoch")
    for l in (1, 2, 3):
        close(W[l], net.weights[l - 1], ("W", l))
        close(b[l], net.biases[l - 1], ("b", l))
    assert browser.js("document.getElementById('trainmsg').textContent").startswith("100 steps taken")


# ---- 3. every printed number is the derivation's --------------------------------------------------------
def expected_text(d, v):
    """d.fmt(v) as the page prints it: − for minus, mantissa·10^e (the HTML renderer's format)."""
    t = d.fmt(v).replace("-", "−")
    if "e" in t:
        mant, ex = t.split("e")
        t = mant + "·10" + str(int(ex.replace("−", "-"))).replace("-", "−")
    return t


def printed(b):
    return b.js("""(function () {
        var out = [], els = document.querySelectorAll('.num[data-q]');
        for (var i = 0; i < els.length; i++) out.push([els[i].dataset.q, els[i].textContent]);
        return out; })()""")


def assert_every_number(b, d):
    seen = printed(b)
    assert len(seen) > 50
    for name, text in seen:
        v = d.lr if name == "lr" else d.value(name)
        assert text == expected_text(d, v), (name, text, expected_text(d, v))
    return {n for n, _ in seen}


def select_all_panels(b, weight, neuron):
    b.js(f"document.getElementById('w-{weight}').dispatchEvent(new MouseEvent('click'))")
    b.js(f"document.getElementById('n-{neuron}').dispatchEvent(new MouseEvent('click'))")


def edit(b, selector, value):
    b.js(f"""(function () {{ var e = document.querySelector("{selector}"); e.value = '{value}';
             e.dispatchEvent(new Event('change', {{bubbles: true}})); }})()""")


PAGES = {
    "or gate (batch of 4)": lambda: explain_example("or-gate-2-2-1", full=True),
    "mazur (biases kept)": lambda: explain_example("mazur-2-2-2", full=True),
    "4-5-3-2 softmax cross-entropy": lambda: ln.explain(
        ln.Network([4, 5, 3, 2], output_activation="softmax", loss="cross_entropy", seed=1),
        [0.5, -1.0, 0.25, 2.0], [0, 1], lr=0.5, full=True),
    "3-4-2 relu, identity output, mse, batch of 3": lambda: ln.explain(
        ln.Network([3, 4, 2], activation="relu", output_activation="identity", loss="mse", seed=2),
        [[0.5, -1.0, 0.25], [1.0, 0.0, -0.5], [0.0, 0.2, 0.4]], [[1, 0], [0, 1], [0.5, 0.5]], lr=0.1, full=True),
}


@pytest.mark.parametrize("key", list(PAGES))
def test_every_printed_number_is_the_derivations(browser, key):
    d = PAGES[key]()
    show(browser, d.to_html(), key)
    assert browser.js("loopnetPage.state.worst") <= 1e-12          # the page's own check against Python's numbers
    select_all_panels(browser, "2-1-2", "1-1")
    names = assert_every_number(browser, d)
    assert {"L", "new L", "dL/dW1[1,1]", "W2[1,2]"} <= {n.split(" ", 2)[-1] if n.startswith("example") else n
                                                          for n in names} | names
    # edit a weight and an input in the page's fields: every number follows, and equals Python's again
    net = d.net.copy()
    browser.js("document.getElementById('w-1-1-2').dispatchEvent(new MouseEvent('click'))")
    edit(browser, "#edit", "-0.75")
    net.weights[0][0, 1] = -0.75
    X = d.p.X.copy()
    edit(browser, "input[data-x='0,1']", "0.125")
    X[0, 1] = 0.125
    assert browser.js("document.getElementById('agree').textContent").startswith("edited")
    d2 = explain(net, X, d.p.Y, lr=d.lr, update_biases=d.update_biases, full=True)
    select_all_panels(browser, "2-1-2", "1-1")
    assert_every_number(browser, d2)
    assert browser.js("window.__errors") == []


def test_activation_loss_and_lr_edits_follow(browser):
    d = PAGES["4-5-3-2 softmax cross-entropy"]()
    show(browser, d.to_html(), "4-5-3-2 edits")
    edit(browser, "#act", "tanh")
    edit(browser, "#outact", "sigmoid")
    edit(browser, "#loss", "sse")
    edit(browser, "#lr", "0.25")
    net = ln.Network.from_weights([w.copy() for w in d.net.weights], [b.copy() for b in d.net.biases],
                                  activation="tanh", output_activation="sigmoid", loss="sse")
    d2 = explain(net, d.p.X, d.p.Y, lr=0.25, full=True)
    select_all_panels(browser, "3-2-3", "2-2")
    assert_every_number(browser, d2)


# ---- 4. labels at the largest sizes, and the screen ---------------------------------------------------------
OVERLAPS = """(function () {
    // every visible label (weights, neuron values) against every other label and every neuron's circle
    var sel = 'svg text.wl:not(.hid), svg text.nv:not(.hid), svg circle', els = document.querySelectorAll(sel), r = [], bad = [];
    for (var i = 0; i < els.length; i++) r.push([els[i].closest('svg').id, els[i].getBoundingClientRect(),
                                                 els[i].textContent || 'circle', els[i].tagName === 'circle']);
    for (i = 0; i < r.length; i++) for (var j = i + 1; j < r.length; j++) {
        var a = r[i][1], b = r[j][1];
        if (r[i][0] === r[j][0] && !(r[i][3] && r[j][3]) && a.left < b.right - 0.5 && b.left < a.right - 0.5 &&
            a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
            bad.push([r[i][2], r[j][2]]);
    }
    return {n: r.length - document.querySelectorAll('svg circle').length, bad: bad.slice(0, 5)}; })()"""


@pytest.mark.parametrize("sizes", [[4, 5, 3, 2], [8, 8, 8, 8, 8], [8, 8, 8, 8, 8, 8]])
def test_no_two_labels_overlap(browser, sizes):
    net = ln.Network(sizes, seed=4)
    rng = np.random.default_rng(0)
    page = playground(net, rng.normal(size=(2, sizes[0])), rng.uniform(size=(2, sizes[-1])), lr=0.5)
    show(browser, page, "-".join(map(str, sizes)))
    r = browser.js(OVERLAPS)
    assert r["bad"] == []
    assert r["n"] > (sum(sizes[1:]) if len(sizes) <= 5 else 8), r["n"]   # at 6 layers most values go to hover
    # a label left out for lack of room appears on hover or selection
    hid = browser.js("(document.querySelector('svg text.wl.hid') || {}).id || ''")
    if hid:
        edge = hid.replace("lab-", "")
        browser.js(f"document.getElementById('{edge}').dispatchEvent(new MouseEvent('mouseenter'))")
        assert browser.js(f"getComputedStyle(document.getElementById('{hid}')).display") != "none"
    assert browser.js("document.documentElement.scrollWidth") <= 1366
    # the views and the step controls are on the first screen
    assert browser.js("document.getElementById('next').getBoundingClientRect().bottom") <= 768
    if len(sizes) == 5:
        shot(browser, "page-8x5")


def shot(b, name):
    png = base64.b64decode(b.call("Page.captureScreenshot", format="png")["data"])
    (b.tmp / f"{name}.png").write_bytes(png)
    if os.environ.get("LOOPNET_SCREENSHOT_DIR"):
        (os.path.join(os.environ["LOOPNET_SCREENSHOT_DIR"], f"{name}.png"))
        shutil.copy(b.tmp / f"{name}.png", os.path.join(os.environ["LOOPNET_SCREENSHOT_DIR"], f"{name}.png"))
    assert len(png) > 10_000


# ---- 5. the keyboard ---------------------------------------------------------------------------------------
def key(b, name, code):
    for kind in ("rawKeyDown", "keyUp"):
        b.call("Input.dispatchKeyEvent", type=kind, key=name, code=name, windowsVirtualKeyCode=code)


def test_keyboard_steps_starts_over_and_selects(browser):
    show(browser, explain_example("or-gate-2-2-1").to_html(), "keyboard")
    count = lambda: browser.js("document.getElementById('count').textContent")  # noqa: E731
    for _ in range(3):
        key(browser, "ArrowRight", 39)
    assert count().startswith("step 3 of ")
    step = browser.js("document.getElementById('step').innerText")
    assert "1. Forward pass — example 1: x = (0, 0), y = (0)" in step
    key(browser, "ArrowLeft", 37)
    assert count().startswith("step 2 of ")
    key(browser, "Home", 36)
    assert "press next" in count() and "Start" in browser.js("document.getElementById('step').innerText")
    # the example shown: the field under the batch
    edit(browser, "#exn", "3")
    assert "example 3: x = (1, 0), y = (1)" in browser.js("document.getElementById('step').innerText")
    key(browser, "Home", 36)
    browser.js("document.activeElement.blur()")
    # Tab reaches the first edge of the weights view; Enter selects it
    key(browser, "Tab", 9)
    assert browser.js("document.activeElement.id") == "w-1-1-1"
    key(browser, "Enter", 13)
    assert "Weight w(1)1,1" in browser.js("document.getElementById('info').innerText")


# ---- training view, screenshots, size ---------------------------------------------------------------------
def test_toy_sets_train_with_a_decision_map(browser):
    show(browser, playground(sizes=[2, 5, 1], activation="tanh"), "toy")
    for name in ("XOR points", "circles", "moons", "spiral", "AND gate", "mazur-2-2-2"):
        browser.js(f"loopnetPage.choose('{name}')")
        assert browser.js("window.__errors") == []
    for name in ("by-hand-3-2-1", "or-gate-2-2-1", "step-by-step-3-4-1", "mazur-2-2-2"):   # every worked example:
        browser.js(f"loopnetPage.choose('{name}')")                                       # the page's badge compares
        assert browser.js("loopnetPage.state.worst") <= 1e-12, name                        # it with loopnet's numbers
        assert "agree with loopnet" in browser.js("document.getElementById('agree').textContent")
    browser.js("loopnetPage.choose('moons')")
    assert browser.js("loopnetPage.state.X.length") == 40
    first = browser.js("loopnetPage.val('L')")
    browser.js("loopnetPage.trainSteps(300)")
    assert browser.js("loopnetPage.val('L')") < first
    assert browser.js("getComputedStyle(document.getElementById('map')).display") != "none"
    browser.js("document.querySelector('#w-1-2-1').dispatchEvent(new MouseEvent('click'))")
    browser.js("loopnetPage.state.at = 0; document.getElementById('next').click()")
    shot(browser, "page-trained-moons")
    # the trained page's numbers are Python's for the trained weights (40 examples: the long sums folded)
    st = browser.js("(function (s) { return {W: s.net.W, b: s.net.b, X: s.X, Y: s.Y, lr: s.lr, upd: s.upd, "
                    "act: s.net.activation, out: s.net.output_activation, loss: s.net.loss}; })(loopnetPage.state)")
    net = ln.Network.from_weights([np.array(w) for w in st["W"][1:]], [np.array(b) for b in st["b"][1:]],
                                  activation=st["act"], output_activation=st["out"], loss=st["loss"])
    d = explain(net, st["X"], st["Y"], lr=st["lr"], update_biases=st["upd"], full=True)
    assert_every_number(browser, d)
    browser.js("document.getElementById('reset-w').click()")
    assert browser.js("loopnetPage.state.losses.length") == 0 and browser.js("loopnetPage.state.worst") <= 1e-12


def test_pages_are_under_budget_and_fetch_nothing():
    big = ln.Network([8, 8, 8, 8, 8, 8], seed=0)
    pages = {"or gate": playground(),
             "8-8-8-8-8-8, N = 4": render(ln.explain(big, np.zeros((4, 8)), np.zeros((4, 8)), lr=0.1, full=True)),
             "8-8-8-8-8-8, N = 40": render(ln.explain(big, np.ones((40, 8)), np.ones((40, 8)), lr=0.1, full=True))}
    for name, page in pages.items():
        SIZES[name] = len(page.encode("utf-8"))
        assert "<script src" not in page and "<link" not in page and "@import" not in page
        assert not re.findall(r"(?:src|href)\s*=\s*[\"']?\s*(?:https?:)?//|url\(", page)
        assert "cdn" not in page.lower()
    for name, size in SIZES.items():          # these and every page the tests above loaded
        assert size < BUDGET_BYTES, (name, size)
    print("page sizes (bytes):", SIZES)


# ---- the command and Jupyter (no browser) -------------------------------------------------------------------
def test_playground_command_writes_the_page(tmp_path, capsys):
    import argparse

    from loopnet.cli.commands.playground import add_parser, run
    parser = argparse.ArgumentParser(prog="loopnet")
    add_parser(parser.add_subparsers(dest="command"))
    for argv, sizes in ((["--example", "mazur-2-2-2"], [2, 2, 2]), (["--sizes", "2-3-1", "--activation", "tanh"], [2, 3, 1])):
        out = tmp_path / "p.html"
        args = parser.parse_args(["playground", *argv, "--out", str(out)])
        assert run(args) == 0
        assert "wrote" in capsys.readouterr().out
        page = out.read_text(encoding="utf-8")
        data = json.loads(re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.S).group(1))
        assert data["net"]["sizes"] == sizes
    args = parser.parse_args(["playground", "--sizes", "2-x-1", "--out", str(tmp_path / "q.html")])
    assert run(args) == 2 and "loopnet playground:" in capsys.readouterr().err


def test_jupyter_shows_the_page_inline():
    d = explain_example("or-gate-2-2-1")
    frame = d._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "&lt;script" in frame and "<script" not in frame


def test_the_pages_number_format_is_pythons(browser):
    """Python's f"{v:.{digits}g}": exponent from 1e-4 and from 10^digits, ties to even, no trailing zeros."""
    show(browser, playground(), "format")
    rng = np.random.default_rng(1)
    values = [0.25, 0.35, 2.5, 1234565.0, 1234575.0, 0.000123456, 0.0001, 9.9999995, 99999.95, 999999.5, 1e16, -0.5,
              -7.5e-05, 1.0, 10.0, 123456.0, 1234567.0, 5e-324, 1.7976931348623157e308, 0.1 + 0.2, 1 / 3, -2 / 3]
    values += list(rng.normal(size=40) * 10.0 ** rng.integers(-8, 9, 40))
    for digits in (1, 2, 3, 6, 7, 12, 17):
        got = browser.js(f"{json.dumps(values)}.map(function (v) {{ return loopnetPage.fmt(v, {digits}); }})")
        assert got == [f"{v:.{digits}g}" for v in values], digits
    # printed as the HTML renderer prints a number (−, mantissa·10<sup>e</sup>)
    from loopnet.explain.html import HtmlPrinter
    from loopnet.explain.nodes import Num
    got = browser.js(f"{json.dumps(values)}.map(function (v) {{ return loopnetPage.fmtH(v); }})")
    assert got == [HtmlPrinter().num(Num(v, "0" if v == 0 else f"{v:.6g}")) for v in values]


def test_a_network_too_large_to_draw_is_refused_with_the_limit():
    d = ln.explain(ln.Network([3, 9, 1], seed=0), [0.1, 0.2, 0.3], [1])
    with pytest.raises(ValueError, match="up to 5 layers of weights and 8 neurons per layer; this one is 3-9-1"):
        d.to_html()


def test_a_diverging_step_leaves_the_weights_as_they_were(browser):
    show(browser, playground(sizes=[2, 3, 1], activation="identity", output_activation="identity", lr=1e200),
         "diverging")
    before = browser.js("loopnetPage.state.net.W")
    browser.js("loopnetPage.trainSteps(3)")
    assert "infinite or NaN" in browser.js("document.getElementById('trainmsg').textContent")
    after = browser.js("loopnetPage.state.net.W")
    assert after == before or browser.js("loopnetPage.state.steps_taken") > 0
    assert all(np.isfinite(np.array(w, dtype=float)).all() for w in after[1:])


# ---- kernels.js is the kernels' twin in its text too ----------------------------------------------------------
TWINS = {"weighted_input": "loopnet.kernels.forward", "activate_layer": "loopnet.kernels.forward",
         "output_error": "loopnet.kernels.backward", "hidden_error": "loopnet.kernels.backward",
         "bias_gradient": "loopnet.kernels.backward", "weight_gradient": "loopnet.kernels.backward",
         "loss_terms": "loopnet.kernels.loss", "softplus": "loopnet.kernels.loss", "sgd_update": "loopnet.kernels.optimizers",
         "sigmoid": "loopnet.activations", "activate": "loopnet.activations", "derivative": "loopnet.activations",
         "loss_scale": "loopnet.losses"}


@pytest.mark.parametrize("name", list(TWINS))
def test_each_javascript_kernel_opens_with_its_python_kernels_equation(name):
    """Each function of kernels.js has the name of a Python kernel and its docstring's equation (the
    docstring's first sentence) as the first line of its comment."""
    import importlib
    from importlib import resources
    js = resources.files("loopnet.explain").joinpath("page", "kernels.js").read_text(encoding="utf-8")
    m = re.search(r"function " + name + r"\([^)]*\) \{\s*/\* (.*)", js)
    assert m, name
    doc = getattr(importlib.import_module(TWINS[name]), name).__doc__.strip().splitlines()[0].replace("``", "")
    equation = re.split(r"(?<=[.;])\s", doc)[0].rstrip(".;:")
    assert m.group(1).startswith(equation), (m.group(1), equation)


def test_every_activation_output_and_loss_chosen_in_the_page_prints_pythons_numbers(browser):
    base = ln.Network([3, 4, 2], seed=7)
    X, Y = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], [[0.0, 1.0], [1.0, 0.0]]
    show(browser, playground(base, X, Y, lr=0.4), "combinations")
    select_all_panels(browser, "2-2-3", "1-2")
    # every output × loss pair once, the hidden activation taking each value in turn (explain costs ~0.2 s each;
    # all 80 combinations are compared kernel by kernel in the first test)
    pairs = [(o, lo) for o in OUTPUTS for lo in LOSSES if lo != "cross_entropy" or o in ("sigmoid", "softmax")]
    for i, (out, loss) in enumerate(pairs):
        hidden = HIDDEN[i % len(HIDDEN)]
        if i % 4 == 0:        # through the page's selects (the rest set the state and recompute once: faster)
            for sel, value in (("#act", hidden), ("#outact", out), ("#loss", loss)):
                edit(browser, sel, value)
        else:
            browser.js(f"(function (n) {{ n.activation = '{hidden}'; n.output_activation = '{out}'; n.loss = '{loss}'; "
                       "loopnetPage.update(); })(loopnetPage.state.net)")
        net = ln.Network.from_weights(base.weights, base.biases, activation=hidden, output_activation=out, loss=loss)
        assert_every_number(browser, explain(net, X, Y, lr=0.4, full=True))
    assert browser.js("window.__errors") == []


def test_sgd_update_with_momentum_equals_the_kernel(browser):
    from loopnet.kernels.optimizers import sgd_update
    show(browser, playground(), "sgd")
    rng = np.random.default_rng(3)
    theta, grad, velocity = rng.normal(size=(3, 12))
    got = browser.js(f"""(function () {{ var t = {json.dumps(theta.tolist())}, v = {json.dumps(velocity.tolist())};
        for (var i = 0; i < 5; i++) K.sgd_update(t, {json.dumps(grad.tolist())}, v, 0.1, 0.9);
        return [t, v]; }})()""")
    for _ in range(5):
        sgd_update(theta, grad, velocity, 0.1, 0.9)
    close(got[0], theta, "theta")
    close(got[1], velocity, "velocity")
