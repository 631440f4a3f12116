"""Saving and loading networks: one ``.npz`` file (a zip archive of ``.npy`` members), written atomically.

The file holds ``format`` ("loopnet"), ``version``, ``sizes``, ``activation``,
``output_activation``, ``loss``, ``dtype``, ``has_bias`` and the flat parameter vector
``params`` (layer by layer: W^l row by row, then b^l), in the network's own dtype, so a round trip
gives bit-identical predictions. When ``net.preprocessing`` is set (the CLI sets it) the file also
holds ``preprocessing`` (its name), ``preprocessing_offset`` and ``preprocessing_scale`` (x' = (x −
offset) / scale, per input), for classifiers ``classes`` (the label of output j, in output order), and
the data split the CLI trained on (``split_*``); files without them load with ``preprocessing = None``.

Format version 2 adds ``manifest.json``: the format, the version, and per member its shape, dtype, size
in bytes and SHA-256. :func:`load` verifies all of it -- every member the format defines is present, no
other member is, each member's header agrees with the manifest and its bytes with the checksum -- and
bounds every member's decompressed size (from the zip's own header and its compression ratio) before
reading it; a damaged or edited file is a :class:`ModelFileError`, never a different model. Version 1
files (no manifest) still load, with the same per-member checks.

:func:`save` writes through :func:`loopnet.writing.write_file` (atomic, regular files only) and reads the
finished temporary file back with :func:`load` before renaming it: a model that load would refuse is
never written.
"""
from __future__ import annotations

import hashlib
import io as _io
import json
import os
import stat
import zipfile

import numpy as np

from .writing import KINDS

FORMAT = "loopnet"
VERSION = 2
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"


class ModelFileError(ValueError):
    """The file is not a loopnet model, or it is damaged."""


def save(net, path, inputs=None):
    """Write ``net`` to ``path`` (an ``.npz`` file) atomically: a temporary file in the same
    directory is written, flushed to disk, read back with :func:`load` and renamed over ``path``, so an
    existing file is either replaced whole or left as it was. ``inputs``: files the same call reads
    ({argument: path}), which are never overwritten.

    >>> import loopnet as ln, tempfile, os
    >>> net = ln.Network([2, 3, 1], seed=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "xor.npz")
    >>> net.save(path); ln.load(path).sizes
    [2, 3, 1]
    """
    fields = dict(
        format=np.array(FORMAT), version=np.array(VERSION, dtype=np.int64),
        sizes=np.array(net.sizes, dtype=np.int64), activation=np.array(net.activation),
        output_activation=np.array(net.output_activation), loss=np.array(net.loss_name),
        dtype=np.array(net.dtype.name), has_bias=np.array(net.has_bias), params=net.params.copy(),
    )
    pre = getattr(net, "preprocessing", None)
    if pre is not None:  # optional: what the inputs went through at training, and the class labels
        fields.update(pre.fields())
    split = getattr(net, "data_split", None)
    if split is not None:  # optional: how the CLI split its data (evaluate reuses it)
        fields["split"] = np.array(json.dumps(split, sort_keys=True))
    write_archive(path, fields, inputs, verify=lambda tmp: load(tmp, backend="numpy"))


