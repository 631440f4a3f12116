"""Digits: LoopNetClassifier vs scikit-learn's MLPClassifier with matching settings, one run each after a warm-up.

Run: python3 bench/compare_sklearn_digits.py   (needs scikit-learn)
"""
import time, warnings
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.exceptions import ConvergenceWarning
from loopnet.sklearn import LoopNetClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
H, LR, B, E = 30, 0.5, 10, 30
ours = LoopNetClassifier(hidden_layer_sizes=(H,), activation="sigmoid", output_activation="softmax",
                         loss="cross_entropy", optimizer="sgd", lr=LR, momentum=0.0, batch_size=B, epochs=E,
                         shuffle=True, tol=None, random_state=0)
theirs = MLPClassifier(hidden_layer_sizes=(H,), activation="logistic", solver="sgd", learning_rate="constant",
                       learning_rate_init=LR, momentum=0.0, nesterovs_momentum=False, alpha=0.0, batch_size=B,
                       max_iter=E, shuffle=True, tol=0.0, n_iter_no_change=E + 1, random_state=0)
LoopNetClassifier(epochs=1).fit(Xtr[:50], ytr[:50])  # warm numba (load compiled kernels from cache)
rows = []
for name, est in (("LoopNetClassifier", ours), ("MLPClassifier", theirs)):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t = time.perf_counter(); est.fit(Xtr, ytr); fit_s = time.perf_counter() - t
    rows.append((name, est.n_iter_, est.score(Xte, yte), fit_s))
print(f"digits: {len(Xtr)} train / {len(Xte)} test, [64, {H}, 10] sigmoid + softmax/cross-entropy, sgd lr={LR} "
      f"batch={B} epochs={E}, momentum 0, no L2, shuffled")
for name, it, acc, s in rows:
    print(f"{name:18s} epochs={it:3d} test accuracy={acc:.4f} fit={s:.3f} s")
print(f"ratio fit time MLP/loopnet = {rows[1][3] / rows[0][3]:.2f}x; accuracy difference = {rows[0][2] - rows[1][2]:+.4f}")
