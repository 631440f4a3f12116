"""Saving and loading networks: one ``.npz`` file, written atomically.

The file holds ``format`` ("loopnet"), ``version``, ``sizes``, ``activation``,
``output_activation``, ``loss``, ``dtype``, ``has_bias`` and the flat parameter vector
``params`` (layer by layer: W^l row by row, then b^l), in the network's own dtype, so a round trip
gives bit-identical predictions. When ``net.preprocessing`` is set (the CLI sets it) the file also
holds ``preprocessing`` (its name), ``preprocessing_offset`` and ``preprocessing_scale`` (x' = (x −
offset) / scale, per input) and, for classifiers, ``classes``; files without them load with
``preprocessing = None``. :func:`save` writes to a temporary file in the same directory,
flushes it to disk and renames it over the target: an interrupted or failed save leaves an existing
file whole. It writes only regular files, through symlinks to their target.
"""
from __future__ import annotations

import os
import stat
import tempfile
import zipfile

import numpy as np

FORMAT = "loopnet"
VERSION = 1


class ModelFileError(ValueError):
    """The file is not a loopnet model, or it is damaged."""


def _new_file_mode(path):
    """Permissions for the saved file: those of the file it replaces, else 0o666 less the umask
    (mkstemp makes its file 0o600, which would silently make models private)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def save(net, path):
    """Write ``net`` to ``path`` (an ``.npz`` file) atomically: a temporary file in the same
    directory is written, flushed to disk and renamed over ``path``, so an existing file is
    either replaced whole or left as it was.

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
        fields.update(preprocessing=np.array(pre.name), preprocessing_offset=pre.offset,
                      preprocessing_scale=pre.scale)
        if pre.classes is not None:
            fields["classes"] = pre.classes
    atomic_savez(path, fields)


def atomic_savez(path, fields):
    """Write the arrays ``fields`` to the .npz file ``path`` atomically (a temporary file in the same
    directory, flushed to disk, renamed over ``path``; through symlinks to their target; regular files
    only, see :func:`_target`). Used for networks and ensembles."""
    path = _target(path)
    directory = os.path.dirname(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".loopnet-", suffix=".npz.tmp", dir=directory)
    except PermissionError:
        raise PermissionError(f"cannot save to {path!r}: no permission to create files in directory "
                              f"{directory!r}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **fields)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _new_file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


_KINDS = {  # what a regular file's st_mode says it is, for the refusal message
    stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory",
}


def _target(path):
    """Where :func:`save` writes ``path``: the file itself, or through symlinks (each link in the chain
    followed) their final target, so a link keeps pointing at a current model. Only regular files are
    written: directories, FIFOs, devices and sockets are refused, as is the empty path."""
    given = os.fspath(path)
    if not isinstance(given, str):
        given = os.fsdecode(given)
    if given == "":
        raise ValueError("cannot save: the path is empty; give a file name such as 'model.npz'")
    target = os.path.realpath(given)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:  # ELOOP (a symlink cycle), ENAMETOOLONG, EACCES on a parent, ...
        raise OSError(exc.errno, f"cannot save to {given!r}: {exc.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
        via = f" (where the symlink {given!r} leads)" if target != os.path.abspath(given) else ""
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(f"cannot save to {given!r}: {target!r}{via} is a directory; give a file name "
                                    f"such as {os.path.join(given, 'model.npz')!r}")
        raise ValueError(f"cannot save to {given!r}: {target!r}{via} is {kind}, not a regular file; "
                         f"loopnet writes models only to regular files")
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {given!r}: directory {directory!r} does not exist")
    return target


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


def _read_fields(path, table=FIELDS):
    """The members of ``table`` in the archive at ``path``, each checked from its header before it is read.
    The format member is read first: a file of the other kind (a network for an ensemble's table, or the
    reverse) is named as such before any shape is checked against the wrong table."""
    try:
        zf = zipfile.ZipFile(path)
    except PermissionError:
        raise PermissionError(f"cannot read model file {path!r}: permission denied") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        with open(path, "rb") as f:
            if f.read(6) == b"\x93NUMPY":
                raise ModelFileError(f"{path!r} is a single NumPy array (.npy), not a loopnet model "
                                     f"(.npz archive)") from None
        raise ModelFileError(f"{path!r} is not a loopnet model file (truncated, corrupt or not an .npz "
                             f"archive): {type(exc).__name__}: {exc}") from None
    fields = {}
    with zf:
        members = {info.filename: info for info in zf.infolist()}
        # the description first (what the other members' shapes are checked against), params last
        order = sorted((n for n in table if n + ".npy" in members),
                       key=lambda n: -1 if n == "format" else (table[n][1] not in ("scalar", "vector", "seeds")) + 2 * (n == "params"))
        for name in order:
            info = members[name + ".npy"]
            kinds, rank, itemsize = table[name]
            try:
                shape, dtype, header = _header(zf, info, path)
            except Exception as exc:
                raise ModelFileError(f"{path!r} is a damaged loopnet model file: member {name!r} has no readable "
                                     f".npy header ({type(exc).__name__}: {exc})") from None
            if dtype.hasobject:
                raise ModelFileError(f"{path!r}: member {name!r} holds Python objects (a pickle, which could run "
                                     f"code when read); loopnet model files never do, so it is not read")
            if dtype.kind not in kinds or dtype.itemsize > itemsize:
                raise ModelFileError(f"{path!r} is a damaged loopnet model file: member {name!r} has dtype {dtype}, "
                                     f"expected {'text' if kinds == 'U' else 'numbers'} of kind {kinds!r}")
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
                raise ModelFileError(f"{path!r} is a damaged loopnet model file: member {name!r} declares shape "
                                     f"{shape}, expected {what}; it was not read")
            nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            if info.file_size != header + nbytes:
                raise ModelFileError(f"{path!r} is a damaged loopnet model file: member {name!r} is "
                                     f"{info.file_size} bytes but its header declares {header + nbytes}")
            if name in ("params", "history"):
                from .validation import check_memory
                check_memory(nbytes, f"loading {path!r}: its {int(np.prod(shape)):,} {name} numbers")
            try:
                with zf.open(info) as f:
                    fields[name] = np.lib.format.read_array(f, allow_pickle=False)
            except MemoryError:
                raise
            except Exception as exc:  # zlib.error, EOFError, BadZipFile (CRC), ValueError
                raise ModelFileError(f"{path!r} is a damaged .npz archive (truncated or corrupt): member "
                                     f"{name!r}: {type(exc).__name__}: {exc}") from None
            if name == "format":
                kind = str(fields["format"]) if fields["format"].shape == () else None
                wanted = "loopnet-ensemble" if table is ENSEMBLE_FIELDS else "loopnet"
                if kind in KINDS_OF_FILE and kind != wanted:
                    raise ModelFileError(f"{path!r} is not a loopnet {'ensemble' if wanted != 'loopnet' else 'model'} "
                                         f"file ({KINDS_OF_FILE[kind]})")
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
    return _read_fields(path, FIELDS if table is None else table)


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
    if version != VERSION:
        raise ModelFileError(f"{path!r} has loopnet model format version {version}; this loopnet "
                             f"reads version {VERSION}")
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
            from .datasets import Preprocessing
            net.preprocessing = Preprocessing(fields["preprocessing_offset"], fields["preprocessing_scale"],
                                              fields.get("classes"), str(fields["preprocessing"]))
            if net.preprocessing.offset.size != sizes[0]:
                raise ValueError(f"its preprocessing has {net.preprocessing.offset.size} features, the network "
                                 f"{sizes[0]} inputs")
        return net
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path!r} is a damaged loopnet model file: {exc}") from None
