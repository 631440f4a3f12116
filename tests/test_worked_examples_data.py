"""Check the worked-example data against a tiny, independent NumPy twin.

Nothing from loopnet's engine is used: the forward pass, the chain rule and the
training loops below are written out here, and the finite-difference check
judges the chain rule. Every published value must match the float64 value to
its printed rounding unless it has an erratum; every erratum must hold the
float64 value and differ from its printed value beyond that rounding.
"""
import numpy as np
import pytest

from loopnet import worked_examples as we


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def loss_value(a, y, loss):
    """L for a batch a, y of shape (N, n_L)."""
    N, n = a.shape
    if loss == "mse":
        return np.sum((a - y) ** 2) / (N * n)
    if loss == "quadratic":
        return np.sum((a - y) ** 2) / (2 * N)
    if loss == "sse":
        return 0.5 * np.sum((a - y) ** 2)
    raise ValueError(loss)


def loss_grad(a, y, loss):
    """∂L/∂a, shape (N, n_L)."""
    N, n = a.shape
    return {"mse": 2 * (a - y) / (N * n), "quadratic": (a - y) / N, "sse": a - y}[loss]


def forward(Ws, bs, X):
    """Lists z[l], a[l] for l = 0..L (z[0] is None, a[0] = X)."""
    zs, acts = [None], [X]
    for l, W in enumerate(Ws):
        z = acts[-1] @ W.T + (bs[l] if bs is not None else 0.0)
        zs.append(z)
        acts.append(sigmoid(z))
    return zs, acts


def backward(Ws, bs, X, Y, loss):
    """deltas[l], dW[l], db[l] (index l = layer number, 1..L)."""
    zs, acts = forward(Ws, bs, X)
    L = len(Ws)
    deltas = [None] * (L + 1)
    deltas[L] = loss_grad(acts[L], Y, loss) * acts[L] * (1 - acts[L])
    for l in range(L - 1, 0, -1):
        deltas[l] = (deltas[l + 1] @ Ws[l]) * acts[l] * (1 - acts[l])
    dW = [None] + [deltas[l].T @ acts[l - 1] for l in range(1, L + 1)]
    db = [None] + [deltas[l].sum(axis=0) for l in range(1, L + 1)]
    return zs, acts, deltas, dW, db


def params(ex):
    Ws = [np.array(W, dtype=float) for W in ex.weights]
    bs = None if ex.biases is None else [np.array(b, dtype=float) for b in ex.biases]
    return Ws, bs


def step(ex, Ws, bs):
    X, Y = np.array(ex.X, float), np.array(ex.Y, float)
    _, _, _, dW, db = backward(Ws, bs, X, Y, ex.loss)
    Ws = [W - ex.lr * dW[l + 1] for l, W in enumerate(Ws)]
    if bs is not None and ex.update_biases:
        bs = [b - ex.lr * db[l + 1] for l, b in enumerate(bs)]
    return Ws, bs


def quantities(ex, Ws, bs, prefix=""):
    """Every named quantity of a single-example network (scheme of the module)."""
    X, Y = np.array(ex.X, float), np.array(ex.Y, float)
    zs, acts, deltas, dW, db = backward(Ws, bs, X, Y, ex.loss)
    q = {}
    L = len(Ws)
    q[prefix + "L"] = loss_value(acts[L], Y, ex.loss)
    for k in range(X.shape[1]):
        q[prefix + f"x[{k + 1}]"] = X[0, k]
    for j in range(Y.shape[1]):
        q[prefix + f"y[{j + 1}]"] = Y[0, j]
        q[prefix + f"L[{j + 1}]"] = loss_value(acts[L][:, [j]], Y[:, [j]], ex.loss)
        q[prefix + f"dL/da{L}[{j + 1}]"] = loss_grad(acts[L], Y, ex.loss)[0, j]
    for l in range(1, L + 1):
        W = Ws[l - 1]
        for j in range(W.shape[0]):
            s = f"[{j + 1}]"
            q[prefix + f"z{l}{s}"] = zs[l][0, j]
            q[prefix + f"a{l}{s}"] = acts[l][0, j]
            q[prefix + f"sigma'(z{l}{s})"] = acts[l][0, j] * (1 - acts[l][0, j])
            q[prefix + f"delta{l}{s}"] = deltas[l][0, j]
            q[prefix + f"dL/db{l}{s}"] = db[l][j]
            if bs is not None:
                q[prefix + f"b{l}{s}"] = bs[l - 1][j]
            for k in range(W.shape[1]):
                jk = f"[{j + 1},{k + 1}]"
                q[prefix + f"W{l}{jk}"] = W[j, k]
                q[prefix + f"dL/dW{l}{jk}"] = dW[l][j, k]
        if l < L:  # gradients w.r.t. hidden activations, total and per output
            dLda = deltas[l + 1] @ Ws[l]
            for k in range(W.shape[0]):
                q[prefix + f"dL/da{l}[{k + 1}]"] = dLda[0, k]
                for j in range(Ws[l].shape[0]):
                    q[prefix + f"dL[{j + 1}]/da{l}[{k + 1}]"] = deltas[l + 1][0, j] * Ws[l][j, k]
    if L == 2 and Ws[1].shape[0] == 1:  # ∂z2/∂W1[j,k] = w2_{1j} σ'(z1_j) x_k
        sp1 = acts[1][0] * (1 - acts[1][0])
        for j in range(Ws[0].shape[0]):
            for k in range(Ws[0].shape[1]):
                q[prefix + f"dz2[1]/dW1[{j + 1},{k + 1}]"] = Ws[1][0, j] * sp1[j] * X[0, k]
    return q


