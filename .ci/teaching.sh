#!/usr/bin/env bash
# CI for the teaching renderers (issue 11): the tools that check them, from the system's package manager.
#   pdflatex (texlive-latex-base + -recommended for longtable/array/geometry/amsmath) compiles the handouts,
#   pdftotext (poppler-utils) reads the PDF back, chromium runs the interactive page headless.
# Idempotent: apt-get install does nothing for installed packages. LOOPNET_REQUIRE_TOOLS=1 (exported by
# .ci/run after sourcing this) turns the tests' "tool missing: skip" into a failure.
set -euo pipefail
packages=(texlive-latex-base texlive-latex-recommended poppler-utils chromium)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
for tool in pdflatex pdftotext chromium; do
    command -v "$tool" >/dev/null || { echo "teaching.sh: $tool not found after install" >&2; exit 1; }
done
echo "teaching.sh: pdflatex, pdftotext and chromium are installed"
