"""Parameter updates, one component at a time, on the flat vectors θ, ∂L/∂θ and the optimizer state."""
import numpy as np

from ..jit import kernel, cast_like, one_of
from .layout import param_offset


@kernel
def sgd_update(theta, grad, velocity, lr, momentum):
    """SGD with momentum μ: v_i ← μ v_i − η g_i;  θ_i ← θ_i + v_i.  With μ = 0: θ_i ← θ_i − η g_i."""
    if momentum == 0:
        for i in range(theta.shape[0]):
            theta[i] -= lr * grad[i]
    else:
        for i in range(theta.shape[0]):
            velocity[i] = momentum * velocity[i] - lr * grad[i]
            theta[i] += velocity[i]


@kernel
def adam_update(theta, grad, m, v, lr, beta1, beta2, eps, t):
    """Adam (Kingma & Ba 2015), step t = 1, 2, …:
    m_i ← β₁ m_i + (1−β₁) g_i;  v_i ← β₂ v_i + (1−β₂) g_i²;
    m̂_i = m_i / (1−β₁^t);  v̂_i = v_i / (1−β₂^t);  θ_i ← θ_i − η m̂_i / (√v̂_i + ε).
    """
    one = one_of(lr)
    c1 = cast_like(1.0 - float(beta1) ** t, lr)
    c2 = cast_like(1.0 - float(beta2) ** t, lr)
    for i in range(theta.shape[0]):
        g = grad[i]
        m[i] = beta1 * m[i] + (one - beta1) * g
        v[i] = beta2 * v[i] + (one - beta2) * g * g
        m_hat = m[i] / c1
        v_hat = v[i] / c2
        theta[i] -= lr * m_hat / (np.sqrt(v_hat) + eps)


@kernel
def left_out(*args):
    """Stands in for an optimizer's update in a compiled epoch built for another optimizer
    (kernels.training.LEFT_OUT), so an SGD fit never compiles Adam's update. Never reached: the
    epoch's ``if optimizer == SGD`` picks the update it was built with."""
    raise RuntimeError("loopnet: this compiled epoch was built for another optimizer")


@kernel
def add_weight_decay(grad, theta, sizes, has_bias, decay):
    """L2 (Nielsen's network2): the cost gains λ/(2n) Σ w², so ∂/∂w_jk gains (λ/n) w_jk = decay · w_jk.

    Weights only; biases are not decayed.
    """
    for l in range(1, sizes.shape[0]):
        off = param_offset(sizes, has_bias, l)
        for i in range(off, off + sizes[l] * sizes[l - 1]):
            grad[i] += decay * theta[i]
