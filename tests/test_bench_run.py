"""python -m loopnet.bench run: one process per implementation, one merged pytest-benchmark JSON."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("pytest_benchmark")

# A benchmark table in miniature: each case records the process it ran in, so the test can tell
# whether two implementations shared one.
FAKE_BENCH = '''
import os
import pytest

CASES = ["W1-train_epoch-float64-loops", "W1-train_epoch-float64-numpy", "W1-train_epoch-float64-jax"]


@pytest.mark.parametrize("case", CASES, ids=CASES)
def test_bench(benchmark, case):
    benchmark.extra_info["pid"] = os.getpid()
    benchmark.pedantic(sum, args=(range(10),), rounds=2, iterations=1)
'''
FAKE_ENSEMBLE = '''
import os


def test_ensemble(benchmark):
    benchmark.extra_info["pid"] = os.getpid()
    benchmark.pedantic(sum, args=(range(10),), rounds=2, iterations=1)
'''


def _bench_dir(tmp_path):
    d = tmp_path / "bench"
    d.mkdir()
    (d / "test_bench.py").write_text(textwrap.dedent(FAKE_BENCH))
    (d / "test_bench_ensemble.py").write_text(textwrap.dedent(FAKE_ENSEMBLE))
    return d


def _run(*args, cwd):
    return subprocess.run([sys.executable, "-m", "loopnet.bench", "run", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def test_every_implementation_runs_in_its_own_process_and_the_results_merge(tmp_path):
    bench = _bench_dir(tmp_path)
    out = tmp_path / "results.json"
    proc = _run("--bench", str(bench), "--impls", "loops,numpy,jax", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    by_process = {b["extra_info"]["process"]: b for b in data["benchmarks"]}
    assert sorted(by_process) == ["ensemble", "jax", "loops", "numpy"]
    assert all(b["name"].endswith(f"-{p}]") for p, b in by_process.items() if p != "ensemble")
    assert len({b["extra_info"]["pid"] for b in data["benchmarks"]}) == 4        # four processes
    assert data["machine_info"]["loopnet"]["processes"].startswith("one per implementation")


def test_a_subset_of_implementations_and_no_ensemble(tmp_path):
    bench = _bench_dir(tmp_path)
    out = tmp_path / "results.json"
    proc = _run("--bench", str(bench), "--impls", "numpy", "--no-ensemble", "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    names = [b["name"] for b in json.loads(out.read_text())["benchmarks"]]
    assert names == ["test_bench[W1-train_epoch-float64-numpy]"]


@pytest.mark.parametrize("args, message", [
    (["--impls", "loops,tensorflow"], "impls: 'tensorflow' given; expected one or more of loops"),
    (["--bench", "no-such-dir"], "bench_dir: 'no-such-dir' has no test_bench.py"),
])
def test_bad_arguments_are_named(tmp_path, args, message):
    if "--bench" not in args:
        args = ["--bench", str(_bench_dir(tmp_path)), *args]
    proc = _run(*args, "--out", str(tmp_path / "r.json"), cwd=tmp_path)
    assert proc.returncode != 0 and message in proc.stderr, proc.stderr[-2000:]
    assert not os.path.exists(tmp_path / "r.json")


def test_rounds_alternate_and_each_benchmark_keeps_its_best_median(tmp_path):
    bench = _bench_dir(tmp_path)
    out = tmp_path / "results.json"
    proc = _run("--bench", str(bench), "--impls", "loops,numpy", "--no-ensemble", "--rounds", "3", "--out", str(out),
                cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    started = [line.split(" -k ")[1].split()[0] for line in proc.stderr.splitlines() if "loopnet bench run (round" in line]
    assert started == ["loops", "numpy"] * 3                                   # alternating, round after round
    data = json.loads(out.read_text())
    assert sorted(b["extra_info"]["process"] for b in data["benchmarks"]) == ["loops", "numpy"]   # each once
    for b in data["benchmarks"]:
        medians = b["extra_info"]["round_medians"]
        assert len(medians) == 3 and b["stats"]["median"] == min(medians)
        assert medians[b["extra_info"]["round"] - 1] == b["stats"]["median"]
    assert data["machine_info"]["loopnet"]["rounds"].startswith("3, alternating")


@pytest.mark.parametrize("rounds", ["0", "-2"])
def test_rounds_below_one_are_refused(tmp_path, rounds):
    proc = _run("--bench", str(_bench_dir(tmp_path)), "--rounds", rounds, "--out", str(tmp_path / "r.json"), cwd=tmp_path)
    assert proc.returncode != 0 and f"rounds: {rounds} given; expected a whole number of rounds, 1 or more" in proc.stderr
    assert not os.path.exists(tmp_path / "r.json")
