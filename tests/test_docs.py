"""The commands in README.md and docs/*.md are run, so they cannot rot.

Python blocks of one file run in order in one fresh process (later blocks use earlier names, as a
reader would), with stdin closed: the pdb walkthroughs quit at their first prompt. Bash blocks:
every ``loopnet ...`` / ``python3 -m loopnet ...`` command runs as ``python -m loopnet`` in a
temporary directory. Markers in the Markdown, just above a block:

    <!-- docs-test: setup CODE -->         Python run in that directory first (makes files a command reads)
    <!-- docs-test: setup-python CODE -->  Python prepended to a Python block (names it assumes)
    <!-- docs-test: skip REASON -->        not run, with the reason

Bash commands that are not run are listed in NOT_RUN with the reason; any other command fails
the test, so a new command in the docs is run or explained. The repository must be unchanged
afterwards (the README's commands write under /tmp, not into the clone).
"""
import os
import re
import shlex
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = ["README.md", "docs/guide.md", "docs/scaling.md", "docs/benchmarks.md"]
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), MPLBACKEND="Agg")

NOT_RUN = {  # command prefix → why the test does not run it
    "python3 -m pip install": "installs packages; the test runs in the installed environment",
    "pip install": "installs packages; the test runs in the installed environment",
    "python3 -m pytest": "the test suite or the benchmarks themselves (CI runs them)",
    "NUMBA_CACHE_DIR=$(mktemp -d) python3 -m pytest": "the benchmarks (CI's bench leg)",
    "python3 -m loopnet.bench report": "needs results.json from a benchmark run",
    "loopnet train --data mnist-idx:": "needs the four MNIST files, which are never downloaded",
    "dask ": "starts a Dask scheduler or workers (tests/test_dask.py uses a LocalCluster)",
    "NUMBA_CACHE_DIR=/shared/numba-cache": "starts Dask workers on a cluster",
}
MARK = re.compile(r"<!--\s*docs-test:\s*(setup-python|setup|skip)\s+(.*?)\s*-->", re.S)


def blocks(path):
    """(language, first line number, code, {marker: text}) for each fenced block of ``path``."""
    text = open(os.path.join(ROOT, path), encoding="utf-8").read()
    out, marks = [], {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = MARK.fullmatch(lines[i].strip())
        if m:
            marks[m.group(1)] = m.group(2)
        elif lines[i].startswith("```") and len(lines[i]) > 3:
            lang, start, body = lines[i][3:].strip(), i + 2, []
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


def commands(code):
    """The shell commands of a bash block: one per line, split at &&, comments dropped."""
    for line in code.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line.endswith("\\"):
            line = line[:-1]
        for cmd in (c.strip() for c in line.split("&&")):
            if cmd and not cmd.startswith("#"):
                yield cmd


def snapshot():
    out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                         capture_output=True, text=True)
    return out.stdout if out.returncode == 0 else None


@pytest.mark.parametrize("path", DOCS)
def test_python_blocks_run(path, tmp_path):
    script = ["import sys"]
    for lang, line, code, marks in blocks(path):
        if lang != "python" or "skip" in marks:
            continue
        script.append(f"print('--- {path}:{line}', flush=True)")
        if "setup-python" in marks:
            script.append(marks["setup-python"])
        script.append(code)
    if len(script) == 1:
        pytest.skip(f"{path} has no Python blocks")
    before = snapshot()
    proc = subprocess.run([sys.executable, "-c", "\n".join(script)], cwd=tmp_path, env=ENV, text=True,
                          capture_output=True, stdin=subprocess.DEVNULL, timeout=900)
    last = [l for l in proc.stdout.splitlines() if l.startswith("--- ")]
    assert proc.returncode == 0, f"block at {last[-1][4:] if last else '?'} failed:\n{proc.stderr[-3000:]}"
    assert snapshot() == before, "the docs' Python left files in the repository"


@pytest.mark.parametrize("path", DOCS)
def test_shell_commands_run(path, tmp_path):
    before = snapshot()
    ran = 0
    for lang, line, code, marks in blocks(path):
        if lang != "bash" or "skip" in marks:
            continue
        if "setup" in marks:
            subprocess.run([sys.executable, "-c", marks["setup"]], cwd=tmp_path, env=ENV, check=True, timeout=300)
        for cmd in commands(code):
            if any(cmd.startswith(prefix) for prefix in NOT_RUN):
                continue
            argv = shlex.split(cmd)
            if argv[:3] == ["python3", "-m", "loopnet"] or argv[:3] == ["python", "-m", "loopnet"]:
                argv = argv[3:]
            elif argv[0] == "loopnet":
                argv = argv[1:]
            else:
                pytest.fail(f"{path}:{line}: {cmd!r} is neither a loopnet command nor listed in NOT_RUN")
            proc = subprocess.run([sys.executable, "-m", "loopnet", *argv], cwd=tmp_path, env=ENV, text=True,
                                  capture_output=True, stdin=subprocess.DEVNULL, timeout=900)
            assert proc.returncode == 0, f"{path}:{line}: {cmd}\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
            ran += 1
    assert snapshot() == before, "the docs' commands left files in the repository"
    if ran == 0:
        pytest.skip(f"{path} has no loopnet commands to run")


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