def truth(ex):
    """Float64 value of every quantity the example can publish."""
    Ws, bs = params(ex)
    if ex.name == "step-by-step-3-4-1":
        X, Y = np.array(ex.X, float), np.array(ex.Y, float)
        for _ in range(9999):  # the script prints yhat before its 10,000th update
            Ws, bs = step(ex, Ws, bs)
        yhat = forward(Ws, bs, X)[1][-1]
        return {f"yhat[{n + 1}]": yhat[n, 0] for n in range(X.shape[0])}
    if ex.name == "or-gate-2-2-1":
        return {}
    q = quantities(ex, Ws, bs)
    Ws1, bs1 = step(ex, Ws, bs)
    q.update(quantities(ex, Ws1, bs1, prefix="new "))
    if ex.name == "mazur-2-2-2":
        Wn, bn = Ws, bs
        for _ in range(10000):
            Wn, bn = step(ex, Wn, bn)
        q.update(quantities(ex, Wn, bn, prefix="after 10000 steps "))
    return q


EXAMPLE_NAMES = sorted(we.EXAMPLES)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_shapes_match_sizes(name):
    ex = we.get(name)
    assert ex.name == name
    assert len(ex.weights) == len(ex.sizes) - 1
    for l, W in enumerate(ex.weights):
        assert np.array(W, dtype=float).shape == (ex.sizes[l + 1], ex.sizes[l])
    if ex.biases is not None:
        assert len(ex.biases) == len(ex.sizes) - 1
        for l, b in enumerate(ex.biases):
            assert np.array(b, dtype=float).shape == (ex.sizes[l + 1],)
    assert np.array(ex.X, dtype=float).shape[1] == ex.sizes[0]
    assert np.array(ex.Y, dtype=float).shape == (len(ex.X), ex.sizes[-1])
    assert ex.loss in {"mse", "quadratic", "sse", "cross_entropy"}


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_published_values_match_or_have_erratum(name):
    ex = we.get(name)
    true = truth(ex)
    errata = {e.name for e in ex.errata}
    for key, printed in ex.published.items():
        value = true[we.base_name(key)]
        tol = max(we.printed_tolerance(printed), 1e-9 if key.startswith("yhat") else 1e-12)
        if key in errata:
            continue
        assert abs(printed - value) <= tol, (key, printed, value)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_errata_hold_true_value_and_differ_from_print(name):
    ex = we.get(name)
    true = truth(ex)
    for e in ex.errata:
        assert e.name in ex.published, e.name
        assert ex.published[e.name] == e.printed, e.name
        value = true[we.base_name(e.name)]
        assert abs(e.true - value) <= 1e-12, (e.name, e.true, value)
        assert abs(e.printed - value) > we.printed_tolerance(e.printed), e.name
        assert e.cause


@pytest.mark.parametrize("name", ["by-hand-3-2-1", "mazur-2-2-2", "or-gate-2-2-1"])
def test_chain_rule_agrees_with_finite_differences(name):
    ex = we.get(name)
    Ws, bs = params(ex)
    X, Y = np.array(ex.X, float), np.array(ex.Y, float)
    _, _, _, dW, _ = backward(Ws, bs, X, Y, ex.loss)
    h = 1e-6
    for l, W in enumerate(Ws):
        for j in range(W.shape[0]):
            for k in range(W.shape[1]):
                Wp = [w.copy() for w in Ws]
                Wm = [w.copy() for w in Ws]
                Wp[l][j, k] += h
                Wm[l][j, k] -= h
                Lp = loss_value(forward(Wp, bs, X)[1][-1], Y, ex.loss)
                Lm = loss_value(forward(Wm, bs, X)[1][-1], Y, ex.loss)
                assert abs((Lp - Lm) / (2 * h) - dW[l + 1][j, k]) < 1e-8


def test_step_by_step_weights_are_the_seeded_draw_transposed():
    rng_state = np.random.get_state()
    try:
        np.random.seed(10)
        wij = np.random.rand(3, 4)
        wjk = np.random.rand(4, 1)
    finally:
        np.random.set_state(rng_state)
    ex = we.get("step-by-step-3-4-1")
    assert np.array_equal(np.array(ex.weights[0]), wij.T)
    assert np.array_equal(np.array(ex.weights[1]), wjk.T)


def test_or_gate_first_attempt_is_wrongly_shaped():
    ex = we.get("or-gate-2-2-1")
    shapes = [(ex.sizes[l + 1], ex.sizes[l]) for l in range(len(ex.sizes) - 1)]
    first = we.OR_GATE_FIRST_ATTEMPT_WEIGHTS
    assert [np.array(w).shape for w in first] != shapes


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(KeyError, match="mazur-2-2-2"):
        we.get("nope")


def test_base_name_and_tolerance():
    assert we.base_name("new W1[1,2] (second pass)") == "new W1[1,2]"
    assert we.base_name("sigma'(z1[2])") == "sigma'(z1[2])"
    assert we.printed_tolerance(0.0015) == pytest.approx(5e-5)
    assert we.printed_tolerance(0.0000351085) == pytest.approx(5e-11)
    assert we.printed_tolerance(0.0) == 0.5
