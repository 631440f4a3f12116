"""The Python layer validates, so kernels only compute.

Every public entry point converts its inputs here, once (``np.ascontiguousarray`` in the
network's dtype, so each kernel compiles one specialisation), and every error names the
argument, what was given and what was expected, shapes above all.
"""
from __future__ import annotations

import numbers
import os

import numpy as np

DTYPES = {"float64": np.float64, "float32": np.float32}


def choice(value, table, arg):
    """``table[value]``, or a ValueError listing the valid names."""
    if not isinstance(value, str) or value not in table:
        valid = ", ".join(repr(k) for k in table)
        raise ValueError(f"{arg}={value!r} is not a known {arg}; choose one of: {valid}")
    return table[value]


def dtype_of(dtype):
    if isinstance(dtype, str) and dtype in DTYPES:
        return np.dtype(DTYPES[dtype])
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.type not in (np.float64, np.float32):
        raise ValueError(f"dtype={dtype!r} is not supported; choose 'float64' or 'float32'")
    return dt


def check_sizes(sizes):
    """``sizes`` as a list of ints ≥ 1, at least two of them ([n_0, …, n_L])."""
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"sizes must be a list of layer widths such as [3, 2, 1], got {sizes!r}")
    out = []
    for i, n in enumerate(sizes):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"sizes[{i}] = {n!r} is not an integer; sizes lists the number of neurons "
                            f"of each layer, e.g. [3, 2, 1]")
        if n < 1:
            raise ValueError(f"sizes[{i}] = {n}: layer {i} must have at least one neuron")
        out.append(int(n))
    if len(out) < 2:
        raise ValueError(f"sizes={list(sizes)!r} needs at least two layers (inputs and outputs), e.g. [3, 2, 1]")
    return out


