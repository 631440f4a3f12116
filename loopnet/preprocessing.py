"""What a model expects done to raw inputs, and how its outputs map back to labels: :class:`Preprocessing`.

``x' = (x − offset) / scale`` per feature, learnt from the training inputs by one of :data:`SCALINGS`, and
for a classifier ``classes``: output j is label ``classes[j]`` (the one mapping from outputs to labels;
the model file, ``loopnet predict`` and the interop conversions all read it). Saved in the model file by
:func:`loopnet.io.save` (``net.preprocessing``) and applied by ``loopnet evaluate`` / ``loopnet predict``.

A scaling either works or refuses: offsets and scales are computed without overflow (a column of values
near 1e300 is scaled by its largest magnitude first), and a fitted scaling that would turn a varying column
into a constant one, or any value into inf/NaN, is an error naming the column.
"""
from __future__ import annotations

import numpy as np

__all__ = ["Preprocessing", "SCALINGS"]


def _magnitude(X):
    """Per column, the largest |x| (1 for an all-zero column): what X is divided by before sums of squares."""
    m = np.max(np.abs(X), axis=0) if len(X) else np.ones(X.shape[1])
    return np.where(m > 0, m, 1.0)


def _standard(X):
    offset, scale = X.mean(axis=0), X.std(axis=0)
    big = ~(np.isfinite(offset) & np.isfinite(scale))
    if big.any():  # sums of squares overflowed: the same sums on the column divided by its largest |x|
        m = _magnitude(X[:, big])
        Xm = X[:, big] / m
        offset[big], scale[big] = m * Xm.mean(axis=0), m * Xm.std(axis=0)
    return offset, _nonzero(scale)


def _minmax(X):
    lo, hi = X.min(axis=0), X.max(axis=0)
    scale = hi - lo
    big = ~np.isfinite(scale)
    if big.any():
        m = _magnitude(X[:, big])
        scale[big] = m * (hi[big] / m - lo[big] / m)
    return lo, _nonzero(scale)


def _none(X):
    return np.zeros(X.shape[1]), np.ones(X.shape[1])


SCALINGS = {
    # name: (offset, scale) from training inputs X (N, n_0); x' = (x − offset) / scale
    "none": _none,
    "standard": _standard,        # zero mean, unit variance per feature
    "minmax": _minmax,            # [0, 1] per feature
}


def _nonzero(s):
    return np.where(s > 0, s, 1.0)