def archive_bytes(fields):
    """The bytes of a model archive holding ``fields`` (name → array) and their manifest: members stored
    uncompressed, in the order given, then ``manifest.json``."""
    arrays = {name: np.asanyarray(value) for name, value in fields.items()}
    for name, arr in arrays.items():
        if arr.dtype.hasobject:
            raise ModelFileError(f"cannot save member {name!r}: it holds Python objects, which model files never do")
    out = _io.BytesIO()
    np.savez(out, **arrays)                       # stored, not deflated: sizes in the zip headers are the real ones
    members = {}
    with zipfile.ZipFile(out, "a", zipfile.ZIP_STORED) as zf:
        for name, arr in arrays.items():
            data = zf.read(name + ".npy")
            members[name] = dict(shape=list(arr.shape), dtype=arr.dtype.str, bytes=len(data),
                                 sha256=hashlib.sha256(data).hexdigest())
        version = arrays["version"].item() if "version" in arrays and arrays["version"].shape == () else None
        manifest = dict(format=str(fields.get("format")), version=version, members=members)
        zf.writestr(MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
    return out.getvalue()


def write_archive(path, fields, inputs=None, verify=None):
    """Write ``fields`` with their manifest to ``path`` through :func:`loopnet.writing.write_file` (atomic,
    regular files only, never one of ``inputs``); ``verify(tmp)`` reads the written file back first."""
    from .writing import write_file
    data = archive_bytes(fields)
    write_file(path, lambda f: f.write(data), inputs, verify=verify)


def atomic_savez(path, fields, inputs=None):
    """Write an ensemble's (or a network's) ``fields`` as a model archive; what :meth:`loopnet.Ensemble.save`
    calls. The written file is read back with the reader of its format before it replaces ``path``."""
    fmt = str(fields["format"])
    if fmt == "loopnet-ensemble":
        def verify(tmp):
            from .ensemble import Ensemble
            Ensemble.load(tmp, backend="numpy")
    else:
        def verify(tmp):
            load(tmp, backend="numpy")
    write_archive(path, fields, inputs, verify)


_KINDS = KINDS


# The members a model file has, and what each may hold: (dtype kinds, "scalar" or "vector", max itemsize).
# load() reads nothing else, and checks each member's declared shape, dtype and size before reading it.
FIELDS = {
    "format": ("U", "scalar", 64 * 4), "version": ("iu", "scalar", 8), "activation": ("U", "scalar", 64 * 4),
    "output_activation": ("U", "scalar", 64 * 4), "loss": ("U", "scalar", 64 * 4),
    "dtype": ("U", "scalar", 64 * 4), "has_bias": ("b", "scalar", 1),
    "sizes": ("iu", "vector", 8), "params": ("f", "vector", 8),
    # optional: the preprocessing the CLI recorded (x' = (x − offset) / scale per input) and the class labels
    "preprocessing": ("U", "scalar", 64 * 4), "preprocessing_offset": ("f", "inputs", 8),
    "preprocessing_scale": ("f", "inputs", 8), "classes": ("iufbU", "classes", 256 * 4),
    # optional: how the CLI split its data (JSON: data, seed, test_size, validation_size), which evaluate reuses
    "split": ("U", "scalar", 4096 * 4),
}
# An ensemble file (loopnet.Ensemble.save): the network's description, then per member.
ENSEMBLE_FIELDS = {
    **{k: FIELDS[k] for k in ("format", "version", "activation", "output_activation", "loss", "dtype", "has_bias",
                              "sizes")},
    "init": ("U", "scalar", 64 * 4), "seeds": ("iu", "seeds", 8),            # (M,): how many members there are
    "params": ("f", "member_params", 8),          # (M, P): one θ per member
    "history": ("f", "member_rows", 8),           # (M, epochs): one loss curve per member
    "diverged_epoch": ("iu", "members", 8),       # (M,)
}
MAX_LAYERS = 10_000


# Members that come together or not at all; every other member of the table is required.
OPTIONAL_GROUPS = {
    "loopnet": (("preprocessing", "preprocessing_offset", "preprocessing_scale"), ("classes",),
                ("split",)),
    "loopnet-ensemble": (),
}
# What a member's decompressed size may be, at most: loopnet stores members uncompressed, so the sizes in the
# zip's own headers are close to the file's size; a deflated member may expand this many times (plus a little).
MAX_EXPANSION = 16
EXPANSION_SLACK = 1 << 16
MAX_MANIFEST_BYTES = 1 << 20


def _damaged(path, detail):
    return ModelFileError(f"{path!r} is a damaged loopnet model file: {detail}")


def _header(zf, info, path):
    """(shape, dtype, header bytes) of the .npy member ``info``, read from its header only."""
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f".npy format version {version} (loopnet writes 1.0)")
        return shape, dtype, f.tell()


KINDS_OF_FILE = {"loopnet": "it is a single network: use loopnet.load",
                 "loopnet-ensemble": "it is an ensemble: use loopnet.Ensemble.load"}


def _check_sizes(zf, path, file_size):
    """Refuse, from the zip's directory alone, an archive whose members would expand beyond what its size
    allows (a deflated zip bomb), duplicate member names and compression methods zipfile cannot bound."""
    infos = zf.infolist()
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        raise _damaged(path, "it holds two members of the same name")
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _damaged(path, f"member {info.filename!r} uses zip compression method {info.compress_type}; "
                           f"loopnet reads stored or deflated members only")
        if info.file_size > MAX_EXPANSION * info.compress_size + EXPANSION_SLACK:
            raise _damaged(path, f"member {info.filename!r} would expand from {info.compress_size:,} to "
                           f"{info.file_size:,} bytes, more than a model file's members do; it was not read")
        total += info.file_size
    if total > MAX_EXPANSION * file_size + EXPANSION_SLACK:
        raise _damaged(path, f"its members would expand to {total:,} bytes from a file of {file_size:,}; "
                       f"it was not read")
    return {info.filename: info for info in infos}