def positive_number(value, arg, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{arg} must be a number, got {value!r}")
    v = float(value)
    if not np.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        need = "≥ 0" if allow_zero else "> 0"
        raise ValueError(f"{arg} must be a finite number {need}, got {value!r}")
    return v


def memory_size():
    """Bytes of physical memory on this machine (None where the OS does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _bytes(n):
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:.3g} ZiB"


def check_memory(nbytes, what):
    """Refuse, before allocating, work that needs more memory than the machine has.

    ``what`` names the size asked for; the MemoryError says how much it would need and how much
    there is (instead of a bare MemoryError, or an allocation the OS kills the process for).
    """
    total = memory_size()
    if total is not None and nbytes > total:
        raise MemoryError(f"{what} would need {_bytes(nbytes)} of memory; this machine has {_bytes(total)}")


def hyper_parameter(value, arg, dtype, allow_zero=False, below_one=False):
    """A hyper-parameter checked as the kernels will see it: in the network's ``dtype``.

    Checking in float64 and then casting let ``lr=1e-46`` become 0 in float32 (training that does
    nothing) and ``beta1=0.99999999`` become 1 (1 − β₁ = 0: a division by zero in Adam). A value that
    rounds to 0 (when it was not 0), to inf, or (``below_one``) to 1 is refused, naming it and the dtype.
    Returns the value as a float, exactly as ``dtype`` holds it.
    """
    x = positive_number(value, arg, allow_zero=allow_zero)
    dtype = np.dtype(dtype)
    info = np.finfo(dtype)
    if below_one and x >= 1:
        raise ValueError(f"{arg} must be in [0, 1), got {value!r}")
    with np.errstate(over="ignore", under="ignore"):
        held = dtype.type(x)
    if np.isinf(held):
        raise ValueError(f"{arg}={value!r} is beyond the range of {dtype.name} (largest {float(info.max):.4g}): "
                         f"it would become inf in this {dtype.name} network")
    if x != 0 and held == 0:
        raise ValueError(f"{arg}={value!r} rounds to 0 in {dtype.name} (smallest positive {dtype.name}: "
                         f"{float(info.smallest_subnormal):.4g}), so it would have no effect; use a larger {arg} "
                         f"or dtype='float64'")
    if below_one and held == 1:
        raise ValueError(f"{arg}={value!r} rounds to 1 in {dtype.name} (the largest {dtype.name} below 1 is "
                         f"{float(1 - info.epsneg):.10g}), so 1 − {arg} would be 0; use a smaller {arg} "
                         f"or dtype='float64'")
    return float(held)


def _numeric_array(data, arg):
    if isinstance(data, np.ndarray):
        arr = data
    else:
        try:
            arr = np.asarray(data)
        except ValueError as exc:  # ragged nested lists
            raise ValueError(f"{arg} is ragged (rows of different lengths): {exc}") from None
    if arr.dtype == object:
        if arr.ndim == 0 and arr[()] is None:
            raise TypeError(f"{arg} must hold numbers; got None")
        for idx, x in np.ndenumerate(arr):
            if x is None:
                where = ", ".join(str(i) for i in idx)
                raise TypeError(f"{arg} must hold numbers; it holds None at index [{where}] "
                                f"(an array of Python objects with a missing value)")
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{arg} must hold numbers; got an array of Python objects "
                            f"(ragged rows, or non-numeric entries such as strings or None)") from None
    kind = arr.dtype.kind               # b bool, i/u integers, f floats, c complex: np.number and bool
    if kind not in "biufc":
        raise TypeError(f"{arg} must hold numbers, got dtype {arr.dtype}")
    if kind == "c":
        raise TypeError(f"{arg} must hold real numbers, got dtype {arr.dtype}")
    return arr


def check_finite(arr, arg):
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = ", ".join(str(int(i)) for i in bad)
        raise ValueError(f"{arg} contains NaN or Inf (first at index [{where}]: {arr[tuple(bad)]!r}); "
                         f"clean the data before training")


def check_fits(arr, dtype, arg):
    """Refuse finite values that ``dtype`` cannot hold (float64 data into a float32 network).

    Casting 1e39 to float32 gives inf and a RuntimeWarning; naming the value and the range here is
    clearer than "contains NaN or Inf" about data that held none.
    """
    dtype = np.dtype(dtype)
    if not arr.size or arr.dtype == dtype or arr.dtype.kind not in "fiu":
        return
    if arr.dtype.kind == "f" and arr.dtype.itemsize <= dtype.itemsize:
        return
    big = float(np.finfo(dtype).max)
    a64 = np.asarray(arr, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        over = np.isfinite(a64) & (np.abs(a64) > big)
    if over.any():
        bad = tuple(int(i) for i in np.argwhere(over)[0])
        where = ", ".join(str(i) for i in bad)
        raise ValueError(f"{arg} holds {a64[bad]:g} (at index [{where}]), beyond the range of {dtype.name} "
                         f"(±{big:.4g}); use dtype='float64' or rescale the data")


def _cast(arr, dtype, arg):
    """``arr`` as a C-contiguous, writeable, native-byte-order array of ``dtype``, after :func:`check_fits`.

    One layout for every input, so numba compiles one specialisation of each kernel: a read-only,
    Fortran-ordered or byte-swapped array would otherwise compile another (~5 s) the first time.
    """
    if type(arr) is np.ndarray and arr.dtype == dtype and arr.dtype.isnative and arr.flags.c_contiguous and arr.flags.writeable:
        return arr                      # already the one layout (what ascontiguousarray would return, sooner)
    check_fits(arr, dtype, arg)
    out = np.ascontiguousarray(arr, dtype=np.dtype(dtype).newbyteorder("="))
    return out if out.flags.writeable else out.copy()


def as_inputs(X, n_in, dtype, arg="X"):
    """X as a C-contiguous (N, n_0) array; also whether one example (n_0,) was given."""
    arr = _numeric_array(X, arg)
    single = arr.ndim == 1
    if single:
        if arr.shape[0] != n_in:
            raise ValueError(f"{arg} has shape {arr.shape}: one example must have n_0 = {n_in} entries "
                             f"(one per input neuron); a batch must be 2-D, shape (N, {n_in}), one example per row")
        arr = arr.reshape(1, n_in)
    elif arr.ndim != 2:
        raise ValueError(f"{arg} has shape {arr.shape} ({arr.ndim}-D); it must be (N, {n_in}): "
                         f"one example per row, n_0 = {n_in} columns")
    elif arr.shape[1] != n_in:
        hint = ""
        if arr.shape[0] == n_in:
            hint = f"; did you pass the transpose? X.T has shape {arr.shape[::-1]}"
        raise ValueError(f"{arg} has shape {arr.shape} but the network has n_0 = {n_in} inputs: "
                         f"{arg} must be (N, {n_in}), one example per row{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{arg} is empty (shape {arr.shape}); give at least one example")
    out = _cast(arr, dtype, arg)
    check_finite(out, arg)
    return out, single


def as_targets(Y, n_examples, n_out, dtype, single, arg="Y"):
    """Y as a C-contiguous (N, n_L) array matching N examples."""
    arr = _numeric_array(Y, arg)
    if single:
        if arr.size != n_out:
            raise ValueError(f"{arg} has shape {arr.shape}: for one example it must have n_L = {n_out} entries "
                             f"(one per output neuron)")
        arr = arr.reshape(1, n_out)
    elif arr.ndim == 1 and n_out == 1:
        arr = arr.reshape(-1, 1)
    elif arr.ndim == 1 and arr.shape[0] == n_examples and n_out > 1:
        raise ValueError(f"{arg} has shape {arr.shape} but the network has n_L = {n_out} outputs: "
                         f"{arg} must be ({n_examples}, {n_out}); for class labels use loopnet.datasets.one_hot({arg})")
    elif arr.ndim != 2:
        raise ValueError(f"{arg} has shape {arr.shape}; it must be (N, n_L) = ({n_examples}, {n_out}), one target per row")
    if arr.shape[1] != n_out:
        raise ValueError(f"{arg} has shape {arr.shape} but the network has n_L = {n_out} outputs: "
                         f"{arg} must be ({n_examples}, {n_out}), one target row per example")
    if arr.shape[0] != n_examples:
        raise ValueError(f"{arg} has {arr.shape[0]} rows but X has {n_examples}: one target row per example")
    out = _cast(arr, dtype, arg)
    check_finite(out, arg)
    return out


def _shapes_from_biases(weights, biases):
    """The concrete weight shapes that the biases imply (layer sizes n_1 … n_L from their lengths)."""
    try:
        n = [len(b) for b in biases]
        n0 = len(weights[0]) if np.ndim(weights[0]) == 1 else np.shape(weights[0])[-1]
    except TypeError:
        return ""
    if len(n) != len(weights):
        return ""
    sizes = [n0] + n
    shapes = ", ".join(f"({sizes[l]}, {sizes[l - 1]})" for l in range(1, len(sizes)))
    return (f" The biases give layer sizes n_1..n_{len(n)} = {', '.join(map(str, n))}, so with n_0 = {n0} inputs "
            f"the weights must have shapes {shapes}.")


def _transposed_hint(weights):
    """' These weights fit when each is transposed …' when they chain only as (n_{l-1}, n_l) matrices."""
    try:
        shapes = [np.shape(w) for w in weights]
    except ValueError:
        return ""
    if all(len(sh) == 2 for sh in shapes) and all(shapes[i][1] == shapes[i + 1][0] for i in range(len(shapes) - 1)):
        sizes = [shapes[0][0]] + [sh[1] for sh in shapes]
        return (f". These weights are transposed: their shapes {', '.join(map(str, shapes))} are (n_(l-1), n_l), "
                f"one row per input neuron (z = aW, as in the step-by-step post); loopnet's W is (n_l, n_(l-1)), "
                f"one row per neuron it feeds, so pass [W.T for W in weights] (sizes {sizes})")
    return ""


def check_weights(weights, biases, dtype=None):
    """Validate user-given weights (and biases); return (sizes, Ws, bs or None, dtype).

    weights[i] is W of layer i+1 with shape (n_{i+1}, n_i): n_{i+1} rows, one per neuron of
    layer i+1, and n_i columns, one per neuron of layer i that feeds it.
    """
    if isinstance(weights, np.ndarray) and weights.dtype != object:
        raise TypeError("weights must be a list of 2-D arrays, one per layer (weights[i] is W of layer i+1, "
                        f"shape (n_{{i+1}}, n_i)); got one array of shape {weights.shape}")
    if not isinstance(weights, (list, tuple)) or len(weights) == 0:
        raise TypeError(f"weights must be a non-empty list of 2-D arrays, one per layer; got {type(weights).__name__}")
    Ws = []
    for i, w in enumerate(weights):
        arr = _numeric_array(w, f"weights[{i}]")
        l = i + 1
        if arr.ndim != 2:
            example = ""
            if arr.ndim == 1:
                example = (f" If layer {l} has a single neuron write [[...]] (shape (1, {arr.shape[0]})); "
                           f"if it has {arr.shape[0]} neurons each needs a row of weights, one per neuron of layer {l - 1}.")
                example += _shapes_from_biases(weights, biases)
            raise ValueError(
                f"weights[{i}] (W of layer {l}) has shape {arr.shape}, but W of layer {l} must be 2-D with shape "
                f"(n_{l}, n_{l - 1}): n_{l} rows, one per neuron of layer {l}, and n_{l - 1} columns, one per "
                f"neuron of layer {l - 1}.{example}")
        if 0 in arr.shape:
            raise ValueError(f"weights[{i}] (W of layer {l}) has shape {arr.shape}: every layer needs at least one neuron")
        if Ws and arr.shape[1] != Ws[-1].shape[0]:
            prev = Ws[-1].shape
            raise ValueError(
                f"weights[{i}] (W of layer {l}) has shape {arr.shape} but layer {l - 1} has n_{l - 1} = {prev[0]} "
                f"neurons (weights[{i - 1}] has shape {prev}), so W of layer {l} must have shape ({arr.shape[0]}, {prev[0]}): "
                f"n_{l} rows, one per neuron of layer {l}, and n_{l - 1} = {prev[0]} columns, one per neuron of layer {l - 1}"
                + _transposed_hint(weights))
        Ws.append(arr)
    sizes = [Ws[0].shape[1]] + [w.shape[0] for w in Ws]
    if dtype is None:
        dtype = np.float32 if all(w.dtype == np.float32 for w in Ws) else np.float64
    dtype = dtype_of(dtype)
    for i, w in enumerate(Ws):
        check_fits(w, dtype, f"weights[{i}]")
    Ws = [np.array(w, dtype=dtype, order="C") for w in Ws]
    for i, w in enumerate(Ws):
        check_finite(w, f"weights[{i}]")
    bs = None
    if biases is not None:
        expected = f"one per layer 1..{len(Ws)}, shapes {[(n_l,) for n_l in sizes[1:]]}"
        if not isinstance(biases, (list, tuple)):
            what = f"one array of shape {biases.shape}" if isinstance(biases, np.ndarray) else type(biases).__name__
            raise TypeError(f"biases must be a list of {len(Ws)} vectors ({expected}) or None, got {what}")
        if len(biases) != len(Ws):
            n = len(biases) if hasattr(biases, "__len__") else "?"
            raise ValueError(f"biases must be a list of {len(Ws)} vectors ({expected}), got {n} entries")
        bs = []
        for i, b in enumerate(biases):
            arr = _numeric_array(b, f"biases[{i}]")
            l = i + 1
            if arr.ndim == 2 and 1 in arr.shape:
                arr = arr.reshape(-1)  # a column (n_l, 1) as in Nielsen's network.py
            if arr.ndim != 1 or arr.shape[0] != sizes[l]:
                raise ValueError(f"biases[{i}] (b of layer {l}) has shape {arr.shape} but layer {l} has n_{l} = "
                                 f"{sizes[l]} neurons: b of layer {l} must have shape ({sizes[l]},), one bias per neuron")
            check_fits(arr, dtype, f"biases[{i}]")
            arr = np.array(arr, dtype=dtype)
            check_finite(arr, f"biases[{i}]")
            bs.append(arr)
    return sizes, Ws, bs, dtype

