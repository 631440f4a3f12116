#!/usr/bin/env bash
# CI leg: the course's notebooks rebuilt and run top to bottom (nbclient) in the README's venv ($PYTHON).
set -euo pipefail
cd "$(dirname "$0")/../.."
"$PYTHON" -m pip install -q nbformat nbclient ipykernel
PATH="$(dirname "$PYTHON"):$PATH" bash .ci/course.sh
