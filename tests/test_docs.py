"""The commands in README.md and docs/*.md are run, so they cannot rot.

Python blocks of one file run in order in one fresh process (later blocks use earlier names, as a
reader would), with stdin closed: the pdb walkthroughs quit at their first prompt. Shell blocks
(```bash, ```sh) of one file run command by command through bash in one temporary directory, in
order, so a block that makes a file (visible in the docs, where a reader sees it too) serves the
commands after it; ``loopnet`` and ``python3`` there mean this checkout's loopnet and this
interpreter. What a block needs beyond the test extras is said in the block, where a reader sees
it, by a comment line:

    # needs: torch, onnxruntime        modules (or programs) the block needs; absent → skipped, with the reason

and markers in the Markdown just above a block:

    <!-- docs-test: setup-python CODE -->  Python prepended to a Python block (names it assumes, never files)
    <!-- docs-test: skip REASON -->        not run, with the reason

Shell commands that are not run are listed in NOT_RUN with the reason. The repository must be
unchanged afterwards (the README's commands write under /tmp, not into the clone).
"""
import importlib.util
import os
import re
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ["README.md", "docs/guide.md", "docs/scaling.md", "docs/benchmarks.md"]
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), MPLBACKEND="Agg")
SHELL = ("bash", "sh", "shell")

NOT_RUN = {  # command prefix → why the test does not run it
    "python3 -m pip install": "installs packages; the test runs in the installed environment",
    "pip install": "installs packages; the test runs in the installed environment",
    "python3 -m pytest": "the test suite or the benchmarks themselves (CI runs them)",
    "NUMBA_CACHE_DIR=$(mktemp -d) python3 -m pytest": "the benchmarks (CI's bench leg)",
    "python3 -m loopnet.bench report": "needs results.json from a benchmark run",
    "python3 -m loopnet.bench run": "the benchmarks themselves (minutes); tests/test_bench_run.py runs it on a miniature table",
    "loopnet train --data mnist-idx:": "needs the four MNIST files, which are never downloaded",
    "loopnet compile --dtype float64,float32 --all": "compiles every kernel (minutes); tests/test_compile.py runs it",
    "dask ": "starts a Dask scheduler or workers (tests/test_dask.py uses a LocalCluster)",
    "NUMBA_CACHE_DIR=/shared/numba-cache": "starts Dask workers on a cluster",
}
# what a block calls → what it needs; such a block must say so in a ``# needs:`` line
OPTIONAL = {"to_torch(": "torch", "from_torch(": "torch", "import torch": "torch", "to_onnx(": "onnx",
            "onnxruntime": "onnxruntime", "import jax": "jax", "pdflatex ": "pdflatex", "chromium": "chromium"}
MARK = re.compile(r"<!--\s*docs-test:\s*([\w-]+)\s+(.*?)\s*-->", re.S)
NEEDS = re.compile(r"^\s*#\s*needs:\s*([\w., -]+)", re.M)


def blocks(path):
    """(language, first line number, code, {marker: text}) for each fenced block of ``path``."""
    text = open(os.path.join(ROOT, path), encoding="utf-8").read()
    out, marks = [], {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = MARK.fullmatch(lines[i].strip())
        if m:
            assert m.group(1) in ("setup-python", "skip"), (
                f"{path}:{i + 1}: docs-test marker {m.group(1)!r}: make files in a visible block, "
                f"name needs in a '# needs:' line")
            marks[m.group(1)] = m.group(2)
        elif lines[i].startswith("```") and len(lines[i]) > 3:
            lang, start, body = lines[i][3:].strip().split()[0], i + 2, []
            i += 1
            while not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            out.append((lang, start, "\n".join(body), marks))
            marks = {}
        elif lines[i].strip():
            marks = {} if not lines[i].startswith("<!--") else marks
        i += 1
    return out


def needs(code):
    """The modules or programs a block says it needs."""
    return [n for m in NEEDS.finditer(code) for n in re.split(r"[,\s]+", m.group(1).strip()) if n]


def missing(code):
    """The needs of a block that this environment lacks."""
    return [n for n in needs(code) if importlib.util.find_spec(n) is None and shutil.which(n) is None]


def commands(code):
    """The shell commands of a block: continuation lines joined, a heredoc kept whole with its
    command, one command per line otherwise, split at &&, comments dropped."""
    lines = code.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        while line.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            line = line.rstrip()[:-1] + " " + lines[i].strip()
        here = re.search(r"<<-?\s*'?(\w+)'?", line)
        if here:
            body = [line]
            while i + 1 < len(lines):
                i += 1
                body.append(lines[i])
                if lines[i].strip() == here.group(1):
                    break
            yield "\n".join(body)
        else:
            line = re.sub(r"(^|\s+)#.*$", "", line).strip()
            for cmd in (c.strip() for c in line.split("&&")):
                if cmd:
                    yield cmd
        i += 1


def snapshot():
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                         capture_output=True, text=True)
    return out.stdout if out.returncode == 0 else None


