/* The playground page: draws the network twice (weights view, backward view), writes every equation of
   one gradient step with its numbers, and recomputes all of it with the kernels' twin (K, kernels.js)
   whenever anything is edited. Every derivation number on the page is a <span class="num" data-q="NAME">
   whose NAME is the quantity's name in loopnet.explain (Derivation.value(NAME)); tests read them. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var ACTS = ["sigmoid", "tanh", "relu", "identity", "softmax"];
  var LOSSES = ["mse", "quadratic", "sse", "cross_entropy"];
  var MAXN = 8, MAXL = 5, SHOW_ALL = 8, DENSE = 24;   // DENSE: more edges between two layers show their labels on hover only   // up to 8 neurons per layer and 5 layers; all examples' lines up to 8

  // ---- the one number format: Python's f"{v:.{digits}g}" ("0" for 0), printed as the HTML renderer does --
  function fmt(v, digits) {
    var p = digits || S.digits;
    if (v === 0) return "0";
    if (!isFinite(v)) return isNaN(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    // p significant digits, correctly rounded, ties to even as Python (JavaScript's toExponential rounds them up)
    var m = /^(\d)\.?(\d*)e([+-]\d+)$/.exec(Math.abs(v).toExponential(p - 1)), dg = m[1] + m[2], ex = +m[3];
    var exact = /^(\d)\.?(\d*)e([+-]\d+)$/.exec(Math.abs(v).toExponential(Math.min(100, p + 60))), ed = exact[1] + exact[2];
    if (ed.charAt(p) === "5" && /^0*$/.test(ed.slice(p + 1)) && +ed.charAt(p - 1) % 2 === 0) { dg = ed.slice(0, p); ex = +exact[3]; }
    var sign = v < 0 ? "-" : "", out;
    if (ex < -4 || ex >= p) {
      out = dg.charAt(0) + (dg.length > 1 ? "." + dg.slice(1) : "");
      if (out.indexOf(".") >= 0) out = out.replace(/0+$/, "").replace(/\.$/, "");
      return sign + out + "e" + (ex < 0 ? "-" : "+") + (Math.abs(ex) < 10 ? "0" : "") + Math.abs(ex);
    }
    if (ex >= 0) out = dg.slice(0, ex + 1) + (dg.length > ex + 1 ? "." + dg.slice(ex + 1) : "");
    else out = "0." + new Array(-ex).join("0") + dg;
    if (out.indexOf(".") >= 0) out = out.replace(/0+$/, "").replace(/\.$/, "");
    return sign + out;
  }
  function fmtH(v) {
    var t = fmt(v).replace(/-/g, "−");
    var i = t.indexOf("e");
    if (i >= 0) t = t.slice(0, i) + "·10<sup>" + String(+t.slice(i + 1).replace("−", "-")).replace("-", "−") + "</sup>";
    return t;
  }
  function svgH(t) { return t.replace(/<sup>(.*?)<\/sup>/g, '<tspan baseline-shift="super" font-size="75%">$1</tspan>'); }
  function esc(s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }

  // ---- state ------------------------------------------------------------------------------------
  var S = {digits: D.digits || 6, sel: null, ex: 0, at: 0, losses: [], pos: 0, steps_taken: 0, running: false,
           seed: 1, batch: 0, edited: false};
  function clone(x) { return JSON.parse(JSON.stringify(x)); }
  function load(net, X, Y, lr, upd) {
    S.net = clone(net);
    S.X = clone(X);
    S.Y = clone(Y);
    S.lr = lr == null ? 0.5 : lr;
    S.upd = upd !== false;
    S.ex = 0; S.at = 0; S.sel = null; S.losses = []; S.rows = []; S.pos = 0; S.steps_taken = 0;
  }
  function kernelNet() {
    var L = S.net.sizes.length - 1, a = [];
    for (var l = 1; l <= L; l++) a.push(K.ACTIVATIONS[l < L ? S.net.activation : S.net.output_activation]);
    return {sizes: S.net.sizes, W: S.net.W, b: S.net.b, acts: a, loss: K.LOSSES[S.net.loss], has_bias: S.net.has_bias};
  }

  // ---- the numbers: P before the step, Pn after it (on a copy), names as loopnet.explain's ----------------
  var P, Pn, NEW;
  function compute() {
    var kn = kernelNet();
    P = K.numbers(kn, S.X, S.Y);
    P.net = kn;
    NEW = clone({W: kn.W, b: kn.b});
    var kn2 = {sizes: kn.sizes, W: NEW.W, b: NEW.b, acts: kn.acts, loss: kn.loss, has_bias: kn.has_bias};
    K.step(kn2, S.X, S.Y, S.lr, S.upd);
    Pn = K.numbers(kn2, S.X, S.Y);
    Pn.net = kn2;
  }
  var RX = /^(new )?(?:example (\d+) )?(.*)$/;
  function val(name) {
    var m = RX.exec(name), p = m[1] ? Pn : P, r = m[2] ? +m[2] - 1 : 0, per = !!m[2], q = m[3], g;
    var L = p.L, net = p.net;
    if ((g = /^x\[(\d+)\]$/.exec(q))) return p.X[r][g[1] - 1];
    if ((g = /^y\[(\d+)\]$/.exec(q))) return p.Y[r][g[1] - 1];
    if (q === "L") return per ? sum(p.terms[r]) : p.loss;
    if ((g = /^L\[(\d+)\]$/.exec(q))) return per ? p.terms[r][g[1] - 1] : sum(p.terms.map(function (t) { return t[g[1] - 1]; }));
    if ((g = /^W(\d+)\[(\d+),(\d+)\]$/.exec(q))) return net.W[+g[1]][g[2] - 1][g[3] - 1];
    if ((g = /^dL\/dW(\d+)\[(\d+),(\d+)\]$/.exec(q))) return per ? p.dW_n[+g[1]][r][g[2] - 1][g[3] - 1] : p.dW[+g[1]][g[2] - 1][g[3] - 1];
    if ((g = /^b(\d+)\[(\d+)\]$/.exec(q))) return net.b[+g[1]][g[2] - 1];
    if ((g = /^dL\/db(\d+)\[(\d+)\]$/.exec(q))) return per ? p.delta[+g[1]][r][g[2] - 1] : p.db[+g[1]][g[2] - 1];
    if ((g = /^(z|a|delta|dL\/da)(\d+)\[(\d+)\]$/.exec(q))) {
      return {z: p.z, a: p.a, delta: p.delta, "dL/da": p.dLda}[g[1]][+g[2]][r][g[3] - 1];
    }
    if ((g = /^sigma'\(z(\d+)\[(\d+)\]\)$/.exec(q))) return p.sp[+g[1]][r][g[2] - 1];
    if ((g = /^exp\(z(\d+)\[(\d+)\]\)$/.exec(q))) return Math.exp(p.z[+g[1]][r][g[2] - 1]);
    if ((g = /^S(\d+)$/.exec(q))) return sum(p.z[+g[1]][r].map(Math.exp));
    if (q === "lr") return S.lr;
    throw new Error("no quantity " + name);
  }
  function sum(a) { var t = 0; for (var i = 0; i < a.length; i++) t += a[i]; return t; }
  function num(name) { return '<span class="num" data-q="' + name + '">' + fmtH(val(name)) + "</span>"; }
  // a factor or a term after the first: a negative number in parentheses, as the other renderers write it
  function pn(name) { var h = num(name); return val(name) < 0 ? "(" + h + ")" : h; }

  // ---- symbols as the HTML renderer writes them -----------------------------------------------------
  var BASE = {delta: "δ", Delta: "Δ"};
  function sym(base, layer, idx, n) {
    var out = "<i>" + (BASE[base] || base) + "</i>";
    if (layer !== undefined && layer !== null) out += "<sup>(" + layer + ")</sup>";
    idx = (n ? [n] : []).concat(idx || []);
    if (idx.length) out += "<sub>" + idx.join(",") + "</sub>";
    return out;
  }
  function sp(l, j, n) { return "σ′(" + sym("z", l, [j], n) + ")"; }
  var EQ = " = ";
  function eq(parts) { return parts.join(EQ); }

  // ---- the steps: every equation of the derivation, each naming its example --------------------------
  function exName(n) { return S.X.length > 1 ? "example " + n + " " : ""; }
  function exampleLabel(n) {
    return "example " + n + ": x = (" + S.X[n - 1].map(fmtH).join(", ") + "), y = (" + S.Y[n - 1].map(fmtH).join(", ") + ")";
  }
  function shownExamples() {
    var N = S.X.length, out = [];
    if (N <= SHOW_ALL) for (var n = 1; n <= N; n++) out.push(n);
    else out.push(S.ex + 1);
    return out;
  }
  function buildSteps() {
    var s = S.net.sizes, L = s.length - 1, N = S.X.length, steps = [], l, j, k, n, i;
    var bN = N > 1 ? "n" : null, acts = P.net.acts;
    function add(section, html, tags, n) { steps.push({section: section, html: html, tags: tags || [], ex: n || 0}); }
    function forward(sec, n, pre) {
      var e = N > 1 ? n : null, X = pre + exName(n);
      add(sec, eq([sym("a", 0, [], e), sym("x", null, [], e), "(" + s0(n, pre) + ")"]), nTags(0), n);
      for (l = 1; l <= L; l++) {
        for (j = 1; j <= s[l]; j++) {
          var sy = [], nu = [], tags = ["n-" + l + "-" + j];
          for (k = 1; k <= s[l - 1]; k++) {
            sy.push(sym("w", l, [j, k]) + " " + sym("a", l - 1, [k], e));
            nu.push((k === 1 ? num : pn)(pre + "W" + l + "[" + j + "," + k + "]") + "·" + pn(X + "a" + (l - 1) + "[" + k + "]"));
            tags.push("w-" + l + "-" + j + "-" + k);
          }
          if (S.net.has_bias) { sy.push(sym("b", l, [j])); nu.push(pn(pre + "b" + l + "[" + j + "]")); }
          add(sec, eq([sym("z", l, [j], e), sy.join(" + "), nu.join(" + "), num(X + "z" + l + "[" + j + "]")]), tags, n);
        }
        if (acts[l - 1] === K.SOFTMAX) {
          var ex = [], exn = [];
          for (j = 1; j <= s[l]; j++) {
            ex.push("exp(" + sym("z", l, [j], e) + ")");
            exn.push(num(X + "exp(z" + l + "[" + j + "])"));
          }
          add(sec, eq([sym("S", l, [], e), ex.join(" + "), exn.join(" + "), num(X + "S" + l)]), nTags(l), n);
          for (j = 1; j <= s[l]; j++) {
            add(sec, eq([sym("a", l, [j], e), "exp(" + sym("z", l, [j], e) + ") / " + sym("S", l, [], e),
                         num(X + "exp(z" + l + "[" + j + "])") + " / " + num(X + "S" + l), num(X + "a" + l + "[" + j + "]")]),
                ["n-" + l + "-" + j], n);
          }
        } else {
          var f = ACTS[acts[l - 1]] === "sigmoid" ? "σ" : ACTS[acts[l - 1]];
          for (j = 1; j <= s[l]; j++) {
            add(sec, eq([sym("a", l, [j], e), f + "(" + sym("z", l, [j], e) + ")", f + "(" + num(X + "z" + l + "[" + j + "]") + ")",
                         num(X + "a" + l + "[" + j + "]")]), ["n-" + l + "-" + j], n);
          }
        }
      }
    }
    function s0(n, pre) {
      var o = [];
      for (k = 1; k <= s[0]; k++) o.push(num(pre + exName(n) + "x[" + k + "]"));
      return o.join(", ");
    }
    function nTags(l) { var t = []; for (var q = 1; q <= s[l]; q++) t.push("n-" + l + "-" + q); return t; }
    var shown = shownExamples();
    shown.forEach(function (n) { forward("1. Forward pass", n, ""); });
    // 2. loss
    var scale = P.scale, lname = S.net.loss, sc = fmtH(scale);
    var aj = sym("a", L, ["j"], bN), yj = sym("y", null, ["j"], bN), sums = (N > 1 ? "Σ<sub>n</sub> " : "") + "Σ<sub>j</sub> ";
    var body;
    if (lname === "cross_entropy" && P.softmax_ce) body = "−" + sc + " " + sums + yj + " ln(" + aj + ")";
    else if (lname === "cross_entropy") body = "−" + sc + " " + sums + "(" + yj + " ln(" + aj + ") + (1 − " + yj + ") ln(1 − " + aj + "))";
    else body = sc + " " + sums + "(" + aj + " − " + yj + ")<sup>2</sup>";
    var tl = [];
    if (N > 1) for (n = 1; n <= N; n++) tl.push((n === 1 ? num : pn)(exName(n) + "L"));      // each example's share
    else if (!P.softmax_ce && s[L] > 1) for (j = 1; j <= s[L]; j++) tl.push((j === 1 ? num : pn)("L[" + j + "]"));  // each output's term
    // each example's terms with their numbers: L_nj = scale·e(a_nj, y_nj) (softmax cross-entropy: one per example)
    shown.forEach(function (n) {
      var e = N > 1 ? n : null, X = exName(n);
      if (P.softmax_ce) {
        var ys = [], ns = [];
        for (j = 1; j <= s[L]; j++) {
          ys.push(sym("y", null, [j], e) + " ln(" + sym("a", L, [j], e) + ")");
          ns.push(pn(X + "y[" + j + "]") + "·ln(" + num(X + "a" + L + "[" + j + "]") + ")");
        }
        add("2. Loss", eq([(N > 1 ? sym("L", null, [], n) : sym("L")), "−" + sc + " (" + ys.join(" + ") + ")", "−" + sc + " (" + ns.join(" + ") + ")",
                           num(N > 1 ? X + "L" : "L")]), ["loss"].concat(nTags(L)), n);
        return;
      }
      for (j = 1; j <= s[L]; j++) {
        var a = num(X + "a" + L + "[" + j + "]"), y = pn(X + "y[" + j + "]"), lhs = sym("L", null, [j], e), t = ["n-" + L + "-" + j];
        if (lname === "cross_entropy") {
          add("2. Loss", eq([lhs, "−" + sc + " (" + sym("y", null, [j], e) + " ln(" + sym("a", L, [j], e) + ") + (1 − " + sym("y", null, [j], e) +
                             ") ln(1 − " + sym("a", L, [j], e) + "))", "−" + sc + " (" + y + "·ln(" + a + ") + (1 − " + y + ")·ln(1 − " + a + "))",
                             num(X + "L[" + j + "]")]), t, n);
        } else {
          add("2. Loss", eq([lhs, sc + " (" + sym("a", L, [j], e) + " − " + sym("y", null, [j], e) + ")<sup>2</sup>",
                             sc + " (" + a + " − " + y + ")<sup>2</sup>", num(X + "L[" + j + "]")]), t, n);
        }
      }
    });
    var mid = N > SHOW_ALL ? ["Σ over the " + N + " examples"] : tl.length ? [tl.join(" + ")] : [];
    add("2. Loss", eq([sym("L"), body].concat(mid, [num("L")])), ["loss"].concat(nTags(L)));
    // 3. BP1
    shown.forEach(function (n) {
      var e = N > 1 ? n : null, X = exName(n);
      for (j = 1; j <= s[L]; j++) {
        var t = ["n-" + L + "-" + j], lhs = sym("delta", L, [j], e);
        if (P.softmax_ce) {
          add("3. Output error (BP1)", eq([lhs, "scale · (" + sym("a", L, [j], e) + " Σ<sub>i</sub> " + sym("y", null, ["i"], e) + " − " +
              sym("y", null, [j], e) + ")", fmtH(scale) + " · (" + num(X + "a" + L + "[" + j + "]") + " · " +
              fmtH(sum(S.Y[n - 1])) + " − " + pn(X + "y[" + j + "]") + ")", num(X + "delta" + L + "[" + j + "]")]), t, n);
        } else if (acts[L - 1] === K.SOFTMAX) {
          var gi = [];
          for (i = 1; i <= s[L]; i++) gi.push((i === 1 ? num : pn)(X + "dL/da" + L + "[" + i + "]") + "·" + num(X + "a" + L + "[" + i + "]"));
          add("3. Output error (BP1)", eq([lhs, sym("a", L, [j], e) + " (∂L/∂" + sym("a", L, [j], e) + " − Σ<sub>i</sub> ∂L/∂" +
              sym("a", L, ["i"], e) + " " + sym("a", L, ["i"], e) + ")", num(X + "a" + L + "[" + j + "]") + " · (" +
              num(X + "dL/da" + L + "[" + j + "]") + " − (" + gi.join(" + ") + "))", num(X + "delta" + L + "[" + j + "]")]), t, n);
        } else {
          add("3. Output error (BP1)", eq([lhs, "∂L/∂" + sym("a", L, [j], e) + " · " + sp(L, j, e),
              num(X + "dL/da" + L + "[" + j + "]") + " · " + pn(X + "sigma'(z" + L + "[" + j + "])"),
              num(X + "delta" + L + "[" + j + "]")]), t, n);
        }
      }
    });
    // 4. BP2
    shown.forEach(function (n) {
      var e = N > 1 ? n : null, X = exName(n);
      for (l = L - 1; l >= 1; l--) {
        for (j = 1; j <= s[l]; j++) {
          var sy = [], nu = [], t = ["n-" + l + "-" + j];
          for (k = 1; k <= s[l + 1]; k++) {
            sy.push(sym("w", l + 1, [k, j]) + " " + sym("delta", l + 1, [k], e));
            nu.push((k === 1 ? num : pn)("W" + (l + 1) + "[" + k + "," + j + "]") + "·" + pn(X + "delta" + (l + 1) + "[" + k + "]"));
            t.push("w-" + (l + 1) + "-" + k + "-" + j, "n-" + (l + 1) + "-" + k);
          }
          add("4. Backward pass (BP2)", eq([sym("delta", l, [j], e), "(" + sy.join(" + ") + ") · " + sp(l, j, e),
              "(" + nu.join(" + ") + ") · " + num(X + "sigma'(z" + l + "[" + j + "])"), num(X + "delta" + l + "[" + j + "]")]), t, n);
        }
      }
    });
    // 5. BP3, BP4
    for (l = L; l >= 1; l--) {
      for (j = 1; j <= s[l]; j++) {
        for (k = 1; k <= s[l - 1]; k++) add("5. Gradients (BP3, BP4)", gradEq(l, j, k), ["w-" + l + "-" + j + "-" + k]);
        if (S.net.has_bias) add("5. Gradients (BP3, BP4)", biasEq(l, j), ["n-" + l + "-" + j]);
      }
      var mf = matrixForm(l);
      if (mf) add("5. Gradients (BP3, BP4)", mf, ["layer-" + l]);
    }
    // 6. update and after the step
    var eta = num("lr");
    for (l = 1; l <= L; l++) {
      for (j = 1; j <= s[l]; j++) {
        for (k = 1; k <= s[l - 1]; k++) {
          var w = "W" + l + "[" + j + "," + k + "]";
          add("6. Update (η = " + fmtH(S.lr) + ")", eq(["new " + sym("w", l, [j, k]), num(w) + " − " + eta + "·" + pn("dL/d" + w),
              num("new " + w)]), ["w-" + l + "-" + j + "-" + k]);
        }
        if (S.net.has_bias && S.upd) {
          var b = "b" + l + "[" + j + "]";
          add("6. Update (η = " + fmtH(S.lr) + ")", eq(["new " + sym("b", l, [j]), num(b) + " − " + eta + "·" + pn("dL/d" + b),
              num("new " + b)]), ["n-" + l + "-" + j]);
        }
      }
    }
    shown.forEach(function (n) {
      var e = N > 1 ? n : null;
      for (j = 1; j <= s[L]; j++) {
        add("7. After the step", eq(["new " + sym("a", L, [j], e), num("new " + exName(n) + "a" + L + "[" + j + "]")]), ["n-" + L + "-" + j], n);
      }
    });
    add("7. After the step", eq(["new " + sym("L"), num("new L")]) + " (before the step: " + num("L") + ", " +
        (val("new L") < val("L") ? "down" : "not down: η too large?") + ")", ["loss"]);
    return steps;
  }
  function gradEq(l, j, k) {
    var N = S.X.length, s = S.net.sizes, L = s.length - 1, w = "[" + j + "," + k + "]", i, n;
    var lhs = "∂L/∂" + sym("w", l, [j, k]);
    if (N > SHOW_ALL) {
      return eq([lhs, "Σ<sub>n</sub> " + sym("delta", l, [j], "n") + " " + sym("a", l - 1, [k], "n") + " (" + N + " terms: click the weight)",
                 num("dL/dW" + l + w)]);
    }
    if (N > 1) {
      var nu = [], pr = [];
      for (n = 1; n <= Math.min(N, SHOW_ALL); n++) {
        nu.push((n === 1 ? num : pn)(exName(n) + "delta" + l + "[" + j + "]") + "·" + pn(exName(n) + "a" + (l - 1) + "[" + k + "]"));
        pr.push((n === 1 ? num : pn)(exName(n) + "dL/dW" + l + w));
      }
      var more = "";
      return eq([lhs, "Σ<sub>n</sub> " + sym("delta", l, [j], "n") + " " + sym("a", l - 1, [k], "n"), nu.join(" + ") + more,
                 pr.join(" + ") + more, num("dL/dW" + l + w)]);
    }
    if (l < L && s[l + 1] <= 2) {
      var sy = [], nn = [];
      for (i = 1; i <= s[l + 1]; i++) {
        sy.push(sym("w", l + 1, [i, j]) + " " + sym("delta", l + 1, [i]));
        nn.push((i === 1 ? num : pn)("W" + (l + 1) + "[" + i + "," + j + "]") + "·" + pn("delta" + (l + 1) + "[" + i + "]"));
      }
      return eq([lhs, sym("delta", l, [j]) + "·" + sym("a", l - 1, [k]), "(" + sy.join(" + ") + ") " + sp(l, j) + "·" + sym("a", l - 1, [k]),
                 "(" + nn.join(" + ") + ")·" + pn("sigma'(z" + l + "[" + j + "])") + "·" + pn("a" + (l - 1) + "[" + k + "]"),
                 num("dL/dW" + l + w)]);
    }
    if (l < L) {
      return eq([lhs, sym("delta", l, [j]) + "·" + sym("a", l - 1, [k]), "∂L/∂" + sym("a", l, [j]) + " " + sp(l, j) + "·" + sym("a", l - 1, [k]),
                 num("dL/da" + l + "[" + j + "]") + "·" + pn("sigma'(z" + l + "[" + j + "])") + "·" + pn("a" + (l - 1) + "[" + k + "]"),
                 num("dL/dW" + l + w)]);
    }
    return eq([lhs, sym("delta", l, [j]) + "·" + sym("a", l - 1, [k]), num("delta" + l + "[" + j + "]") + "·" + pn("a" + (l - 1) + "[" + k + "]"),
               num("dL/dW" + l + w)]);
  }
  function biasEq(l, j) {
    var N = S.X.length, lhs = "∂L/∂" + sym("b", l, [j]), n;
    if (N > SHOW_ALL) return eq([lhs, "Σ<sub>n</sub> " + sym("delta", l, [j], "n") + " (" + N + " terms)", num("dL/db" + l + "[" + j + "]")]);
    if (N > 1) {
      var nu = [];
      for (n = 1; n <= Math.min(N, SHOW_ALL); n++) nu.push((n === 1 ? num : pn)(exName(n) + "delta" + l + "[" + j + "]"));
      return eq([lhs, "Σ<sub>n</sub> " + sym("delta", l, [j], "n"), nu.join(" + ") + (N > SHOW_ALL ? " + … (" + N + " terms)" : ""),
                 num("dL/db" + l + "[" + j + "]")]);
    }
    return eq([lhs, sym("delta", l, [j]), num("dL/db" + l + "[" + j + "]")]);
  }
  function mat(rows) {
    return '<span class="mat"><table>' + rows.map(function (r) { return "<tr><td>" + r.join("</td><td>") + "</td></tr>"; }).join("") +
           "</table></span>";
  }
  function matrixForm(l) {
    var s = S.net.sizes, N = S.X.length, j, k, n;
    if (s[l] > 6 || s[l - 1] > 6 || N > 4 || N + s[l - 1] > 8) return null;
    var Dm = [], Am = [], Gm = [];
    for (j = 1; j <= s[l]; j++) { var r = []; for (n = 1; n <= N; n++) r.push(num(exName(n) + "delta" + l + "[" + j + "]")); Dm.push(r); }
    for (n = 1; n <= N; n++) { r = []; for (k = 1; k <= s[l - 1]; k++) r.push(num(exName(n) + "a" + (l - 1) + "[" + k + "]")); Am.push(r); }
    for (j = 1; j <= s[l]; j++) { r = []; for (k = 1; k <= s[l - 1]; k++) r.push(num("dL/dW" + l + "[" + j + "," + k + "]")); Gm.push(r); }
    return eq(["∂L/∂" + sym("W", l) + " = " + sym("Delta", l) + " (" + sym("A", l - 1) + ")<sup>T</sup>", mat(Dm) + " " + mat(Am), mat(Gm)]) +
           ' <span class="note">(' + s[l] + " × " + N + ")(" + N + " × " + s[l - 1] + ") = " + s[l] + " × " + s[l - 1] + "</span>";
  }

  // ---- the page's frame ---------------------------------------------------------------------------
  var app = document.getElementById("app");
  app.innerHTML =
    '<header><h1 id="title"></h1><span id="agree" class="badge"></span></header>' +
    '<div id="main"><div id="left">' +
    '<div id="views"><figure><figcaption><b>Weights</b>: <i>w</i> on the edges, <i>a</i> at the neurons</figcaption>' +
    '<svg id="net" viewBox="0 0 420 300" role="img" aria-label="the network, weights"></svg></figure>' +
    '<figure><figcaption><b>Backward</b>: ∂L/∂<i>w</i> on the edges, δ at the neurons</figcaption>' +
    '<svg id="grad" viewBox="0 0 420 300" role="img" aria-label="the network, gradients"></svg></figure></div>' +
    '<div id="legend"><span class="sw pos"></span> positive <span class="sw neg"></span> negative; ' +
    "edge width: |<i>w</i>| (weights view), |∂L/∂<i>w</i>| (backward view). Labels that would collide appear on hover " +
    "or selection. Keys: ← → step, Home start over, Tab to an edge or neuron and Enter to select it.</div>" +
    '<div id="controls"><button id="prev" type="button">◀ back</button><button id="next" type="button">next ▶</button>' +
    '<button id="reset" type="button">start over</button><span id="count"></span></div>' +
    '<div class="panel" id="step"></div>' +
    '<details id="all"><summary>Every equation of the step</summary><div id="alleq"></div></details>' +
    '</div><div id="right">' +
    '<div class="panel" id="settings"><label>Start from <select id="preset"></select></label> ' +
    '<label>sizes <input id="sizes" size="10"></label> ' +
    '<label>hidden <select id="act"></select></label> <label>output <select id="outact"></select></label> ' +
    '<label>loss <select id="loss"></select></label> <label>η <input id="lr" size="6"></label> ' +
    '<label><input type="checkbox" id="upd"> update biases</label> <span id="msg"></span></div>' +
    '<div class="panel" id="trainp"><button id="train-step" type="button">train one step</button> ' +
    '<button id="train-run" type="button">run</button> <input id="nsteps" size="5" value="100" aria-label="steps"> steps, batch ' +
    '<input id="batch" size="3" value="all" aria-label="batch size"> <button id="reset-w" type="button">reset to Python\'s weights</button>' +
    '<div id="trainmsg"></div><canvas id="curve" width="300" height="110"></canvas> ' +
    '<canvas id="map" width="110" height="110"></canvas></div>' +
    '<div class="panel" id="info"></div>' +
    '<div class="panel" id="datap"><div id="data-title"></div><div id="datatab"></div></div>' +
    "</div></div>";
  function $(id) { return document.getElementById(id); }
  $("title").textContent = D.title;

  function options(sel, list, cur) {
    sel.innerHTML = list.map(function (o) { return '<option value="' + o + '"' + (o === cur ? " selected" : "") + ">" + o + "</option>"; }).join("");
  }

  // ---- drawing the two views ----------------------------------------------------------------------
  var VW = 420, VH = 300;
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    parent.appendChild(e);
    return e;
  }
  function layout() {
    var s = S.net.sizes, L = s.length - 1, pos = {}, big = Math.max.apply(null, s);
    var r = Math.max(8, Math.min(16, (VH - 26) / big / 2 - 5));
    for (var l = 0; l <= L; l++) {
      for (var j = 1; j <= s[l]; j++) pos[l + "-" + j] = [24 + l * (VW - 104) / Math.max(L, 1), 22 + (j - 0.5) * (VH - 26) / s[l]];
    }
    return {pos: pos, r: r};
  }
  function drawView(svg, kind) {
    var s = S.net.sizes, L = s.length - 1, lay = layout(), pos = lay.pos, R = lay.r, l, j, k;
    var pre = kind === "w" ? "w-" : "g-", npre = kind === "w" ? "n-" : "gn-";
    svg.innerHTML = "";
    var edges = el("g", {}, svg), nodes = el("g", {}, svg), labels = el("g", {"class": "labels"}, svg);
    var big = 1e-300;
    for (l = 1; l <= L; l++) for (j = 0; j < s[l]; j++) for (k = 0; k < s[l - 1]; k++) {
      big = Math.max(big, Math.abs(kind === "w" ? S.net.W[l][j][k] : P.dW[l][j][k]));
    }
    for (l = 0; l <= L; l++) {
      var t = el("text", {x: pos[l + "-1"][0], y: 12, "class": "lt", "text-anchor": "middle"}, labels);
      t.textContent = l === 0 ? "input" : l === L ? "output" : "layer " + l;
    }
    var boxes = [], lab = [], vals = [];
    if (Math.max.apply(null, s) > 5 || L > 3) svg.classList.add("small"); else svg.classList.remove("small");
    for (l = 1; l <= L; l++) {
      for (j = 1; j <= s[l]; j++) {
        for (k = 1; k <= s[l - 1]; k++) {
          var p = pos[(l - 1) + "-" + k], q = pos[l + "-" + j];
          var v = kind === "w" ? S.net.W[l][j - 1][k - 1] : P.dW[l][j - 1][k - 1];
          var name = (kind === "w" ? "W" : "dL/dW") + l + "[" + j + "," + k + "]";
          var g = el("g", {id: pre + l + "-" + j + "-" + k, "class": "wedge", "data-l": l, "data-j": j, "data-k": k, tabindex: kind === "w" ? 0 : -1,
                           "aria-label": (kind === "w" ? "weight " : "gradient of weight ") + l + "," + j + "," + k}, edges);
          el("line", {x1: p[0], y1: p[1], x2: q[0], y2: q[1], "class": "edge " + (v < 0 ? "neg" : "pos"),
                      "stroke-width": (0.6 + 5 * Math.abs(v) / big).toFixed(2)}, g);
          el("line", {x1: p[0], y1: p[1], x2: q[0], y2: q[1], "class": "hit"}, g);
          var tx = el("text", {"class": "wl num", "data-q": name, "text-anchor": "middle", id: "lab-" + pre + l + "-" + j + "-" + k}, labels);
          tx.innerHTML = svgH(fmtH(v));
          lab.push({t: tx, p: p, q: q, id: l + "-" + j + "-" + k});
          g.addEventListener("click", onWeight);
          g.addEventListener("keydown", onKey);
          g.addEventListener("mouseenter", hover);
          g.addEventListener("mouseleave", unhover);
        }
      }
    }
    for (l = 0; l <= L; l++) {
      for (j = 1; j <= s[l]; j++) {
        var c = pos[l + "-" + j];
        var ng = el("g", {id: npre + l + "-" + j, "class": "neuron", "data-l": l, "data-j": j, tabindex: kind === "w" ? 0 : -1,
                          "aria-label": "neuron " + j + " of layer " + l}, nodes);
        el("circle", {cx: c[0], cy: c[1], r: R}, ng);
        var tt = el("text", {x: c[0], y: c[1] + 4, "text-anchor": "middle", "class": "nl"}, ng);
        tt.innerHTML = l === 0 ? "x<tspan baseline-shift='sub' font-size='70%'>" + j + "</tspan>" :
          "<tspan>" + (kind === "w" ? "a" : "δ") + "</tspan><tspan baseline-shift='sub' font-size='70%'>" + j + "</tspan>";
        boxes.push([c[0] - R, c[1] - R, c[0] + R, c[1] + R]);
        var nq = null;
        if (kind === "w") nq = exName(S.ex + 1) + (l === 0 ? "x[" + j + "]" : "a" + l + "[" + j + "]");
        else if (l > 0) nq = exName(S.ex + 1) + "delta" + l + "[" + j + "]";
        if (nq) {
          var vt = el("text", {x: c[0] + R + 3, y: c[1] + 4, "class": "nv num", "data-q": nq, id: "v" + npre + l + "-" + j}, labels);
          vt.innerHTML = svgH(fmtH(val(nq)));
          vals.push(vt);
        }
        ng.addEventListener("click", onNeuron);
        ng.addEventListener("mouseenter", hover);
        ng.addEventListener("mouseleave", unhover);
        ng.addEventListener("keydown", onKey);
      }
    }
    // a neuron's value where it touches no other neuron and no other value, else on hover or selection
    vals.forEach(function (vt) {
      var bb = vt.getBBox(), box = [bb.x, bb.y, bb.x + bb.width, bb.y + bb.height];
      if (boxes.some(function (c) { return c[0] < box[2] && box[0] < c[2] && c[1] < box[3] && box[1] < c[3]; })) vt.classList.add("hid");
      else boxes.push(box);
    });
    // weight labels: the first position along the edge where the label collides with nothing drawn so far
    var T = [0.22, 0.32, 0.42, 0.52, 0.62, 0.72];
    lab.forEach(function (o, i) {
      var ll = +o.id.split("-")[0], placed = false;
      if (s[ll] * s[ll - 1] > DENSE) { o.t.classList.add("hid"); o.t.setAttribute("x", (o.p[0] + o.q[0]) / 2); o.t.setAttribute("y", (o.p[1] + o.q[1]) / 2 - 3); return; }
      for (var m = 0; m < T.length && !placed; m++) {
        var tt = T[(m + i) % T.length];
        o.t.setAttribute("x", o.p[0] + tt * (o.q[0] - o.p[0]));
        o.t.setAttribute("y", o.p[1] + tt * (o.q[1] - o.p[1]) - 3);
        var b = o.t.getBBox(), box = [b.x - 1, b.y, b.x + b.width + 1, b.y + b.height];
        if (!boxes.some(function (c) { return c[0] < box[2] && box[0] < c[2] && c[1] < box[3] && box[1] < c[3]; })) {
          boxes.push(box);
          placed = true;
        }
      }
      if (!placed) {             // shown on hover or selection, at the middle of its edge
        o.t.classList.add("hid");
        o.t.setAttribute("x", (o.p[0] + o.q[0]) / 2);
        o.t.setAttribute("y", (o.p[1] + o.q[1]) / 2 - 3);
      }
    });
  }
  function labelsOf(e) {      // the labels of an edge or a neuron, in both views
    var m = /^(w|g|n|gn)-(.*)$/.exec(e.id), edge = m[1] === "w" || m[1] === "g";
    return (edge ? ["lab-w-", "lab-g-"] : ["vn-", "vgn-"]).map(function (p) { return $(p + m[2]); }).filter(Boolean);
  }
  function hover(ev) { labelsOf(ev.currentTarget).forEach(function (t) { t.classList.add("show"); }); }
  function unhover(ev) {
    var g = ev.currentTarget;
    if (g.classList.contains("on")) return;
    labelsOf(g).forEach(function (t) { t.classList.remove("show"); });
  }
  function onKey(ev) {
    if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); ev.currentTarget.dispatchEvent(new MouseEvent("click")); }
  }
  function mark(tags, fade) {
    var on = document.querySelectorAll("svg .on, svg .show");
    for (var i = 0; i < on.length; i++) on[i].classList.remove("on", "show");
    // while an equation or a selection lights some edges and neurons, the other labels fade
    ["net", "grad"].forEach(function (id) { $(id).classList.toggle("marking", !!fade && tags.some(function (t) { return /^[nw]-/.test(t); })); });
    tags.forEach(function (t) {
      var m = /^(n|w)-(.*)$/.exec(t);
      if (!m) return;
      (m[1] === "n" ? ["n-", "gn-"] : ["w-", "g-"]).forEach(function (p) {
        var e = $(p + m[2]);
        if (e) e.classList.add("on");
        if (e) labelsOf(e).forEach(function (t) { t.classList.add("show"); });
      });
    });
  }

  // ---- panels ---------------------------------------------------------------------------------------
  function editor(id, name, label) {
    return '<label class="ed">' + label + ' <input id="' + id + '" data-q="' + name + '" size="12" value="' + val(name) + '"></label>';
  }
  function onWeight(ev) {
    var g = ev.currentTarget;
    S.sel = {kind: "w", l: +g.dataset.l, j: +g.dataset.j, k: +g.dataset.k, id: g.dataset.l + "-" + g.dataset.j + "-" + g.dataset.k};
    info();
    render(true);
  }
  function onNeuron(ev) {
    var g = ev.currentTarget;
    S.sel = {kind: "n", l: +g.dataset.l, j: +g.dataset.j};
    info();
    render(true);
  }
  function info() {
    var box = $("info"), sel = S.sel, s = S.net.sizes, N = S.X.length, n;
    if (!sel) { box.innerHTML = "<h3>Click (or Tab + Enter) a weight or a neuron</h3>Its numbers, and a field to change it."; return; }
    if (sel.kind === "w") {
      var l = sel.l, j = sel.j, k = sel.k, w = "W" + l + "[" + j + "," + k + "]";
      var terms = "";
      if (N > 1) {
        var rows = [];
        for (n = 1; n <= N; n++) rows.push("<tr><td>" + n + "</td><td>" + num("example " + n + " dL/d" + w) + "</td></tr>");
        terms = '<div class="scroll"><table class="tab"><tr><th>example</th><th>its term of ∂L/∂' + sym("w", l, [j, k]) + "</th></tr>" + rows.join("") + "</table></div>";
      }
      box.innerHTML = "<h3>Weight " + sym("w", l, [j, k]) + " = " + num(w) + " (to neuron " + j + " of layer " + l +
        " from neuron " + k + " of layer " + (l - 1) + ")</h3>" + editor("edit", w, "change it:") +
        '<div class="eq">' + gradEq(l, j, k) + "</div>" + terms +
        '<div class="eq">after the step: new ' + sym("w", l, [j, k]) + " = " + num(w) + " − " + num("lr") + "·" + pn("dL/d" + w) +
        " = " + num("new " + w) + "</div>";
    } else {
      l = sel.l; j = sel.j;
      var h = "<tr><th>example</th>" + (l ? "<th>z</th><th>a</th><th>δ</th><th>z after the step</th><th>a after the step</th>" :
                                           "<th>x (edit)</th>") + "</tr>", body = "";
      for (n = 1; n <= N; n++) {
        var X = exName(n);
        body += "<tr><td>" + n + "</td>" + (l ? "<td>" + num(X + "z" + l + "[" + j + "]") + "</td><td>" + num(X + "a" + l + "[" + j + "]") +
          "</td><td>" + num(X + "delta" + l + "[" + j + "]") + "</td><td>" + num("new " + X + "z" + l + "[" + j + "]") + "</td><td>" +
          num("new " + X + "a" + l + "[" + j + "]") + "</td>" : "<td>" + num(X + "x[" + j + "]") + "</td>") + "</tr>";
      }
      box.innerHTML = "<h3>Neuron " + j + " of layer " + l + (l === 0 ? " (an input)" : "") + "</h3>" +
        (l && S.net.has_bias ? editor("edit", "b" + l + "[" + j + "]", "bias " + sym("b", l, [j]) + ":") + " ∂L/∂" + sym("b", l, [j]) +
          " = " + num("dL/db" + l + "[" + j + "]") : "") +
        '<div class="scroll"><table class="tab">' + h + body + "</table></div>";
    }
    var ed = $("edit");
    if (ed) ed.addEventListener("change", function () { setParam(ed.dataset.q, +ed.value); });
  }
  function setParam(name, v) {
    if (!isFinite(v)) { msg("not a number"); return; }
    var g;
    if ((g = /^W(\d+)\[(\d+),(\d+)\]$/.exec(name))) S.net.W[+g[1]][g[2] - 1][g[3] - 1] = v;
    else if ((g = /^b(\d+)\[(\d+)\]$/.exec(name))) S.net.b[+g[1]][g[2] - 1] = v;
    edited();
  }
  function msg(t) { $("msg").textContent = t; }
  function edited() { S.edited = true; update(); }

  function dataTable() {
    var N = S.X.length, s = S.net.sizes, L = s.length - 1, rows = [], n, k;
    $("data-title").innerHTML = "<b>The batch</b>: N = " + N + " example" + (N > 1 ? "s" : "") + (N > 1 ?
      '; the views and steps show example <input id="exn" size="3" aria-label="example shown" value="' + (S.ex + 1) +
      '"> (or click its row)' : "");
    if (N > 1) $("exn").addEventListener("change", function () {
      var v = parseInt(this.value, 10);
      if (v >= 1 && v <= S.X.length) showExample(v - 1); else this.value = S.ex + 1;
    });
    if (N > 40) { $("datatab").innerHTML = ""; return; }
    var head = "<tr><th>n</th>";
    for (k = 1; k <= s[0]; k++) head += "<th>x<sub>" + k + "</sub></th>";
    for (k = 1; k <= s[L]; k++) head += "<th>y<sub>" + k + "</sub></th>";
    head += "<th>" + sym("a", L, []) + "</th></tr>";
    for (n = 0; n < N; n++) {
      var r = '<tr data-n="' + n + '"' + (n === S.ex ? ' class="cur"' : "") + "><td>" + (n + 1) + "</td>";
      for (k = 0; k < s[0]; k++) r += '<td><input data-x="' + n + "," + k + '" size="5" value="' + S.X[n][k] + '"></td>';
      for (k = 0; k < s[L]; k++) r += '<td><input data-y="' + n + "," + k + '" size="4" value="' + S.Y[n][k] + '"></td>';
      r += "<td>" + P.a[L][n].map(function (v, j) { return num(exName(n + 1) + "a" + L + "[" + (j + 1) + "]"); }).join(" ") + "</td></tr>";
      rows.push(r);
    }
    $("datatab").innerHTML = '<div class="scroll"><table class="tab">' + head + rows.join("") + "</table></div>";
  }
  $("datatab").addEventListener("change", function (ev) {
    var t = ev.target, v = +t.value, ij;
    if (!isFinite(v)) return;
    if (t.dataset.x) { ij = t.dataset.x.split(","); S.X[+ij[0]][+ij[1]] = v; }
    if (t.dataset.y) { ij = t.dataset.y.split(","); S.Y[+ij[0]][+ij[1]] = v; }
    edited();
  });
  $("datatab").addEventListener("click", function (ev) {
    var tr = ev.target.closest("tr[data-n]");
    if (tr && ev.target.tagName !== "INPUT" && +tr.dataset.n !== S.ex) showExample(+tr.dataset.n);
  });
  function showExample(n) {   // the views show example n (0-based); the steps go to its forward pass
    S.ex = n;
    S.at = 0;
    update();
    for (var i = 0; i < STEPS.length; i++) if (STEPS[i].ex === n + 1) { go(i + 1); break; }
  }

  // ---- steps ------------------------------------------------------------------------------------------
  var STEPS = [];
  function showStep() {
    var n = STEPS.length, box = $("step");
    $("count").textContent = S.at === 0 ? n + " equations: press next (→)" : "step " + S.at + " of " + n;
    if (S.at === 0) {
      box.innerHTML = "<h3>Start</h3>The forward pass, the loss, the error at the output (BP1), the error flowing back (BP2), " +
        "the gradients (BP3, BP4), the update and the network after it: " + n + " equations, one at a time.";
      mark([]);
      return;
    }
    var st = STEPS[S.at - 1], lines = [];
    for (var i = 0; i < n; i++) {
      var o = STEPS[i];
      if (o.section === st.section && o.ex === st.ex) lines.push('<div class="eq' + (i === S.at - 1 ? " cur" : "") + '">' + o.html + "</div>");
    }
    box.innerHTML = "<h3>" + esc(st.section) + (st.ex ? " — " + exampleLabel(st.ex) : (S.X.length > 1 && /^[56]/.test(st.section) ? " — the whole batch" : "")) +
      "</h3>" + '<div class="lines">' + lines.join("") + "</div>";
    var cur = box.querySelector(".cur");
    if (cur && cur.scrollIntoView) cur.scrollIntoView({block: "nearest"});
    mark(st.tags, true);
  }
  function go(to) { S.at = Math.max(0, Math.min(STEPS.length, to)); showStep(); }
  $("next").addEventListener("click", function () { go(S.at + 1); });
  $("prev").addEventListener("click", function () { go(S.at - 1); });
  $("reset").addEventListener("click", function () { go(0); });
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toUpperCase();
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    if (e.key === "ArrowRight") { go(S.at + 1); e.preventDefault(); }
    if (e.key === "ArrowLeft") { go(S.at - 1); e.preventDefault(); }
    if (e.key === "Home") { go(0); e.preventDefault(); }
  });

  // ---- settings -------------------------------------------------------------------------------------
  var GATES = {AND: [0, 0, 0, 1], OR: [0, 1, 1, 1], XOR: [0, 1, 1, 0], NAND: [1, 1, 1, 0]};
  var TOYS = ["XOR points", "circles", "moons", "spiral"];
  function presetList() {
    var o = ["Python's network and data"];
    D.presets.forEach(function (p) { o.push(p.name); });
    Object.keys(GATES).forEach(function (g) { o.push(g + " gate"); });
    return o.concat(TOYS);
  }
  function rng(seed) {      // mulberry32: the toy sets and new weights are the same on every load
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  function gauss(r) { return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()); }
  function newWeights(sizes) {
    var r = rng(S.seed++), W = [null], b = [null];
    for (var l = 1; l < sizes.length; l++) {
      var m = [], bb = [];
      for (var j = 0; j < sizes[l]; j++) {
        var row = [];
        for (var k = 0; k < sizes[l - 1]; k++) row.push(+(gauss(r) / Math.sqrt(sizes[l - 1])).toFixed(3));
        m.push(row);
        bb.push(0);
      }
      W.push(m);
      b.push(bb);
    }
    S.net.sizes = sizes.slice();
    S.net.W = W;
    S.net.b = b;
  }
  function toy(name, N) {
    var r = rng(7), X = [], Y = [], i, t;
    for (i = 0; i < N; i++) {
      var c = i % 2, x, y;
      if (name === "XOR points") { x = 2 * r() - 1; y = 2 * r() - 1; c = x * y > 0 ? 0 : 1; }
      else if (name === "circles") { t = 2 * Math.PI * r(); var rad = (c ? 0.4 : 1) + 0.1 * gauss(r); x = rad * Math.cos(t); y = rad * Math.sin(t); }
      else if (name === "moons") { t = Math.PI * r(); x = c ? 1 - Math.cos(t) : Math.cos(t); y = c ? 0.5 - Math.sin(t) : Math.sin(t); x += 0.1 * gauss(r); y += 0.1 * gauss(r); x = x / 1.5 - 0.33; y = y / 1.5 - 0.1; }
      else {          // two arms, one and a quarter turns each
        t = 0.6 + (i >> 1) / (N / 2) * 2.5 * Math.PI;
        x = t / 8.5 * Math.cos(t + c * Math.PI) + 0.03 * gauss(r); y = t / 8.5 * Math.sin(t + c * Math.PI) + 0.03 * gauss(r);
      }
      X.push([+x.toFixed(3), +y.toFixed(3)]);
      Y.push([c]);
    }
    return {X: X, Y: Y};
  }
  function fitData(X, Y) {
    // data of 2 inputs and 1 output: keep the hidden layers, new weights when the ends do not fit
    var s = S.net.sizes, nL = s[s.length - 1];
    if (S.net.output_activation === "softmax" && nL >= 2) {
      Y = Y.map(function (y) { var o = []; for (var j = 0; j < nL; j++) o.push(j === y[0] ? 1 : 0); return o; });
    }
    if (s[0] !== X[0].length || (S.net.output_activation !== "softmax" && nL !== 1)) {
      var sizes = [X[0].length].concat(s.slice(1, -1).length ? s.slice(1, -1) : [4]).concat([S.net.output_activation === "softmax" ? nL : 1]);
      newWeights(sizes);
    }
    S.X = X; S.Y = Y;
  }
  function choosePreset(name) {
    S.ex = 0; S.at = 0; S.sel = null; S.losses = []; S.rows = []; S.pos = 0; S.steps_taken = 0;
    if (name === "Python's network and data") { load(D.net, D.X, D.Y, D.lr, D.update_biases); S.python = D.python; S.edited = false; update(); return; }
    var ex = D.presets.filter(function (p) { return p.name === name; })[0];
    if (ex) {
      load({sizes: ex.sizes, W: ex.W, b: ex.b, has_bias: ex.has_bias, activation: ex.activation,
            output_activation: ex.output_activation, loss: ex.loss}, ex.X, ex.Y, ex.lr, ex.update_biases);
      S.python = ex.python;           // loopnet's numbers for it: the badge compares them again
      S.edited = false;
      update();
      return;
    } else if (/ gate$/.test(name)) {
      var t = GATES[name.split(" ")[0]];
      fitData([[0, 0], [0, 1], [1, 0], [1, 1]], t.map(function (v) { return [v]; }));
    } else {
      var d = toy(name, 40);
      fitData(d.X, d.Y);
      S.batch = 0;
    }
    edited();
  }

  function settings() {
    options($("preset"), presetList(), S.presetName || presetList()[0]);
    $("sizes").value = S.net.sizes.join("-");
    options($("act"), ACTS.slice(0, 4), S.net.activation);
    options($("outact"), ACTS, S.net.output_activation);
    options($("loss"), LOSSES, S.net.loss);
    $("act").disabled = S.net.sizes.length < 3;
    $("lr").value = S.lr;
    $("upd").checked = S.upd;
    $("upd").disabled = !S.net.has_bias;
  }
  $("preset").addEventListener("change", function () { S.presetName = this.value; choosePreset(this.value); });
  $("sizes").addEventListener("change", function () {
    var s = this.value.split(/[-, ]+/).filter(Boolean).map(Number);
    if (s.length < 2 || s.length > MAXL + 1 || s.some(function (n) { return !(n >= 1 && n <= MAXN && n === Math.floor(n)); })) {
      msg("sizes: 2 to " + (MAXL + 1) + " layers of 1 to " + MAXN + " neurons, e.g. 2-4-1"); settings(); return;
    }
    var s0 = S.net.sizes;
    newWeights(s);
    if (s[0] !== s0[0] || s[s.length - 1] !== s0[s0.length - 1]) {
      S.X = S.X.map(function (x) { var o = []; for (var k = 0; k < s[0]; k++) o.push(x[k] || 0); return o; });
      S.Y = S.Y.map(function (y) { var o = []; for (var k = 0; k < s[s.length - 1]; k++) o.push(y[k] || 0); return o; });
    }
    msg("new random weights");
    edited();
  });
  $("act").addEventListener("change", function () { S.net.activation = this.value; edited(); });
  $("outact").addEventListener("change", function () {
    S.net.output_activation = this.value;
    if (S.net.loss === "cross_entropy" && this.value !== "sigmoid" && this.value !== "softmax") { S.net.loss = "mse"; msg("cross-entropy needs a sigmoid or softmax output: loss is mse"); }
    edited();
  });
  $("loss").addEventListener("change", function () {
    S.net.loss = this.value;
    if (this.value === "cross_entropy" && S.net.output_activation !== "sigmoid" && S.net.output_activation !== "softmax") {
      S.net.output_activation = "sigmoid"; msg("cross-entropy needs a sigmoid or softmax output: output is sigmoid");
    }
    edited();
  });
  $("lr").addEventListener("change", function () { var v = +this.value; if (v > 0 && isFinite(v)) { S.lr = v; edited(); } else msg("η must be a positive number"); });
  $("upd").addEventListener("change", function () { S.upd = this.checked; edited(); });

  // ---- training -----------------------------------------------------------------------------------
  function batchSize() {
    var t = $("batch").value.trim(), b = parseInt(t, 10);
    return (t === "all" || !(b >= 1)) ? S.X.length : Math.min(b, S.X.length);
  }
  function trainSteps(count) {
    // `count` steps of Network.fit(shuffle=False): consecutive mini-batches of the rows in order, the last
    // of an epoch possibly smaller; each step's loss is its mini-batch's L before the step
    var kn = kernelNet(), B = batchSize(), N = S.X.length;
    for (var i = 0; i < count; i++) {
      var end = Math.min(S.pos + B, N), Xb = S.X.slice(S.pos, end), Yb = S.Y.slice(S.pos, end);
      var keep = clone({W: kn.W, b: kn.b});
      var g = K.step(kn, Xb, Yb, S.lr, S.upd);
      if (!finite(g.loss) || !finite(kn.W) || !finite(kn.b)) {
        // as Network.step: all or nothing; the weights stay as they were before this step
        S.net.W = kn.W = keep.W;
        S.net.b = kn.b = keep.b;
        S.running = false;
        S.diverged = "step " + (S.steps_taken + 1) + " made the loss or a weight infinite or NaN (η = " + fmt(S.lr) +
                     " is too large?); the weights are those before it";
        return;
      }
      S.losses.push(g.loss);
      S.rows.push(end - S.pos);
      S.pos = end >= N ? 0 : end;
      S.steps_taken++;
    }
  }
  function finite(x) {
    if (x === null) return true;
    if (Array.isArray(x)) return x.every(finite);
    return isFinite(x);
  }
  function trained() {
    S.edited = true;
    update();
    if (S.diverged) { $("trainmsg").textContent = S.diverged; S.diverged = null; return; }
    $("trainmsg").textContent = S.steps_taken + " steps taken (η = " + fmt(S.lr) + ", batch " + batchSize() + "), L = " +
      (S.losses.length ? fmt(S.losses[S.losses.length - 1]) : "–");
  }
  $("train-step").addEventListener("click", function () { trainSteps(1); trained(); });
  $("train-run").addEventListener("click", function () {
    if (S.running) { S.running = false; return; }
    var left = Math.max(1, parseInt($("nsteps").value, 10) || 100), per = Math.max(1, Math.ceil(left / 60));
    S.running = true;
    $("train-run").textContent = "stop";
    (function frame() {
      if (!S.running || left <= 0) { S.running = false; $("train-run").textContent = "run"; trained(); return; }
      var n = Math.min(per, left);
      trainSteps(n);
      left -= n;
      curve();
      decisionMap();
      requestAnimationFrame(frame);
    })();
  });
  $("reset-w").addEventListener("click", function () {
    S.net.W = clone(D.net.W); S.net.b = clone(D.net.b); S.net.sizes = D.net.sizes.slice();
    S.net.activation = D.net.activation; S.net.output_activation = D.net.output_activation; S.net.loss = D.net.loss;
    S.X = clone(D.X); S.Y = clone(D.Y); S.lr = D.lr || 0.5; S.upd = D.update_biases;
    S.losses = []; S.rows = []; S.pos = 0; S.steps_taken = 0; S.edited = false; S.presetName = null; S.at = 0; S.python = D.python;
    $("trainmsg").textContent = "";
    update();
  });
  function epochLosses() {
    // with mini-batches, one point per epoch as Network.fit's History.loss: the mean of the epoch's
    // mini-batch losses weighted by their sizes (sse: their sum); steps of an unfinished epoch are left out
    var out = [], acc = 0, rows = 0, N = S.X.length;
    for (var i = 0; i < S.losses.length; i++) {
      acc += S.net.loss === "sse" ? S.losses[i] : S.losses[i] * S.rows[i];
      rows += S.rows[i];
      if (rows >= N) { out.push(S.net.loss === "sse" ? acc : acc / rows); acc = 0; rows = 0; }
    }
    return out;
  }
  function curve() {
    var c = $("curve"), x = c.getContext("2d"), mini = S.rows.some(function (r) { return r < S.X.length; });
    var Ls = mini ? epochLosses() : S.losses, W = c.width, H = c.height, what = mini ? " epochs" : " steps";
    x.clearRect(0, 0, W, H);
    x.strokeStyle = "#bbb"; x.strokeRect(0.5, 0.5, W - 1, H - 1);
    x.fillStyle = "#555"; x.font = "11px sans-serif";
    if (!Ls.length) { x.fillText("the loss curve: train to draw it", 6, 16); return; }
    var hi = Math.max.apply(null, Ls), lo = Math.min(0, Math.min.apply(null, Ls));
    x.fillText("L = " + fmt(Ls[Ls.length - 1]) + " after " + Ls.length + what + "; max " + fmt(hi), 6, 13);
    x.strokeStyle = "#2b6cb0"; x.lineWidth = 1.5; x.beginPath();
    Ls.forEach(function (v, i) {
      var px = 4 + (W - 8) * (Ls.length > 1 ? i / (Ls.length - 1) : 0), py = H - 4 - (H - 22) * (v - lo) / ((hi - lo) || 1);
      if (i) x.lineTo(px, py); else x.moveTo(px, py);
    });
    x.stroke();
  }
  function decisionMap() {
    var c = $("map"), s = S.net.sizes, L = s.length - 1;
    var drawn = s[0] === 2 && (s[L] === 1 || S.net.output_activation === "softmax");   // a map of one score per point
    c.style.display = drawn ? "" : "none";
    if (!drawn) return;
    var x = c.getContext("2d"), W = c.width, H = c.height, G = 40, i, j;
    var xs = S.X.map(function (r) { return r[0]; }), ys = S.X.map(function (r) { return r[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var mx = (x1 - x0) * 0.15 || 0.5, my = (y1 - y0) * 0.15 || 0.5;
    x0 -= mx; x1 += mx; y0 -= my; y1 += my;
    var grid = [];
    for (j = 0; j < G; j++) for (i = 0; i < G; i++) grid.push([x0 + (i + 0.5) * (x1 - x0) / G, y1 - (j + 0.5) * (y1 - y0) / G]);
    var a = K.forward(kernelNet(), grid).a[L];
    function score(row) { return s[L] > 1 ? row[1] : row[0]; }   // one output: a; softmax: a of class 2
    function colour(v) {
      v = Math.max(0, Math.min(1, v));
      return "rgb(" + Math.round(197 + (43 - 197) * v) + "," + Math.round(48 + (108 - 48) * v) + "," + Math.round(48 + (176 - 48) * v) + ")";
    }
    function pale(v) {     // the colour at 45 % over white, so that the points stand out
      v = Math.max(0, Math.min(1, v));
      var r = 197 + (43 - 197) * v, g = 48 + (108 - 48) * v, b = 48 + (176 - 48) * v;
      return "rgb(" + Math.round(255 - 0.45 * (255 - r)) + "," + Math.round(255 - 0.45 * (255 - g)) + "," + Math.round(255 - 0.45 * (255 - b)) + ")";
    }
    for (var q = 0; q < grid.length; q++) {
      x.fillStyle = pale(score(a[q]));
      x.fillRect(Math.floor((q % G) * W / G), Math.floor(Math.floor(q / G) * H / G), Math.ceil(W / G) + 1, Math.ceil(H / G) + 1);
    }
    S.X.forEach(function (r, n) {
      var px = (r[0] - x0) / (x1 - x0) * W, py = (y1 - r[1]) / (y1 - y0) * H;
      x.beginPath(); x.arc(px, py, n === S.ex ? 4.5 : 3, 0, 2 * Math.PI);
      x.fillStyle = colour(score(S.Y[n])); x.fill();
      x.strokeStyle = n === S.ex ? "#000" : "#fff"; x.lineWidth = 1; x.stroke();
    });
  }

  // ---- everything, recomputed -----------------------------------------------------------------------
  function agreement() {
    var b = $("agree");
    if (S.edited || !S.python) { b.textContent = S.edited ? "edited: every number recomputed in this page" : ""; b.className = "badge"; return; }
    var worst = 0, count = 0;
    for (var name in S.python) {
      var v;
      try { v = val(name); } catch (e) { continue; }
      var ref = S.python[name];
      worst = Math.max(worst, Math.abs(v - ref) / Math.max(1, Math.abs(ref)));
      count++;
    }
    S.worst = worst;
    b.textContent = "these " + count + " numbers agree with loopnet's (Python) to " + worst.toExponential(1);
    b.className = "badge " + (worst <= 1e-12 ? "ok" : "bad");
  }
  function render(keepSteps) {
    drawView($("net"), "w");
    drawView($("grad"), "g");
    if (S.sel && S.sel.kind === "w") mark(["w-" + S.sel.id]);
    if (S.sel && S.sel.kind === "n") mark(["n-" + S.sel.l + "-" + S.sel.j]);
    if (keepSteps) return;
    showStep();
  }
  function update() {
    S.ex = Math.min(S.ex, S.X.length - 1);
    if (S.sel && (S.sel.l > S.net.sizes.length - 1 || S.sel.j > S.net.sizes[S.sel.l] || (S.sel.k && S.sel.k > S.net.sizes[S.sel.l - 1]))) S.sel = null;
    compute();
    STEPS = buildSteps();
    S.at = Math.min(S.at, STEPS.length);
    settings();
    render(false);
    info();
    dataTable();
    $("alleq").innerHTML = STEPS.map(function (o) { return '<div class="eq">' + o.html + "</div>"; }).join("");
    agreement();
    curve();
    decisionMap();
  }

  load(D.net, D.X, D.Y, D.lr, D.update_biases);
  S.python = D.python;
  update();
  // for tests and for the curious: the state, the numbers and the training loop
  window.loopnetPage = {state: S, val: val, fmt: fmt, fmtH: fmtH, trainSteps: function (n) { trainSteps(n); trained(); },
                        numbers: function () { return P; }, steps: function () { return STEPS; }, update: update, epochLosses: epochLosses,
                        choose: function (name) { S.presetName = name; choosePreset(name); }, setParam: setParam};
})();
