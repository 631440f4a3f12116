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
import zipfile

import numpy as np

FORMAT = "loopnet"
VERSION = 1


class ModelFileError(ValueError):
    """The file is not a loopnet model, or it is damaged."""


def save(net, path):
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path!r}: directory {directory!r} does not exist")
    fields = dict(
        format=np.array(FORMAT), version=np.array(VERSION, dtype=np.int64),
        sizes=np.array(net.sizes, dtype=np.int64), activation=np.array(net.activation),
        output_activation=np.array(net.output_activation), loss=np.array(net.loss_name),
        dtype=np.array(net.dtype.name), has_bias=np.array(net.has_bias), params=net.params.copy(),
    )
    fd, tmp = tempfile.mkstemp(prefix=".loopnet-", suffix=".npz.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **fields)
            f.flush()
            os.fsync(f.fileno())
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


def load(path, backend="loops"):
    """Read a network written by :func:`save`. Raises :class:`ModelFileError` for a truncated,
    corrupt or foreign file, FileNotFoundError when there is none."""
    from .network import Network

    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no model file at {path!r}")
    try:
        with np.load(path, allow_pickle=False) as data:
            fields = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as exc:
        raise ModelFileError(f"{path!r} is not a readable loopnet model file (truncated or not an .npz "
                             f"archive): {exc}") from None
    if str(fields.get("format", "")) != FORMAT:
        raise ModelFileError(f"{path!r} is an .npz file but not a loopnet model (no format='loopnet' entry)")
    version = int(fields.get("version", -1))
    if version != VERSION:
        raise ModelFileError(f"{path!r} has format version {version}; this loopnet reads version {VERSION}")
    try:
        sizes = [int(s) for s in fields["sizes"]]
        has_bias = bool(fields["has_bias"])
        dtype = np.dtype(str(fields["dtype"]))
        params = np.asarray(fields["params"])
        Ws, bs, off = [], [] if has_bias else None, 0
        for l in range(1, len(sizes)):
            n_out, n_in = sizes[l], sizes[l - 1]
            Ws.append(params[off:off + n_out * n_in].reshape(n_out, n_in))
            off += n_out * n_in
            if has_bias:
                bs.append(params[off:off + n_out])
                off += n_out
        if off != params.size or params.dtype != dtype:
            raise ValueError(f"params holds {params.size} {params.dtype} numbers, sizes {sizes} need {off} {dtype}")
        return Network.from_weights(Ws, bs, activation=str(fields["activation"]),
                                    output_activation=str(fields["output_activation"]), loss=str(fields["loss"]),
                                    backend=backend, dtype=dtype)
    except (KeyError, ValueError, TypeError) as exc:
        raise ModelFileError(f"{path!r} is a damaged loopnet model file: {exc}") from None