@pytest.mark.parametrize("path", DOCS)
def test_blocks_say_what_they_need(path):
    for lang, line, code, marks in blocks(path):
        if "skip" in marks:
            continue
        for call, need in OPTIONAL.items():
            assert call not in code or need in needs(code), (
                f"{path}:{line}: the block uses {call.strip()!r}: add a line '# needs: {need}'")


@pytest.mark.parametrize("path", DOCS)
def test_python_blocks_run(path, tmp_path):
    script, left_out = ["import sys"], []
    for lang, line, code, marks in blocks(path):
        if lang != "python" or "skip" in marks:
            continue
        if missing(code):
            left_out.append(f"{path}:{line} (needs {', '.join(missing(code))}: not installed)")
            continue
        script.append(f"print('--- {path}:{line}', flush=True)")
        if "setup-python" in marks:
            script.append(marks["setup-python"])
        script.append(code)
    if len(script) == 1 and not left_out:
        pytest.skip(f"{path} has no Python blocks")
    before = snapshot()
    proc = subprocess.run([sys.executable, "-c", "\n".join(script)], cwd=tmp_path, env=ENV, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=900)
    last = [l for l in proc.stdout.splitlines() if l.startswith("--- ")]
    assert proc.returncode == 0, f"block at {last[-1][4:] if last else '?'} failed:\n{proc.stderr[-3000:]}"
    assert snapshot() == before, "the docs' Python left files in the repository"
    if left_out:
        pytest.skip(f"the other Python blocks ran; left out {'; '.join(left_out)}")


def shell_env(tmp_path):
    """ENV with ``loopnet``, ``python3`` and ``python`` on PATH meaning this interpreter and checkout."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, line in (("python3", f'exec "{sys.executable}" "$@"'), ("python", f'exec "{sys.executable}" "$@"'),
                       ("loopnet", f'exec "{sys.executable}" -m loopnet "$@"')):
        (bin_dir / name).write_text(f"#!/bin/sh\n{line}\n")
        (bin_dir / name).chmod(0o755)
    return dict(ENV, PATH=str(bin_dir) + os.pathsep + ENV.get("PATH", ""))


@pytest.mark.parametrize("path", DOCS)
def test_shell_commands_run(path, tmp_path):
    before = snapshot()
    env = shell_env(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    ran, left_out = 0, []
    for lang, line, code, marks in blocks(path):
        if lang not in SHELL or "skip" in marks:
            continue
        if missing(code):
            left_out.append(f"{path}:{line} (needs {', '.join(missing(code))}: not installed)")
            continue
        for cmd in commands(code):
            if any(cmd.startswith(prefix) for prefix in NOT_RUN):
                continue
            proc = subprocess.run(["bash", "-eo", "pipefail", "-c", cmd], cwd=work, env=env, text=True,
                                  capture_output=True, stdin=subprocess.DEVNULL, timeout=900)
            assert proc.returncode == 0, f"{path}:{line}: {cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
            ran += 1
    assert snapshot() == before, "the docs' commands left files in the repository"
    if left_out:
        pytest.skip(f"ran {ran} commands; left out {'; '.join(left_out)}")
    if ran == 0:
        pytest.skip(f"{path} has no shell commands to run")


def test_readme_setup_commands_name_the_distribution():
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    tomllib = pytest.importorskip("tomllib")   # Python ≥ 3.11
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        meta = tomllib.load(f)["project"]
    assert meta["name"] == "loopnet-backprop" and f"**`{meta['name']}`**" in readme
    assert "`pip install loopnet` installs an unrelated package" in readme
    assert meta["license"] == "MIT" and meta["license-files"] == ["LICENSE"]
    for extra in ("cli", "test", "torch", "onnx", "interop"):
        assert extra in meta["optional-dependencies"]
