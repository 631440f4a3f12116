"""The one way loopnet writes a file: models, ensembles, plots, predictions, explanations, ONNX models and
benchmark reports all go through :func:`write_file`.

What it promises, for every file:

* **atomic**: the bytes go to a temporary file in the target's directory, are flushed to disk (fsync) and
  renamed over the target (``os.replace``), so an existing file is either replaced whole or left as it was,
  whatever interrupts the write;
* **regular files only**: a directory, FIFO, device or socket is refused before anything is opened (a FIFO
  would block the write forever, a device would never end); a symlink is written through to its final
  target, so the link keeps pointing at the current file;
* **never an input**: the caller passes the files it read (``inputs``, each with the argument that named
  it); a target that is the same file as one of them -- compared by device and inode, so through symlinks
  and hard links -- is refused, and the input stays byte-identical;
* the new file gets the permissions of the file it replaces, else 0o666 less the umask.

>>> import os, tempfile
>>> from loopnet.writing import write_file
>>> d = tempfile.mkdtemp(); src = os.path.join(d, "in.csv")
>>> write_file(src, lambda f: f.write(b"1,2\\n")) == os.path.realpath(src)
True
>>> write_file(src, lambda f: f.write(b"x"), inputs={"--data": src})
Traceback (most recent call last):
...
loopnet.writing.OutputPathError: cannot write '...in.csv': it is the same file as --data '...in.csv', ...
"""
from __future__ import annotations

import os
import stat
import tempfile

__all__ = ["OutputPathError", "check_target", "write_file", "write_text"]


class OutputPathError(ValueError):
    """An output path loopnet will not write: the same file as an input, or not a regular file."""


# what st_mode says a path is, for the refusal message
KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory",
}


def _label(argname, given):
    return f"{argname} {given!r}" if argname else repr(given)


def _identity(path):
    """(st_dev, st_ino) of the file ``path`` leads to (through symlinks), or None when there is none."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _as_items(inputs):
    if not inputs:
        return []
    items = inputs.items() if isinstance(inputs, dict) else inputs
    out = []
    for item in items:
        name, path = item if isinstance(item, tuple) else ("an input", item)
        if path is not None:
            out.append((name, os.fspath(path)))
    return out


def check_target(path, inputs=None, argname=None):
    """The real path :func:`write_file` would write for ``path`` (symlinks followed to their final target),
    after refusing the empty path, a missing directory, anything but a regular file, and the same file as
    any of ``inputs`` (a dict {argument: path} or a list of paths; None entries are skipped)."""
    given = os.fspath(path)
    if not isinstance(given, str):
        given = os.fsdecode(given)
    what = _label(argname, given)
    if given.strip() == "":
        raise OutputPathError(f"cannot write {what}: the path is empty; give a file name")
    target = os.path.realpath(given)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:  # ELOOP (a symlink cycle), ENAMETOOLONG, EACCES on a parent, ...
        raise OSError(exc.errno, f"cannot write {what}: {exc.strerror}") from None
    via = f" (the symlink leads to {target!r})" if target != os.path.abspath(given) else ""
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(f"cannot write {what}: it is a directory{via}; give a file name such as "
                                f"{os.path.join(given, 'out' + (os.path.splitext(given)[1] or '.npz'))!r}")
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
        raise OutputPathError(f"cannot write {what}: it is {kind}, not a regular file{via}; loopnet writes only "
                              f"regular files")
    if st is not None:
        for name, src in _as_items(inputs):
            if _identity(src) == (st.st_dev, st.st_ino):
                how = "" if os.path.realpath(src) == target and os.path.abspath(src) == os.path.abspath(given) \
                    else " (through a link)"
                raise OutputPathError(f"cannot write {what}: it is the same file as {name} {src!r}{how}, which "
                                      f"this command reads; writing it would destroy that input. Give another "
                                      f"output path")
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {what}: directory {directory!r} does not exist")
    return target


def _new_file_mode(path):
    """Permissions for the new file: those of the file it replaces, else 0o666 less the umask
    (mkstemp makes its file 0o600, which would silently make outputs private)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_file(path, write, inputs=None, argname=None, verify=None):
    """Write a file through ``write(f)`` (``f`` a binary file object) atomically at ``path``; returns the real
    path written. ``inputs``: the files the same call reads ({argument: path}), never overwritten.
    ``verify(tmp_path)``, if given, reads the finished temporary file back and raises to refuse it (the target
    is then left as it was)."""
    target = check_target(path, inputs, argname)
    directory = os.path.dirname(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=".loopnet-", suffix=".tmp", dir=directory)
    except PermissionError:
        raise PermissionError(f"cannot write {_label(argname, os.fspath(path))}: no permission to create files "
                              f"in directory {directory!r}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if verify is not None:
            verify(tmp)
        os.chmod(tmp, _new_file_mode(target))
        os.replace(tmp, target)
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
    return target


def write_text(path, text, inputs=None, argname=None, encoding="utf-8"):
    """:func:`write_file` for a string."""
    data = text.encode(encoding)
    return write_file(path, lambda f: f.write(data), inputs, argname)
