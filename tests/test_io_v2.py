"""Model files, format version 2: the manifest (format, version, per member shape, dtype, size, SHA-256) is
verified on load; every member the format defines is required; decompressed sizes are bounded before
reading; a damaged file is a ModelFileError or the identical model, never a different one (fuzzed in a
subprocess under a memory limit and a time limit); save refuses what load would refuse; version-1 files
(written by np.savez without a manifest, as loopnet did before) still load."""
import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

import loopnet as ln
from loopnet import io as lio
from loopnet.preprocessing import Preprocessing

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def model():
    net = ln.Network([4, 5, 3], activation="tanh", output_activation="softmax", loss="cross_entropy", seed=1,
                     backend="numpy")
    net.preprocessing = Preprocessing([0.5, 1, 2, 3], [1, 2, 3, 4], ["cat", "dog", "eel"], "standard")
    net.data_split = dict(data="csv:x.csv", seed=3, test_size=0.2, validation_size=0.1)
    return net


def same(a, b):
    return (a.sizes == b.sizes and a.activation == b.activation and a.output_activation == b.output_activation
            and a.loss_name == b.loss_name and a.dtype == b.dtype and a.params.tobytes() == b.params.tobytes()
            and a.preprocessing.offset.tobytes() == b.preprocessing.offset.tobytes()
            and a.preprocessing.scale.tobytes() == b.preprocessing.scale.tobytes()
            and a.preprocessing.classes.tolist() == b.preprocessing.classes.tolist()
            and a.data_split == b.data_split)


def members(path):
    with np.load(path) as data:
        return {k: data[k] for k in data.files if k != "manifest.json"}


def write(path, fields):
    with open(path, "wb") as f:
        f.write(lio.archive_bytes(fields))


