"""How often does a small sigmoid network get stuck on XOR?

Trains 10,000 XOR networks for each hidden size 2, 3, 4 and both the ``scaled`` (Nielsen's
network2: W ~ N(0, 1/n_in), b ~ N(0, 1)) and ``xavier`` (W ~ U(±√(6/(n_in+n_out))), b = 0)
initialisations — each set of 10,000 is one :class:`loopnet.Ensemble` trained in one compiled
call — and reports the fraction whose final loss is below 0.01, with a histogram of the final
losses: the runs that get stuck form their own peak, far from the ones that learn XOR.

    python3 examples/xor_convergence.py                       # 6 × 10,000 nets, 2,000 epochs (< 1 minute)
    python3 examples/xor_convergence.py --members 200 --epochs 300 --plot xor.png   # a quick look

Every network: sigmoid everywhere, quadratic loss, full-batch gradient descent with lr 3
(Nielsen's network.py settings), member i seeded with i.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import loopnet as ln
from loopnet import datasets

HIDDEN = (2, 3, 4)
INITS = ("scaled", "xavier")
THRESHOLD = 0.01


def run(members=10_000, epochs=2_000, lr=3.0, hidden=HIDDEN, inits=INITS):
    """{(hidden size, init): final losses (members,)} after training every configuration."""
    X, Y = datasets.logic_gate("xor")
    final = {}
    for h in hidden:
        for init in inits:
            ens = ln.Ensemble([2, h, 1], seeds=range(members), init=init)
            ens.fit(X, Y, epochs=epochs, lr=lr, batch_size=None, shuffle=False)
            final[h, init] = ens.loss(X, Y)
    return final


def table(final, threshold=THRESHOLD):
    """A Markdown table: the fraction of members with final loss < threshold, per hidden size and init."""
    inits = sorted({init for _, init in final}, key=INITS.index)
    rows = [f"| hidden | {' | '.join(inits)} |", "|---|" + "---|" * len(inits)]
    for h in sorted({h for h, _ in final}):
        rows.append(f"| 2-{h}-1 | " + " | ".join(f"{np.mean(final[h, i] < threshold):.3f}" for i in inits) + " |")
    return "\n".join(rows)


def plot(final, path, threshold=THRESHOLD):
    """Left: fraction reaching loss < threshold; right: histograms of log10(final loss)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    hs = sorted({h for h, _ in final})
    inits = sorted({init for _, init in final}, key=INITS.index)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    width = 0.8 / len(inits)
    for k, init in enumerate(inits):
        ax1.bar(np.arange(len(hs)) + k * width, [np.mean(final[h, init] < threshold) for h in hs], width, label=init)
    ax1.set_xticks(np.arange(len(hs)) + width * (len(inits) - 1) / 2, [f"2-{h}-1" for h in hs])
    ax1.set_ylim(0, 1)
    ax1.set_ylabel(f"fraction with final loss < {threshold}")
    ax1.legend(title="init", loc="lower right")
    bins = np.linspace(-4, 0, 81)
    for h in hs:
        for init in inits:
            ax2.hist(np.log10(np.maximum(final[h, init], 1e-12)), bins=bins, histtype="step", label=f"2-{h}-1 {init}")
    ax2.axvline(np.log10(threshold), color="k", lw=0.8, ls="--")
    ax2.set_xlabel("log10(final loss)")
    ax2.set_ylabel("networks")
    ax2.set_yscale("log")
    ax2.legend(fontsize=7)
    n = len(next(iter(final.values())))
    fig.suptitle(f"XOR: {n} sigmoid networks per configuration, full-batch gradient descent")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000, help="networks per configuration (default 10000)")
    parser.add_argument("--epochs", type=int, default=2_000, help="full-batch epochs (default 2000)")
    parser.add_argument("--lr", type=float, default=3.0, help="learning rate (default 3)")
    parser.add_argument("--plot", default=None, help="write the figure to this PNG file (needs matplotlib)")
    args = parser.parse_args(argv)
    t = time.perf_counter()
    final = run(args.members, args.epochs, args.lr)
    seconds = time.perf_counter() - t
    print(f"fraction of {args.members} networks per configuration with final loss < {THRESHOLD} "
          f"after {args.epochs} epochs (lr {args.lr:g}); trained in {seconds:.1f} s:\n")
    print(table(final))
    if args.plot:
        plot(final, args.plot)
        print(f"\nfigure: {args.plot}")
    return final


if __name__ == "__main__":
    main()
