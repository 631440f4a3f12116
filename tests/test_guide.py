"""docs/guide.md: every command in it runs, and every output it shows is what the command prints.

Each ```sh line runs as a command (python3 → this interpreter) and the ```python blocks, in order, as
one script, in a scratch directory (the guide's first shell block makes w.json there); each line of a ```text block must appear in what
they print (the guide pastes real output, so a change to explain that alters it fails here)."""
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", GUIDE, re.S)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("guide")     # the guide's own shell block makes w.json, as a reader does
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = []
    for lang, body in BLOCKS:
        if lang == "sh":
            for line in body.strip().splitlines():
                argv = shlex.split(line, comments=True)
                if argv and argv[0] == "python3":
                    argv[0] = sys.executable
                else:           # a file-making line a reader runs too (echo … > w.json): through the shell
                    argv = ["bash", "-c", line]
                r = subprocess.run(argv, cwd=tmp, env=env, capture_output=True, text=True, timeout=300)
                assert r.returncode == 0, (line, r.stderr)
                out.append(r.stdout)
    # the python blocks run in order as one session, as a reader would type them (a later block may use
    # a name an earlier one defined); the debugger recipes read pdb commands: 'c' runs on to the end
    script = "\n".join(body for lang, body in BLOCKS if lang == "python")
    r = subprocess.run([sys.executable, "-c", script], cwd=tmp, env=env, capture_output=True, text=True,
                       input="c\n" * 50, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    out.append(r.stdout)
    assert (tmp / "mazur.tex").read_text().startswith("\\documentclass")
    assert (tmp / "step.html").read_text().startswith("<!DOCTYPE html>")
    return "\n".join(out)


def test_guide_has_commands_and_outputs():
    langs = [lang for lang, _ in BLOCKS]
    assert langs.count("sh") >= 1 and langs.count("python") >= 4 and langs.count("text") >= 5
    for heading in ("## The batch step: the OR-gate question, answered with its numbers",
                    "## Softmax and cross-entropy, worked"):
        assert heading in GUIDE


@pytest.mark.parametrize("block", [i for i, (lang, _) in enumerate(BLOCKS) if lang == "text"])
def test_every_pasted_output_is_printed_by_a_command(outputs, block):
    printed = {line.rstrip() for line in outputs.splitlines()}
    for line in BLOCKS[block][1].splitlines():
        if line.strip() and line.strip() != "...":
            assert line.rstrip() in printed, line