def test_round_trip_records_a_manifest(tmp_path):
    net = model()
    net.save(tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz") as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert manifest["format"] == "loopnet" and manifest["version"] == 2
        assert set(manifest["members"]) == {n[:-4] for n in zf.namelist() if n.endswith(".npy")}
        assert all(zf.getinfo(n).compress_type == zipfile.ZIP_STORED for n in zf.namelist())
    assert same(ln.load(tmp_path / "m.npz"), net)


def test_version_1_files_still_load(tmp_path):
    net = model()
    del net.data_split
    old = dict(format=np.array("loopnet"), version=np.array(1, dtype=np.int64),
               sizes=np.array(net.sizes, dtype=np.int64), activation=np.array(net.activation),
               output_activation=np.array(net.output_activation), loss=np.array(net.loss_name),
               dtype=np.array(net.dtype.name), has_bias=np.array(net.has_bias), params=net.params,
               preprocessing=np.array("standard"), preprocessing_offset=net.preprocessing.offset,
               preprocessing_scale=net.preprocessing.scale, classes=net.preprocessing.classes)
    np.savez(tmp_path / "v1.npz", **old)          # what loopnet's save wrote in format version 1
    back = ln.load(tmp_path / "v1.npz")
    assert back.params.tobytes() == net.params.tobytes() and back.preprocessing.classes.tolist() == ["cat", "dog", "eel"]


def test_version_1_ensembles_still_load(tmp_path):
    ens = ln.Ensemble([2, 2, 1], seeds=[0, 1])
    ens.save(tmp_path / "e.npz")
    fields = members(tmp_path / "e.npz")
    fields["version"] = np.array(1, dtype=np.int64)
    np.savez(tmp_path / "e1.npz", **fields)
    np.testing.assert_array_equal(ln.Ensemble.load(tmp_path / "e1.npz").params, ens.params)


@pytest.mark.parametrize("drop", ["loss", "has_bias", "version", "preprocessing_scale"])
def test_every_member_the_format_defines_is_required(tmp_path, drop):
    model().save(tmp_path / "m.npz")
    fields = members(tmp_path / "m.npz")
    del fields[drop]
    write(tmp_path / "m.npz", fields)
    with pytest.raises(ln.ModelFileError, match=rf"no '{drop}' member|but not \['{drop}'\]"):
        ln.load(tmp_path / "m.npz")


def test_members_the_manifest_does_not_list_are_refused(tmp_path):
    model().save(tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz", "a") as zf:
        zf.writestr("extra.npy", b"\x93NUMPY")
    with pytest.raises(ln.ModelFileError, match=r"not the ones its manifest lists; not listed: \['extra.npy'\]"):
        ln.load(tmp_path / "m.npz")


def test_a_version_2_file_without_its_manifest_is_refused(tmp_path):
    model().save(tmp_path / "m.npz")
    np.savez(tmp_path / "bare.npz", **members(tmp_path / "m.npz"))
    with pytest.raises(ln.ModelFileError, match="version 2 but has no manifest"):
        ln.load(tmp_path / "bare.npz")


def test_an_edited_member_fails_its_checksum(tmp_path):
    net = model()
    net.save(tmp_path / "m.npz")
    with zipfile.ZipFile(tmp_path / "m.npz") as zin, zipfile.ZipFile(tmp_path / "edited.npz", "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "params.npy":  # same shape, dtype and size; one weight changed
                arr = np.lib.format.read_array(io.BytesIO(data))
                arr[0] += 1.0
                buf = io.BytesIO()
                np.lib.format.write_array(buf, arr)
                data = buf.getvalue()
            zout.writestr(info, data)
    with pytest.raises(ln.ModelFileError, match="'params' does not match its SHA-256 checksum"):
        ln.load(tmp_path / "edited.npz")


def test_a_deflated_member_cannot_expand_beyond_the_bound(tmp_path):
    """A 33 KB ensemble file whose history deflates to hundreds of MB: refused from the zip directory alone."""
    ens = ln.Ensemble([2, 2, 1], seeds=[0, 1])
    ens.save(tmp_path / "e.npz")
    fields = members(tmp_path / "e.npz")
    fields["history"] = np.zeros((2, 20_000_000))                        # 320 MB of zeros
    raw = lio.archive_bytes({k: v for k, v in fields.items() if k != "history"})
    buf = io.BytesIO()
    np.lib.format.write_array(buf, fields["history"])
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w") as zout:
        with zipfile.ZipFile(io.BytesIO(raw)) as zin:
            for info in zin.infolist():
                zout.writestr(info, zin.read(info))
        zout.writestr("history.npy", buf.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    assert os.path.getsize(tmp_path / "bomb.npz") < 1_000_000
    with pytest.raises(ln.ModelFileError, match=r"'history.npy' would expand from [\d,]+ to 320,000,128 bytes"):
        ln.Ensemble.load(tmp_path / "bomb.npz")


def test_save_refuses_what_load_would_refuse_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "m.npz"
    model().save(path)
    before = path.read_bytes()
    net = model()
    net.preprocessing = Preprocessing([0.0] * 4, [1.0] * 4, ["a", "b"], "standard")   # 2 labels, 3 outputs
    with pytest.raises(ln.ModelFileError, match="2 class labels for 3 output"):
        net.save(path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["m.npz"]


FUZZ = textwrap.dedent("""
    import os, resource, sys, time
    import numpy as np
    import loopnet as ln
    from loopnet.preprocessing import Preprocessing
    path, kind, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    resource.setrlimit(resource.RLIMIT_AS, (1 << 31, 1 << 31))      # 2 GB of address space, numba included
    load = ln.load if kind == "net" else ln.Ensemble.load
    good = open(path, "rb").read()
    ref = load(path)
    rng = np.random.default_rng(seed)
    outcomes = {"refused": 0, "identical": 0}
    for i in range(n):
        data = bytearray(good)
        if rng.random() < 0.2:
            data = data[:rng.integers(0, len(data))]
        else:
            for _ in range(rng.integers(1, 4)):
                data[rng.integers(0, len(data))] ^= 1 << int(rng.integers(0, 8))
        bad = path + ".bad"
        open(bad, "wb").write(bytes(data))
        t0 = time.perf_counter()
        try:
            back = load(bad)
        except ln.ModelFileError:
            outcomes["refused"] += 1
        else:
            if kind == "net":
                ok = (back.params.tobytes() == ref.params.tobytes() and back.sizes == ref.sizes
                      and back.activation == ref.activation and back.loss_name == ref.loss_name
                      and back.preprocessing.classes.tolist() == ref.preprocessing.classes.tolist()
                      and back.preprocessing.offset.tobytes() == ref.preprocessing.offset.tobytes()
                      and back.data_split == ref.data_split)
            else:
                ok = back.params.tobytes() == ref.params.tobytes() and back.history.tobytes() == ref.history.tobytes()
            if not ok:
                raise SystemExit(f"mutation {i} loaded as a different model")
            outcomes["identical"] += 1
        assert time.perf_counter() - t0 < 5, f"mutation {i} took {time.perf_counter() - t0:.1f} s"
    print(outcomes)
""")


@pytest.mark.parametrize("kind", ["net", "ensemble"])
def test_fuzzed_files_load_identically_or_are_refused(tmp_path, kind):
    path = tmp_path / "m.npz"
    if kind == "net":
        model().save(path)
    else:
        ens = ln.Ensemble([3, 4, 2], seeds=[0, 1, 2], backend="numpy")
        ens.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=3, batch_size=2)
        ens.save(path)
    proc = subprocess.run([sys.executable, "-c", FUZZ, str(path), kind, "300", "7"], env=ENV, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-2000:]
    assert "'refused'" in proc.stdout