def _read_manifest(zf, members, path):
    """The manifest's {member: entry}, checked for form, or None for a version-1 file (no manifest)."""
    info = members.get(MANIFEST)
    if info is None:
        return None
    if info.file_size > MAX_MANIFEST_BYTES:
        raise _damaged(path, f"its manifest is {info.file_size:,} bytes")
    try:
        manifest = json.loads(zf.read(info).decode("utf-8"))
        entries = manifest["members"]
        checked = {str(name): (tuple(int(n) for n in e["shape"]), np.dtype(str(e["dtype"])), int(e["bytes"]),
                               str(e["sha256"])) for name, e in entries.items()}
        version = manifest["version"]
        fmt = str(manifest["format"])
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise _damaged(path, f"its manifest is unreadable ({type(exc).__name__}: {exc})") from None
    listed = {name + ".npy" for name in checked} | {MANIFEST}
    if listed != set(members):
        extra, missing = sorted(set(members) - listed), sorted(listed - set(members))
        raise _damaged(path, "its members are not the ones its manifest lists" +
                       (f"; not listed: {extra}" if extra else "") + (f"; missing: {missing}" if missing else ""))
    return dict(format=fmt, version=version, members=checked)


def _check_required(names, table, fmt, path, manifest):
    """Every member the format defines is present (optional ones as whole groups), and nothing else in a
    file with a manifest."""
    groups = OPTIONAL_GROUPS.get(fmt, ())
    optional = {n for g in groups for n in g}
    missing = sorted(n for n in table if n not in optional and n not in names)
    if missing:
        raise _damaged(path, f"it has no {', '.join(map(repr, missing))} member{'s' if len(missing) > 1 else ''}")
    for group in groups:
        present = [n for n in group if n in names]
        if present and len(present) != len(group):
            raise _damaged(path, f"it has {present} but not {[n for n in group if n not in names]}, which come "
                           f"together")
    if "classes" in names and "preprocessing" not in names:
        raise _damaged(path, "it has class labels but no preprocessing record")
    if manifest is not None:
        unknown = sorted(set(names) - set(table))
        if unknown:
            raise _damaged(path, f"it has members the format does not define: {unknown}")


def _read_fields(path, table=None):
    """The members of ``table`` in the archive at ``path``, each checked (see :func:`read_archive`)."""
    try:
        zf = zipfile.ZipFile(path)
    except PermissionError:
        raise PermissionError(f"cannot read model file {path!r}: permission denied") from None
    except Exception as exc:  # BadZipFile, OSError, ValueError, EOFError, struct.error, ...
        with open(path, "rb") as f:
            if f.read(6) == b"\x93NUMPY":
                raise ModelFileError(f"{path!r} is a single NumPy array (.npy), not a loopnet model "
                                     f"(.npz archive)") from None
        raise ModelFileError(f"{path!r} is not a loopnet model file (truncated, corrupt or not an .npz "
                             f"archive): {type(exc).__name__}: {exc}") from None
    with zf:
        try:
            return _read_members(zf, path, table)
        except (ModelFileError, MemoryError, PermissionError):
            raise
        except Exception as exc:  # zlib.error, EOFError, BadZipFile (CRC, names), NotImplementedError, ...
            raise ModelFileError(f"{path!r} is a damaged .npz archive (truncated or corrupt): "
                                 f"{type(exc).__name__}: {exc}") from None


