#!/usr/bin/env bash
# CI for packaging and the ecosystem (issue 14), called once from .ci/run before the test legs, so
# the interop tests there run with torch/onnx/onnxruntime installed. Idempotent. Four steps:
#   1. the interop extras (torch as the CPU wheel), mypy and build
#   2. mypy over loopnet/ (py.typed ships: the public API is typed)
#   3. sdist and wheel: LICENSE and py.typed inside both, tests/ in the sdist, and tests run from
#      the unpacked sdist
#   4. the declared minimums (numpy, numba, scikit-learn, read from pyproject.toml) in a fresh venv,
#      and a fast subset of the tests on them
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
t0=$(date +%s)

# 1. Linux `pip install torch` pulls GBs of CUDA libraries: install the CPU wheel. Set
#    LOOPNET_TORCH_INDEX=https://download.pytorch.org/whl/cpu where that index is reachable; without it
#    pip's configured indexes are used (this machine's wheel cache holds torch 2.13.0+cpu).
#    LOOPNET_CI_NO_INSTALL=1 skips this step in an environment that already has all of it.
if [ "${LOOPNET_CI_NO_INSTALL:-0}" != 1 ]; then
    if ! "$PY" -c "import torch" 2>/dev/null; then
        "$PY" -m pip install -q "torch==2.13.0" ${LOOPNET_TORCH_INDEX:+--index-url "$LOOPNET_TORCH_INDEX"}
    fi
    "$PY" -m pip install -q -e '.[interop]' 'mypy>=1.8' 'build>=1'
fi

# 2. types
"$PY" -m mypy

# 3. the distributions
dist=$(mktemp -d)
trap 'rm -rf "$dist"' EXIT
"$PY" -m build --sdist --wheel --outdir "$dist" . > "$dist/build.log" 2>&1 || { cat "$dist/build.log"; exit 1; }
wheel=$(ls "$dist"/*.whl)
sdist=$(ls "$dist"/*.tar.gz)
"$PY" - "$wheel" "$sdist" <<'PYEOF'
import sys, tarfile, zipfile
wheel, sdist = sys.argv[1:]
names = zipfile.ZipFile(wheel).namelist()
meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
text = zipfile.ZipFile(wheel).read(meta).decode()
need = {"loopnet/py.typed": any(n == "loopnet/py.typed" for n in names),
        "LICENSE in the wheel": any(n.endswith("licenses/LICENSE") for n in names),
        "License-Expression: MIT": "License-Expression: MIT" in text,
        "Name: loopnet-backprop": "Name: loopnet-backprop" in text}
members = tarfile.open(sdist).getnames()
root = members[0].split("/")[0]
for f in ("LICENSE", "tests/conftest.py", "tests/test_io.py", "loopnet/py.typed", "README.md"):
    need[f"{f} in the sdist"] = f"{root}/{f}" in members
missing = [k for k, ok in need.items() if not ok]
if missing:
    sys.exit(f"CI: distributions incomplete: {missing}")
print(f"CI: wheel and sdist hold LICENSE, py.typed, the MIT license expression; sdist holds tests/ ({len(members)} files)")
PYEOF
tar -xzf "$sdist" -C "$dist"
src=$(ls -d "$dist"/loopnet_backprop-*/)
# uncompiled (NUMBA_DISABLE_JIT=1): the unpacked copy lives at another path, so compiled kernels would
# be compiled again for it (~2 min); the same source as plain Python runs these small tests in seconds
(cd "$src" && NUMBA_DISABLE_JIT=1 PYTHONPATH="$src" "$PY" -m pytest -q -p no:cacheprovider tests/test_io.py \
    tests/test_interop.py tests/test_docs.py::test_readme_setup_commands_name_the_distribution)

# 4. the declared minimums
# one requirement per line (a requirement may hold spaces: markers such as tbb's platform_machine);
# a requirement whose marker does not hold on this machine is left out, every ">=X" becomes "==X.*"
mapfile -t mins < <("$PY" - <<'PYEOF'
import tomllib
from packaging.requirements import Requirement
meta = tomllib.load(open("pyproject.toml", "rb"))["project"]
for text in meta["dependencies"] + meta["optional-dependencies"]["sklearn"]:
    req = Requirement(text)
    if req.marker is not None and not req.marker.evaluate():
        continue
    lows = [s.version for s in req.specifier if s.operator == ">="]
    print(f"{req.name}{''.join('[' + e + ']' for e in sorted(req.extras))}" + (f"=={lows[0]}.*" if lows else ""))
PYEOF
)
[ "${#mins[@]}" -ge 3 ] || { echo "CI: could not read the declared minimums from pyproject.toml" >&2; exit 1; }
venv=${LOOPNET_MINIMUMS_VENV:-/tmp/loopnet-minimums-venv}
[ -x "$venv/bin/python" ] || "$PY" -m venv "$venv"
"$venv/bin/python" -m pip install -q "${mins[@]}" pytest hypothesis tqdm
echo "CI: minimums leg on $("$venv/bin/python" -c 'import numpy, numba, sklearn; print(f"numpy {numpy.__version__}, numba {numba.__version__}, scikit-learn {sklearn.__version__}")')"
mkdir -p "$venv/numba-cache"
XDG_CACHE_HOME="$venv/numba-cache" PYTHONPATH="$PWD" "$venv/bin/python" -m pytest -q -p no:cacheprovider \
    tests/test_engine.py tests/test_io.py tests/test_sample_weight.py tests/test_sklearn.py tests/test_own_data.py
echo "CI: ecosystem leg done in $(( $(date +%s) - t0 )) s"
