/* loopnet's component kernels in JavaScript: the page's twin of loopnet/kernels (forward.py, backward.py,
   loss.py, optimizers.py) and of the tables in activations.py and losses.py.

   Every function reproduces the Python kernel of the same name, with the same index letters and the
   equation of its docstring; the loops are the same loops in the same order, so the sums round the
   same way (JavaScript numbers are float64). A test runs both on random networks and asserts they agree
   to 1e-12 for every activation x output activation x loss. Arrays are 0-based, one example per row:
   z[n][j] is z^l_nj, W[j][k] is w^l_jk (to neuron j of layer l from neuron k of layer l-1). */
var K = (function () {
  "use strict";
  // activations.py: one table, one code per choice
  var SIGMOID = 0, TANH = 1, RELU = 2, IDENTITY = 3, SOFTMAX = 4;
  var ACTIVATIONS = {sigmoid: SIGMOID, tanh: TANH, relu: RELU, identity: IDENTITY, softmax: SOFTMAX};
  // losses.py
  var MSE = 0, QUADRATIC = 1, SSE = 2, CROSS_ENTROPY = 3;
  var LOSSES = {mse: MSE, quadratic: QUADRATIC, sse: SSE, cross_entropy: CROSS_ENTROPY};

  function sigmoid(z) {
    /* σ(z) = 1 / (1 + e^{−z}), evaluated so that e^{...} never overflows. */
    var e = Math.exp(-Math.abs(z));    // e^{−|z|} ≤ 1: never overflows
    var s = 1 / (1 + e);               // σ(|z|)
    return z >= 0 ? s : e * s;
  }

  function activate(code, z) {
    /* a = σ(z) for one component z and an elementwise activation code (not softmax). */
    if (code === SIGMOID) return sigmoid(z);
    if (code === TANH) return Math.tanh(z);
    if (code === RELU) return z > 0 ? z : 0;
    return z;
  }

  function derivative(code, z, a) {
    /* σ'(z) for one component, from z and a = σ(z) (elementwise activations only). */
    if (code === SIGMOID) return a * (1 - a);
    if (code === TANH) return 1 - a * a;
    if (code === RELU) return z > 0 ? 1 : 0;
    return 1;
  }

  function loss_scale(code, n_examples, n_outputs) {
    /* The factor in front of Σ_n Σ_j e(a, z, y) for a batch of n_examples. */
    if (code === MSE) return 1.0 / (n_examples * n_outputs);
    if (code === QUADRATIC) return 0.5 / n_examples;
    if (code === SSE) return 0.5;
    return 1.0 / n_examples;
  }

  // ---- forward.py ----------------------------------------------------------------------------
  function weighted_input(z, W, b, a_prev) {
    /* z^l_nj = Σ_k w^l_jk a^{l−1}_nk + b^l_j.  z (N, n_l); W (n_l, n_{l−1}); b (n_l,); a_prev (N, n_{l−1}). */
    for (var n = 0; n < z.length; n++) {             // example n of the batch
      for (var j = 0; j < W.length; j++) {           // neuron j of layer l
        var acc = b[j];
        for (var k = 0; k < W[j].length; k++) {      // neuron k of layer l−1
          acc += W[j][k] * a_prev[n][k];             // Σ_k w_jk a_nk
        }
        z[n][j] = acc;
      }
    }
  }

  function activate_layer(a, z, act) {
    /* a^l_nj = σ(z^l_nj); for softmax a_nj = e^{z_nj − m_n} / Σ_i e^{z_ni − m_n}, m_n = max_i z_ni. */
    var n, j;
    if (act === SOFTMAX) {
      for (n = 0; n < z.length; n++) {
        var m = z[n][0];
        for (j = 1; j < z[n].length; j++) if (z[n][j] > m) m = z[n][j];
        var total = 0;
        for (j = 0; j < z[n].length; j++) {
          var e = Math.exp(z[n][j] - m);
          a[n][j] = e;
          total += e;
        }
        for (j = 0; j < z[n].length; j++) a[n][j] = a[n][j] / total;
      }
    } else {
      for (n = 0; n < z.length; n++) for (j = 0; j < z[n].length; j++) a[n][j] = activate(act, z[n][j]);
    }
  }

  // ---- loss.py -------------------------------------------------------------------------------
  function softplus(z) {
    /* softplus(z) = ln(1 + e^z) = max(z, 0) + ln(1 + e^{−|z|}), finite for every finite z. */
    return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  }

  function loss_terms(a, z, y, sw, act, loss) {
    /* Σ_n s_n Σ_j e(a_nj, z_nj, y_nj), the unscaled loss of a batch (accumulated in float64); sw (nb,) holds the sample weights s_n.
       squared losses: e = (a − y)²;  sigmoid cross-entropy: e = softplus(z) − y z;
       softmax cross-entropy: e_n = Σ_j y_nj (logsumexp(z_n) − z_nj). */
    var total = 0, n, j;
    if (loss === CROSS_ENTROPY && act === SOFTMAX) {
      for (n = 0; n < a.length; n++) {
        var m = z[n][0];
        for (j = 1; j < z[n].length; j++) if (z[n][j] > m) m = z[n][j];
        var s = 0;
        for (j = 0; j < z[n].length; j++) s += Math.exp(z[n][j] - m);
        var lse = m + Math.log(s);
        for (j = 0; j < z[n].length; j++) total += sw[n] * (y[n][j] * (lse - z[n][j]));
      }
    } else if (loss === CROSS_ENTROPY && act === SIGMOID) {
      for (n = 0; n < a.length; n++) {
        for (j = 0; j < a[n].length; j++) total += sw[n] * (softplus(z[n][j]) - y[n][j] * z[n][j]);
      }
    } else {
      for (n = 0; n < a.length; n++) {
        for (j = 0; j < a[n].length; j++) {
          var d = a[n][j] - y[n][j];
          total += sw[n] * (d * d);
        }
      }
    }
    return total;
  }

  // ---- backward.py ---------------------------------------------------------------------------
  function output_error(delta, a, z, y, sw, act, loss, scale) {
    /* BP1: δ^L_nj = ∂L/∂a^L_nj · σ'(z^L_nj), with ∂L/∂a_nj = 2·scale·s_n·(a_nj − y_nj) (squared losses).
       Softmax: δ_nj = a_nj (g_nj − Σ_i g_ni a_ni), g = ∂L/∂a. Cross-entropy (σ' cancels):
       sigmoid δ_nj = scale·s_n·(a_nj − y_nj); softmax δ_nj = scale·s_n·(a_nj Σ_i y_ni − y_nj). */
    var n, j, i, g;
    if (loss === CROSS_ENTROPY) {
      for (n = 0; n < a.length; n++) {
        var scale_n = scale * sw[n];
        if (act === SOFTMAX) {
          var ysum = 0;
          for (j = 0; j < a[n].length; j++) ysum += y[n][j];
          for (j = 0; j < a[n].length; j++) delta[n][j] = scale_n * (a[n][j] * ysum - y[n][j]);
        } else {
          for (j = 0; j < a[n].length; j++) delta[n][j] = scale_n * (a[n][j] - y[n][j]);
        }
      }
      return;
    }
    for (n = 0; n < a.length; n++) {
      var two_scale = (scale + scale) * sw[n];
      if (act === SOFTMAX) {
        var ga = 0;                                    // Σ_i g_ni a_ni
        for (i = 0; i < a[n].length; i++) ga += two_scale * (a[n][i] - y[n][i]) * a[n][i];
        for (j = 0; j < a[n].length; j++) {
          g = two_scale * (a[n][j] - y[n][j]);
          delta[n][j] = a[n][j] * (g - ga);
        }
      } else {
        for (j = 0; j < a[n].length; j++) {
          g = two_scale * (a[n][j] - y[n][j]);
          delta[n][j] = g * derivative(act, z[n][j], a[n][j]);
        }
      }
    }
  }

  function hidden_error(delta, W_next, delta_next, z, a, act) {
    /* BP2: δ^l_nj = (Σ_k w^{l+1}_kj δ^{l+1}_nk) · σ'(z^l_nj). */
    for (var n = 0; n < delta.length; n++) {           // example n of the batch
      for (var j = 0; j < delta[n].length; j++) {      // neuron j of layer l
        var acc = 0;
        for (var k = 0; k < W_next.length; k++) {      // neuron k of layer l+1
          acc += W_next[k][j] * delta_next[n][k];      // Σ_k w_kj δ_nk
        }
        delta[n][j] = acc * derivative(act, z[n][j], a[n][j]);
      }
    }
  }

  function bias_gradient(db, delta) {
    /* BP3: ∂L/∂b^l_j = Σ_n δ^l_nj.   db (n_l,); delta (N, n_l). */
    for (var j = 0; j < db.length; j++) {              // neuron j of layer l
      var acc = 0;
      for (var n = 0; n < delta.length; n++) acc += delta[n][j];   // Σ_n δ_nj
      db[j] = acc;
    }
  }

  function weight_gradient(dW, delta, a_prev) {
    /* BP4: ∂L/∂w^l_jk = Σ_n δ^l_nj a^{l−1}_nk.   dW (n_l, n_{l−1}); delta (N, n_l); a_prev (N, n_{l−1}). */
    for (var j = 0; j < dW.length; j++) {              // neuron j of layer l
      for (var k = 0; k < dW[j].length; k++) {         // neuron k of layer l−1
        var acc = 0;
        for (var n = 0; n < delta.length; n++) acc += delta[n][j] * a_prev[n][k];   // Σ_n δ_nj a_nk
        dW[j][k] = acc;
      }
    }
  }

  // ---- optimizers.py -------------------------------------------------------------------------
  function sgd_update(theta, grad, velocity, lr, momentum) {
    /* SGD with momentum μ: v_i ← μ v_i − η g_i;  θ_i ← θ_i + v_i.  With μ = 0: θ_i ← θ_i − η g_i.
       theta, grad (and velocity, unused with μ = 0) are one layer's W (its rows in turn) or b. */
    for (var i = 0; i < theta.length; i++) {
      if (Array.isArray(theta[i])) {
        sgd_update(theta[i], grad[i], velocity ? velocity[i] : null, lr, momentum);
      } else if (momentum === 0) {
        theta[i] -= lr * grad[i];
      } else {
        velocity[i] = momentum * velocity[i] - lr * grad[i];
        theta[i] += velocity[i];
      }
    }
  }

  // ---- the passes over the layers (backward.backpropagate; explain's numbers) ----------------
  function zeros(N, m) {
    var out = [];
    for (var n = 0; n < N; n++) { var r = []; for (var j = 0; j < m; j++) r.push(0); out.push(r); }
    return out;
  }

  function forward(net, X) {
    /* z^l, a^l for l = 1..L of the batch X (N, n_0): weighted_input then activate_layer, layer after layer.
       net = {sizes, W: [null, W^1 …], b: [null, b^1 …], acts: [code of layer 1 …]}. */
    var s = net.sizes, L = s.length - 1, N = X.length, z = [null], a = [X];
    for (var l = 1; l <= L; l++) {
      z.push(zeros(N, s[l]));
      a.push(zeros(N, s[l]));
      weighted_input(z[l], net.W[l], net.b[l], a[l - 1]);
      activate_layer(a[l], z[l], net.acts[l - 1]);
    }
    return {z: z, a: a};
  }

  function numbers(net, X, Y) {
    /* Every number of one gradient step on the batch (X, Y), as loopnet.explain computes them:
       z, a, σ'(z), the loss and its terms, ∂L/∂a, δ, ∂L/∂W, ∂L/∂b (and each example's term of ∂L/∂W). */
    var s = net.sizes, L = s.length - 1, N = X.length, l, n, j, k;
    var f = forward(net, X), z = f.z, a = f.a, acts = net.acts, loss = net.loss;
    var ones = [];
    for (n = 0; n < N; n++) ones.push(1);
    var sp = [null];
    for (l = 1; l <= L; l++) {
      if (acts[l - 1] === SOFTMAX) { sp.push(null); continue; }
      var r = zeros(N, s[l]);
      for (n = 0; n < N; n++) for (j = 0; j < s[l]; j++) r[n][j] = derivative(acts[l - 1], z[l][n][j], a[l][n][j]);
      sp.push(r);
    }
    var scale = loss_scale(loss, N, s[L]);
    var value = scale * loss_terms(a[L], z[L], Y, ones, acts[L - 1], loss);
    var softmax_ce = loss === CROSS_ENTROPY && acts[L - 1] === SOFTMAX;
    var terms = [];
    for (n = 0; n < N; n++) {
      var row = [];
      if (softmax_ce) row.push(scale * loss_terms([a[L][n]], [z[L][n]], [Y[n]], [1], acts[L - 1], loss));
      else for (j = 0; j < s[L]; j++) row.push(scale * loss_terms([[a[L][n][j]]], [[z[L][n][j]]], [[Y[n][j]]], [1], acts[L - 1], loss));
      terms.push(row);
    }
    var delta = [], dLda = [];
    for (l = 0; l <= L; l++) { delta.push(null); dLda.push(null); }
    delta[L] = zeros(N, s[L]);
    output_error(delta[L], a[L], z[L], Y, ones, acts[L - 1], loss, scale);
    if (loss !== CROSS_ENTROPY) {
      dLda[L] = zeros(N, s[L]);
      output_error(dLda[L], a[L], z[L], Y, ones, IDENTITY, loss, scale);
    } else if (acts[L - 1] === SIGMOID) {
      dLda[L] = delta[L].map(function (row, n) { return row.map(function (d, j) { return d / sp[L][n][j]; }); });
    } else {
      dLda[L] = Y.map(function (row, n) { return row.map(function (y, j) { return -scale * y / a[L][n][j]; }); });
    }
    for (l = L - 1; l >= 1; l--) {
      delta[l] = zeros(N, s[l]);
      dLda[l] = zeros(N, s[l]);
      hidden_error(delta[l], net.W[l + 1], delta[l + 1], z[l], a[l], acts[l - 1]);
      hidden_error(dLda[l], net.W[l + 1], delta[l + 1], z[l], a[l], IDENTITY);
    }
    var dW = [null], db = [null], dW_n = [null];
    for (l = 1; l <= L; l++) {
      dW.push(zeros(s[l], s[l - 1]));
      weight_gradient(dW[l], delta[l], a[l - 1]);
      var per = [];
      for (n = 0; n < N; n++) {
        var t = zeros(s[l], s[l - 1]);
        weight_gradient(t, [delta[l][n]], [a[l - 1][n]]);
        per.push(t);
      }
      dW_n.push(per);
      var g = [];
      for (j = 0; j < s[l]; j++) g.push(0);
      bias_gradient(g, delta[l]);
      db.push(g);
    }
    return {N: N, L: L, sizes: s, X: X, Y: Y, z: z, a: a, sp: sp, scale: scale, loss: value, terms: terms,
            softmax_ce: softmax_ce, dLda: dLda, delta: delta, dW: dW, db: db, dW_n: dW_n};
  }

  function gradients(net, X, Y) {
    /* ∂L/∂θ of the batch (X, Y) as backward.backpropagate runs it: the forward pass, BP1, then for
       l = L..1 BP4/BP3 and, below the top layer, BP2. Returns {loss, dW, db} (the loss before a step). */
    var s = net.sizes, L = s.length - 1, N = X.length, l, j, n;
    var f = forward(net, X), z = f.z, a = f.a, acts = net.acts, ones = [];
    for (n = 0; n < N; n++) ones.push(1);
    var scale = loss_scale(net.loss, N, s[L]);
    var value = scale * loss_terms(a[L], z[L], Y, ones, acts[L - 1], net.loss);
    var delta = zeros(N, s[L]), dW = [], db = [];
    output_error(delta, a[L], z[L], Y, ones, acts[L - 1], net.loss, scale);          // BP1
    for (l = L; l >= 1; l--) {
      dW[l] = zeros(s[l], s[l - 1]);
      weight_gradient(dW[l], delta, a[l - 1]);                                         // BP4
      db[l] = [];
      for (j = 0; j < s[l]; j++) db[l].push(0);
      bias_gradient(db[l], delta);                                                     // BP3
      if (l > 1) {
        var delta_prev = zeros(N, s[l - 1]);
        hidden_error(delta_prev, net.W[l], delta, z[l - 1], a[l - 1], acts[l - 2]);   // BP2
        delta = delta_prev;
      }
    }
    dW[0] = null;
    db[0] = null;
    return {loss: value, dW: dW, db: db};
  }

  function step(net, X, Y, lr, update_biases) {
    /* One gradient-descent step on the batch (Network.step): ∂L/∂θ, then θ ← θ − η ∂L/∂θ for every
       layer (biases too, unless update_biases is false). Returns the gradients and the loss before it. */
    var p = gradients(net, X, Y);
    for (var l = 1; l < net.sizes.length; l++) {
      sgd_update(net.W[l], p.dW[l], null, lr, 0);
      if (net.has_bias && update_biases !== false) sgd_update(net.b[l], p.db[l], null, lr, 0);
    }
    return p;
  }

  return {SIGMOID: SIGMOID, TANH: TANH, RELU: RELU, IDENTITY: IDENTITY, SOFTMAX: SOFTMAX,
          ACTIVATIONS: ACTIVATIONS, MSE: MSE, QUADRATIC: QUADRATIC, SSE: SSE, CROSS_ENTROPY: CROSS_ENTROPY,
          LOSSES: LOSSES, sigmoid: sigmoid, activate: activate, derivative: derivative, loss_scale: loss_scale,
          weighted_input: weighted_input, activate_layer: activate_layer, softplus: softplus,
          loss_terms: loss_terms, output_error: output_error, hidden_error: hidden_error,
          bias_gradient: bias_gradient, weight_gradient: weight_gradient, sgd_update: sgd_update,
          zeros: zeros, forward: forward, numbers: numbers, gradients: gradients, step: step};
})();
