"""Loss functions L over a batch of N examples with n_L outputs: one table, one entry per choice.

| name | L | ∂L/∂a_nj | convention of |
|---|---|---|---|
| ``mse`` | 1/(N n_L) Σ_n Σ_j (a_nj − y_nj)² | 2 (a_nj − y_nj) / (N n_L) | PyTorch's ``MSELoss``; the 3-2-1 seed |
| ``quadratic`` | 1/(2N) Σ_n Σ_j (a_nj − y_nj)² | (a_nj − y_nj) / N | Nielsen's quadratic cost |
| ``sse`` | ½ Σ_n Σ_j (a_nj − y_nj)² | a_nj − y_nj | the 3-4-1 seed; Mazur's worked example |
| ``cross_entropy`` | sigmoid: −1/N Σ Σ [y ln a + (1−y) ln(1−a)]; softmax: −1/N Σ Σ y ln a | (used only through δ^L, below) | Nielsen's network2; PyTorch's ``BCEWithLogits`` / ``CrossEntropy`` |

Every loss is ``scale(N, n_L) · Σ_n Σ_j e(a_nj, z_nj, y_nj)``; the kernels sum the elementwise
terms e and multiply by the scale once. Cross-entropy is computed from z, not from a, so that
it stays finite when σ(z) rounds to exactly 0 or 1:

* sigmoid: e = softplus(z) − y z, softplus(z) = max(z, 0) + log(1 + e^{−|z|});
* softmax: e_n = Σ_j y_nj (logsumexp(z_n) − z_nj).

With these outputs the output error simplifies (BP1): δ^L_nj = scale · (a_nj − y_nj) for
sigmoid, δ^L_nj = scale · (a_nj Σ_i y_ni − y_nj) for softmax (= a − y when targets sum to 1).
"""
from __future__ import annotations

from dataclasses import dataclass

from .jit import kernel

MSE, QUADRATIC, SSE, CROSS_ENTROPY = 0, 1, 2, 3


@dataclass(frozen=True)
class Loss:
    name: str
    code: int
    formula: str
    needs_outputs: tuple | None  # activations the output layer must have, or None for any

    def scale(self, n_examples: int, n_outputs: int) -> float:
        return loss_scale(self.code, n_examples, n_outputs)


@kernel
def loss_scale(code, n_examples, n_outputs):
    """The factor in front of Σ_n Σ_j e(a, z, y) for a batch of ``n_examples``."""
    if code == MSE:
        return 1.0 / (n_examples * n_outputs)
    if code == QUADRATIC:
        return 0.5 / n_examples
    if code == SSE:
        return 0.5
    return 1.0 / n_examples


LOSSES: dict[str, Loss] = {
    "mse": Loss("mse", MSE, "L = 1/(N n_L) Σ_n Σ_j (a_nj − y_nj)²", None),
    "quadratic": Loss("quadratic", QUADRATIC, "L = 1/(2N) Σ_n Σ_j (a_nj − y_nj)²", None),
    "sse": Loss("sse", SSE, "L = ½ Σ_n Σ_j (a_nj − y_nj)²", None),
    "cross_entropy": Loss(
        "cross_entropy", CROSS_ENTROPY,
        "L = −1/N Σ_n Σ_j [y ln a + (1−y) ln(1−a)] (sigmoid) or −1/N Σ_n Σ_j y ln a (softmax)",
        ("sigmoid", "softmax"),
    ),
}
BY_CODE = {l.code: l for l in LOSSES.values()}