class Preprocessing:
    """What a model expects done to raw inputs and how its outputs map back to labels.

    ``x' = (x − offset) / scale`` per feature (offset, scale: (n_0,)), and, for a classifier,
    ``classes`` (K,): output k is label ``classes[k]``. ``name`` says where it came from
    ("digits pixels / 16", "standard", ...).

    >>> p = Preprocessing.fit(np.array([[0.0, 10.0], [2.0, 30.0]]), "standard")
    >>> p.apply(np.array([[1.0, 20.0]])).tolist()
    [[0.0, 0.0]]
    """

    def __init__(self, offset, scale, classes=None, name="none"):
        self.offset = np.asarray(offset, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.classes = None if classes is None else np.asarray(classes)
        self.name = str(name)
        if self.offset.shape != self.scale.shape or self.offset.ndim != 1:
            raise ValueError(f"offset {self.offset.shape} and scale {self.scale.shape} must be equal 1-D shapes")
        if not (np.all(np.isfinite(self.offset)) and np.all(np.isfinite(self.scale))):
            raise ValueError("every offset and scale must be a finite number")
        if not np.all(self.scale > 0):
            raise ValueError("every scale must be > 0")
        if self.classes is not None:
            if self.classes.ndim != 1 or self.classes.dtype.hasobject:
                raise ValueError(f"classes must be a 1-D array of numbers or strings, got {self.classes.dtype} "
                                 f"{self.classes.shape}")
            if len(np.unique(self.classes)) != self.classes.size:
                raise ValueError(f"classes {self.classes.tolist()} names a label twice")

    @classmethod
    def fit(cls, X, scaling="standard", classes=None, columns=None):
        """The scaling ``scaling`` learnt from the training inputs ``X``; refuses data it cannot scale."""
        if scaling not in SCALINGS:
            raise ValueError(f"scaling={scaling!r}; choose one of {list(SCALINGS)}")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"X must be 2-D (N, n_0), got shape {X.shape}")
        bad = ~np.all(np.isfinite(X), axis=0)
        if bad.any():
            raise ValueError(f"input {_column(int(np.argmax(bad)), columns)} holds inf or NaN values; it cannot be "
                             f"scaled")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            offset, scale = SCALINGS[scaling](X)
        if not (np.all(np.isfinite(offset)) and np.all(np.isfinite(scale))):
            j = int(np.argmax(~(np.isfinite(offset) & np.isfinite(scale))))
            raise ValueError(f"input {_column(j, columns)}: the {scaling} scaling of its values "
                             f"(up to {np.max(np.abs(X[:, j])):.3g}) is not a finite number")
        pre = cls(offset, scale, classes, scaling)
        with np.errstate(over="ignore", invalid="ignore"):
            Xs = (X - pre.offset) / pre.scale
            varying = X.max(axis=0) > X.min(axis=0) if len(X) else np.zeros(X.shape[1], bool)
            lost = varying & ~(Xs.max(axis=0) > Xs.min(axis=0)) if len(X) else varying
        broken = ~np.all(np.isfinite(Xs), axis=0) | lost
        if broken.any():
            j = int(np.argmax(broken))
            raise ValueError(f"input {_column(j, columns)}: its values (from {X[:, j].min():.3g} to "
                             f"{X[:, j].max():.3g}) do not survive the {scaling} scaling in float64 (they would "
                             f"become {'constant' if lost[j] else 'inf or NaN'}); rescale that column first")
        return pre

    def apply(self, X):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.offset.size:
            raise ValueError(f"the data has shape {X.shape}; the model expects ({X.shape[0] if X.ndim else 'N'}, "
                             f"{self.offset.size}) inputs")
        with np.errstate(over="ignore", invalid="ignore"):
            out = (X - self.offset) / self.scale
        bad = ~np.all(np.isfinite(out), axis=0) & np.all(np.isfinite(X), axis=0)
        if bad.any():
            raise ValueError(f"input {int(np.argmax(bad))}: a value of up to {np.max(np.abs(X[:, bad])):.3g} "
                             f"overflows after the model's scaling (offset {self.offset[bad][0]:.3g}, scale "
                             f"{self.scale[bad][0]:.3g})")
        return out

    # ---- the model file's members --------------------------------------------------------------------
    def fields(self):
        """The model-file members that record this preprocessing."""
        out = dict(preprocessing=np.array(self.name), preprocessing_offset=self.offset,
                   preprocessing_scale=self.scale)
        if self.classes is not None:
            out["classes"] = self.classes
        return out

    @classmethod
    def from_fields(cls, fields, sizes):
        """The preprocessing recorded in a model file's members (see :meth:`fields`)."""
        pre = cls(fields["preprocessing_offset"], fields["preprocessing_scale"], fields.get("classes"),
                  str(fields["preprocessing"]))
        if pre.offset.size != sizes[0]:
            raise ValueError(f"its preprocessing has {pre.offset.size} features, the network {sizes[0]} inputs")
        if pre.classes is not None and pre.classes.size != max(sizes[-1], 2 if sizes[-1] == 1 else sizes[-1]):
            raise ValueError(f"it has {pre.classes.size} class labels for {sizes[-1]} output(s)")
        return pre

    def __repr__(self):
        k = "" if self.classes is None else f", {self.classes.size} classes"
        return f"Preprocessing({self.name!r}, {self.offset.size} features{k})"


def _column(j, columns):
    return f"column {columns[j]!r}" if columns is not None and j < len(columns) else f"{j}"
