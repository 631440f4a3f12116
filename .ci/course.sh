#!/usr/bin/env bash
# CI for the course (docs/course): rebuild the notebooks from make_course.py and run each top to bottom
# with nbclient on a python3 kernel. Fails if a cell raises or if the committed notebooks are out of date.
# Needs nbformat, nbclient and ipykernel (pip install nbformat nbclient ipykernel).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"   # the kernel imports this checkout's loopnet
python3 docs/course/make_course.py --execute
git diff --exit-code -- docs/course || { echo "course.sh: the notebooks differ from make_course.py's" >&2; exit 1; }
echo "course.sh: every notebook of docs/course ran without an error"
