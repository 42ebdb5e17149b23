"""Crash-safe file-system steps for ``kformat.write`` (spec §10.5).

Every write to a destination ``D`` in folder ``F`` runs under an exclusive
lock on ``F/.D.kformat-lock`` and creates its scratch files only under names
``F/.D.kformat-tmp-<16 hex>`` (or, for interim shards, that name followed by
``_NNNNN.weights.h5``), plus, where no atomic swap exists, an aside copy
``F/.D.kformat-old-<16 hex>`` of a replaced directory. A killed writer leaves
such names behind; the next writer of ``D`` holds the lock, so none of them
can belong to a live writer, and removes them (:func:`sweep`). Nothing else in
``F`` is ever removed here.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import stat
import sys
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import IO

__all__ = [
    "destination_lock",
    "exchange",
    "fsync_dir",
    "new_file",
    "recover_directory",
    "remove",
    "sweep",
    "temp_path",
]

_TMP = "kformat-tmp-"
_OLD = "kformat-old-"
_TOKEN = r"[0-9a-f]{16}"

try:  # POSIX; Windows has msvcrt instead
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


# flock's answers where the file system has no locks.
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EINVAL, errno.ENOSYS}


def folder_of(dest: Path) -> Path:
    return dest.parent if str(dest.parent) else Path(".")


def temp_path(dest: Path, suffix: str = "") -> Path:
    """A fresh scratch name beside ``dest`` that :func:`sweep` recognises."""
    return folder_of(dest) / f".{dest.name}.{_TMP}{secrets.token_hex(8)}{suffix}"


def aside_path(dest: Path) -> Path:
    return folder_of(dest) / f".{dest.name}.{_OLD}{secrets.token_hex(8)}"


def _scratch_re(dest: Path) -> re.Pattern[str]:
    return re.compile(
        re.escape(f".{dest.name}.") + f"(?P<kind>{_TMP}|{_OLD}){_TOKEN}"
        r"(?:_\d{5,}\.weights\.h5)?"
    )


def _flock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return
    import msvcrt  # pragma: no cover - Windows, best effort

    while True:  # pragma: no cover - LK_LOCK gives up after ten seconds; wait on
        try:
            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
            return
        except OSError:
            continue


@contextlib.contextmanager
def destination_lock(dest: Path) -> Iterator[bool]:
    """Hold the writer lock of ``dest``: writers of one destination run one at a time.

    Yields ``True``, or ``False`` where the file system refuses locks (some
    network file systems): the write then goes ahead unlocked and must not
    touch scratch names, which may belong to a live writer.

    The lock file is removed on release, so a kill leaves at most that empty
    file, which the next writer removes. Removing a lock file races with a
    writer that opened it before the removal; each writer therefore checks,
    once it holds the lock, that the name still refers to the file it locked.
    """
    path = folder_of(dest) / f".{dest.name}.kformat-lock"
    fd = _take_lock(path)
    if fd is None:
        with contextlib.suppress(OSError):
            os.unlink(path)
        yield False
        return
    try:
        yield True
    finally:
        with contextlib.suppress(OSError):  # Windows: an open file cannot be removed
            os.unlink(path)
        os.close(fd)


def _take_lock(path: Path) -> int | None:
    """An open, locked descriptor of the lock file at ``path``, or ``None``
    where the file system has no locks."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    while True:
        fd = os.open(path, flags, 0o600)
        try:
            _flock(fd)
            now = os.stat(path, follow_symlinks=False)
            held = os.fstat(fd)
        except FileNotFoundError:
            os.close(fd)
            continue
        except OSError as exc:
            os.close(fd)
            if exc.errno in _NO_LOCKS:
                return None
            raise
        except BaseException:
            os.close(fd)
            raise
        if (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
            return fd
        os.close(fd)


def remove(path: Path) -> None:
    """Remove a file, link or directory tree at ``path`` without following links."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def sweep(dest: Path, *, keep: Collection[str] = ()) -> list[str]:
    """Remove what killed writers of ``dest`` left behind; call under the lock.

    ``keep`` names interim shards that the index at ``dest`` still lists. An
    aside copy is removed only once ``dest`` exists (:func:`recover_directory`
    restores it otherwise). Returns the names removed.
    """
    pattern = _scratch_re(dest)
    present = os.path.lexists(dest)
    removed = []
    for name in sorted(os.listdir(folder_of(dest))):
        match = pattern.fullmatch(name)
        if match is None or name in keep or (match["kind"] == _OLD and not present):
            continue
        remove(folder_of(dest) / name)
        removed.append(name)
    return removed


def recover_directory(dest: Path) -> bool:
    """Put back the aside copy of a directory whose replacement was cut short
    between its two renames (only where :func:`exchange` is unavailable)."""
    if os.path.lexists(dest):
        return False
    pattern = _scratch_re(dest)
    folder = folder_of(dest)
    asides = [n for n in os.listdir(folder) if (m := pattern.fullmatch(n)) and m["kind"] == _OLD]
    if not asides:
        return False
    # Writers hold the lock and recover first, so at most one aside exists.
    os.rename(folder / sorted(asides)[0], dest)
    fsync_dir(folder)
    return True


def new_file(path: Path) -> IO[bytes]:
    """Create ``path``, which must not exist, for reading and writing."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(path, flags, 0o666), "w+b")


def sync_file(f: IO[bytes]) -> None:
    f.flush()
    os.fsync(f.fileno())


def fsync_dir(folder: Path) -> None:
    """Make the names created, renamed or removed in ``folder`` durable.

    POSIX needs an fsync of the directory itself for a rename to survive a
    power loss; Windows cannot open a directory this way and has no such step.
    """
    if os.name == "nt":  # pragma: no cover
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems refuse fsync on directories
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _load_exchange() -> Callable[[bytes, bytes], int] | None:
    """The platform's atomic swap of two names, or ``None``.

    Linux: ``renameat2(..., RENAME_EXCHANGE)`` (glibc 2.28+); macOS:
    ``renamex_np(..., RENAME_SWAP)`` (10.12+). Both return -1 with errno set.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if sys.platform.startswith("linux"):
            fn = libc.renameat2
            fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
            fn.argtypes += [ctypes.c_uint]
            fn.restype = ctypes.c_int
            at_fdcwd, rename_exchange = -100, 2
            return lambda a, b: int(fn(at_fdcwd, a, at_fdcwd, b, rename_exchange))
        if sys.platform == "darwin":  # pragma: no cover - not run on Linux CI
            fn = libc.renamex_np
            fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_uint]
            fn.restype = ctypes.c_int
            rename_swap = 2
            return lambda a, b: int(fn(a, b, rename_swap))
    except (OSError, AttributeError):
        pass
    return None


#: The swap in use; ``None`` forces the rename-aside fallback.
EXCHANGE = _load_exchange()
_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap the names ``a`` and ``b``; ``False`` if the platform or
    file system cannot (then nothing changed)."""
    if EXCHANGE is None:
        return False
    if EXCHANGE(os.fsencode(a), os.fsencode(b)) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(a), None, str(b))