def _read_members(zf, path, table):
    members = _check_sizes(zf, path, os.path.getsize(path))
    manifest = _read_manifest(zf, members, path)
    if table is None:  # the format says which table: a network's unless it says ensemble
        table = ENSEMBLE_FIELDS if manifest is not None and manifest["format"] == "loopnet-ensemble" else FIELDS
    wanted = "loopnet-ensemble" if table is ENSEMBLE_FIELDS else "loopnet"
    names = {n[:-4] for n in members if n.endswith(".npy")}
    fields = {}
    # the description first (what the other members' shapes are checked against), params last
    order = sorted((n for n in table if n in names),
                   key=lambda n: -1 if n == "format" else (table[n][1] not in ("scalar", "vector", "seeds")) + 2 * (n == "params"))
    for name in order:
        info = members[name + ".npy"]
        kinds, rank, itemsize = table[name]
        try:
            shape, dtype, header = _header(zf, info, path)
        except Exception as exc:
            raise _damaged(path, f"member {name!r} has no readable .npy header ({type(exc).__name__}: {exc})") from None
        if dtype.hasobject:
            raise ModelFileError(f"{path!r}: member {name!r} holds Python objects (a pickle, which could run "
                                 f"code when read); loopnet model files never do, so it is not read")
        if dtype.kind not in kinds or dtype.itemsize > itemsize:
            raise _damaged(path, f"member {name!r} has dtype {dtype}, expected "
                           f"{'text' if kinds == 'U' else 'numbers'} of kind {kinds!r}")
        if rank == "scalar":
            allowed = ()
        elif name == "sizes":
            allowed = shape if len(shape) == 1 and shape[0] <= MAX_LAYERS else None
        elif rank == "seeds":       # any number of members, one seed each
            allowed = shape if len(shape) == 1 else None
        elif rank == "inputs":      # one number per input n_0
            allowed = (int(fields["sizes"][0]),) if "sizes" in fields else None
        elif rank == "classes":     # one label per output, or two for a single (sigmoid) output
            n_out = int(fields["sizes"][-1]) if "sizes" in fields else 0
            allowed = shape if len(shape) == 1 and shape[0] <= max(n_out, 2) else None
        elif rank in ("members", "member_rows", "member_params"):
            M = int(fields["seeds"].shape[0]) if "seeds" in fields else -1
            allowed = ((M,) if rank == "members" else
                       (M, shape[1]) if rank == "member_rows" and len(shape) == 2 else
                       (M, _param_count(fields, path)) if rank == "member_params" else None)
        else:  # params: exactly the count the sizes imply
            allowed = (_param_count(fields, path),)
        if shape != allowed:
            what = "a single value" if rank == "scalar" else (
                f"at most {MAX_LAYERS} layer sizes" if name == "sizes" else
                "one seed per member" if rank == "seeds" else
                "one number per input of the network" if rank == "inputs" else
                "one label per output of the network" if rank == "classes" else
                "one row per member (seeds)" if rank.startswith("member") else
                f"the {allowed[0]} numbers that sizes {[int(n) for n in fields['sizes']]} need")
            raise _damaged(path, f"member {name!r} declares shape {shape}, expected {what}; it was not read")
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if info.file_size != header + nbytes:
            raise _damaged(path, f"member {name!r} is {info.file_size} bytes but its header declares "
                           f"{header + nbytes}")
        if manifest is not None:
            m_shape, m_dtype, m_bytes, m_sha = manifest["members"][name]
            if (m_shape, m_dtype, m_bytes) != (shape, dtype, info.file_size):
                raise _damaged(path, f"member {name!r} is {dtype} {shape} in {info.file_size} bytes, its manifest "
                               f"says {m_dtype} {m_shape} in {m_bytes}")
        if name in ("params", "history"):
            from .validation import check_memory
            check_memory(nbytes, f"loading {path!r}: its {int(np.prod(shape)):,} {name} numbers")
        data = zf.read(info)        # exactly file_size bytes (zipfile stops there and checks the CRC)
        if manifest is not None and hashlib.sha256(data).hexdigest() != manifest["members"][name][3]:
            raise _damaged(path, f"member {name!r} does not match its SHA-256 checksum in the manifest")
        fields[name] = np.lib.format.read_array(_io.BytesIO(data), allow_pickle=False)
        if name == "format":
            kind = str(fields["format"]) if fields["format"].shape == () else None
            if kind in KINDS_OF_FILE and kind != wanted:
                raise ModelFileError(f"{path!r} is not a loopnet {'ensemble' if wanted != 'loopnet' else 'model'} "
                                     f"file ({KINDS_OF_FILE[kind]})")
            if kind != wanted:
                return fields, sorted(n[:-4] if n.endswith(".npy") else n for n in members)
            _check_required(names, table, kind, path, manifest)
        if name == "version":
            try:
                version = int(fields["version"])
            except (TypeError, ValueError):
                raise _damaged(path, f"its format version {fields['version']!r} is not a number") from None
            if version >= 2 and manifest is None:
                raise _damaged(path, f"it says format version {version} but has no manifest")
            if manifest is not None and (manifest["version"], manifest["format"]) != (version, wanted):
                raise _damaged(path, f"its manifest says {manifest['format']} version {manifest['version']}, its "
                               f"members {wanted} version {version}")
    return fields, sorted(n[:-4] if n.endswith(".npy") else n for n in members)


