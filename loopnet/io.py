"""Saving and loading networks: one ``.npz`` file, written atomically.

The file holds ``format`` ("loopnet"), ``version``, ``sizes``, ``activation``,
``output_activation``, ``loss``, ``dtype``, ``has_bias`` and the flat parameter vector
``params`` (layer by layer: W^l row by row, then b^l), in the network's own dtype, so a round trip
gives bit-identical predictions. :func:`save` writes to a temporary file in the same directory,
flushes it to disk and renames it over the target: an interrupted or failed save leaves an existing
file whole.
"""
from __future__ import annotations

import os
import tempfile

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
    atomic_savez(path, dict(
        format=np.array(FORMAT), version=np.array(VERSION, dtype=np.int64),
        sizes=np.array(net.sizes, dtype=np.int64), activation=np.array(net.activation),
        output_activation=np.array(net.output_activation), loss=np.array(net.loss_name),
        dtype=np.array(net.dtype.name), has_bias=np.array(net.has_bias), params=net.params.copy(),
    ))


def atomic_savez(path, fields):
    """Write the arrays ``fields`` to the .npz file ``path`` atomically (temporary file in the same
    directory, flushed to disk, renamed over ``path``); used for networks and ensembles."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path!r}: directory {directory!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot save to {path!r}: it is a directory; give a file name such as "
                                f"{os.path.join(path, 'model.npz')!r}")
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


def _read_fields(path):
    try:
        data = np.load(path, allow_pickle=False)
    except PermissionError:
        raise PermissionError(f"cannot read model file {path!r}: permission denied") from None
    except MemoryError:
        raise
    except Exception as exc:  # BadZipFile, ValueError (pickles, bad headers), EOFError, zlib.error, ...
        raise ModelFileError(f"{path!r} is not a loopnet model file (truncated, corrupt or not an .npz "
                             f"archive): {type(exc).__name__}: {exc}") from None
    if not isinstance(data, np.lib.npyio.NpzFile):
        raise ModelFileError(f"{path!r} is a single NumPy array (.npy), not a loopnet model (.npz archive)")
    try:
        with data:
            return {k: data[k] for k in data.files}
    except MemoryError:
        raise
    except Exception as exc:
        raise ModelFileError(f"{path!r} is a damaged .npz archive (truncated or corrupt): "
                             f"{type(exc).__name__}: {exc}") from None


def read_archive(path):
    """The arrays of the .npz model file ``path`` (a network's or an ensemble's), with clear errors."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a directory, not a model file")
    return _read_fields(path)


def load(path, backend="loops"):
    """Read a network written by :func:`save`. Raises :class:`ModelFileError` for a truncated,
    corrupt or foreign file or another format version, FileNotFoundError when there is none."""
    from . import validation as v
    from .backends import BACKENDS
    from .kernels.layout import split_params
    from .network import Network

    v.choice(backend, BACKENDS, "backend")
    path = os.fspath(path)
    fields = read_archive(path)
    if "format" not in fields or fields["format"].shape != () or str(fields["format"]) != FORMAT:
        hint = ""
        if "format" in fields and fields["format"].shape == () and str(fields["format"]) == "loopnet-ensemble":
            hint = " (it is an ensemble: use loopnet.Ensemble.load)"
        raise ModelFileError(f"{path!r} is an .npz archive but not a loopnet model (it has no format='loopnet' "
                             f"entry; its entries are {sorted(fields)}){hint}")
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
        need = sum(sizes[l] * sizes[l - 1] + (sizes[l] if has_bias else 0) for l in range(1, len(sizes)))
        if params.shape != (need,) or params.dtype != dtype:
            raise ValueError(f"params holds {params.size} {params.dtype} numbers, sizes {sizes} "
                             f"{'with' if has_bias else 'without'} biases need {need} {dtype}")
        Ws, bs = split_params(params, sizes, has_bias)
        return Network.from_weights(Ws, bs, activation=str(fields["activation"]),
                                    output_activation=str(fields["output_activation"]), loss=str(fields["loss"]),
                                    backend=backend, dtype=dtype)
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path!r} is a damaged loopnet model file: {exc}") from None