def _param_count(fields, path):
    """How many numbers θ has for the sizes and bias flag already read (params is read last)."""
    try:
        sizes = [int(n) for n in fields["sizes"]]
        has_bias = bool(fields["has_bias"])
    except KeyError as exc:
        raise ModelFileError(f"{path!r} is a damaged loopnet model file: it has params but no {exc.args[0]!r} "
                             f"entry to check them against") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ModelFileError(f"{path!r} is a damaged loopnet model file: sizes {sizes} is not a list of at least "
                             f"two positive layer sizes")
    from .kernels.layout import Layout
    return Layout(sizes, has_bias).n_params


def read_archive(path, table=None):
    """(fields, entries) of the model file ``path``: the members of ``table`` (:data:`FIELDS` for a network,
    :data:`ENSEMBLE_FIELDS` for an ensemble) that it holds, each read after its declared shape, dtype and
    size were checked (see :func:`_read_fields`), and the names of all its entries. Only regular files
    are read: a FIFO would block the read forever, a device never end."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a directory, not a model file")
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise ModelFileError(f"{path!r} is {_KINDS.get(stat.S_IFMT(mode), 'not a regular file')}, not a model file")
    return _read_fields(path, table)


def _split_record(text):
    """The CLI's data split as recorded: {"data": str, "seed": int, "test_size": float, "validation_size": float}."""
    record = json.loads(text)
    if not isinstance(record, dict) or set(record) != {"data", "seed", "test_size", "validation_size"}:
        raise ValueError(f"its split record {text!r} is not the data, seed, test_size and validation_size")
    return dict(data=str(record["data"]), seed=int(record["seed"]), test_size=record["test_size"],
                validation_size=record["validation_size"])


def load(path, backend="loops"):
    """Read a network written by :func:`save`. Raises :class:`ModelFileError` for a truncated,
    corrupt or foreign file or another format version, FileNotFoundError when there is none.

    Only the members listed in :data:`FIELDS` are read, each after its declared shape, dtype and size
    were checked against what the file's ``sizes`` allow (a small file cannot make load allocate
    gigabytes), and never with pickles allowed."""
    from . import validation as v
    from .backends import BACKENDS
    from .kernels.layout import Layout
    from .network import Network

    v.choice(backend, BACKENDS, "backend")
    path = os.fspath(path)
    fields, entries = read_archive(path)
    if "format" not in fields or fields["format"].shape != () or str(fields["format"]) != FORMAT:
        hint = ""
        if "format" in fields and fields["format"].shape == () and str(fields["format"]) == "loopnet-ensemble":
            hint = " (it is an ensemble: use loopnet.Ensemble.load)"
        raise ModelFileError(f"{path!r} is an .npz archive but not a loopnet model (it has no format='loopnet' "
                             f"entry; its entries are {entries}){hint}")
    try:
        version = int(fields["version"])
    except (KeyError, TypeError, ValueError):
        raise ModelFileError(f"{path!r} is a loopnet model file without a readable format version") from None
    if version not in READABLE_VERSIONS:
        raise ModelFileError(f"{path!r} has loopnet model format version {version}; this loopnet "
                             f"reads version {VERSION} and older")
    try:
        sizes = [int(s) for s in fields["sizes"]]
        has_bias = bool(fields["has_bias"])
        dtype = np.dtype(str(fields["dtype"]))
        params = np.asarray(fields["params"])
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes {sizes} is not a list of at least two positive layer sizes")
        layout = Layout(sizes, has_bias)
        need = layout.n_params
        if params.shape != (need,) or params.dtype != dtype:
            raise ValueError(f"params holds {params.size} {params.dtype} numbers, sizes {sizes} "
                             f"{'with' if has_bias else 'without'} biases need {need} {dtype}")
        Ws, bs = layout.split(params)
        net = Network.from_weights(Ws, bs, activation=str(fields["activation"]),
                                   output_activation=str(fields["output_activation"]), loss=str(fields["loss"]),
                                   backend=backend, dtype=dtype)
        if "preprocessing" in fields:
            from .preprocessing import Preprocessing
            net.preprocessing = Preprocessing.from_fields(fields, sizes)
        if "split" in fields:
            net.data_split = _split_record(str(fields["split"]))
        return net
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path!r} is a damaged loopnet model file: {exc}") from None
