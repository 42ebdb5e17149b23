"""What the validator's arguments stand for: files, directories, lists and URLs (spec/format.md §11.3).

* a path to a file is that file; ``-`` is a ``.keras`` archive on standard input;
* a directory holding ``config.json`` is an unzipped model: one input, not
  looked into;
* any other directory is searched recursively for ``*.keras`` files,
  ``*.weights.h5`` files, ``*.weights.json`` indexes and unzipped model
  directories (which are not descended into). A shard ``X_NNNNN.weights.h5``
  next to its index ``X.weights.json`` is validated through the index, not
  again on its own. Symbolic links to folders are not followed;
* ``@LIST`` (or ``--from-file LIST``) names a text file with one input per
  line (blank lines and lines starting with ``#`` are skipped), each expanded
  by these rules (a file whose name starts with ``@`` is named ``./@name``);
* ``scheme://...`` is an fsspec URL (needs the optional fsspec package): an
  object, or a prefix searched for ``*.keras`` and ``*.weights.h5`` objects
  (an unzipped model directory below it is reported, not validated: its
  members are read from local paths only).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from kformat import _remote

__all__ = ["STDIN", "expand"]

STDIN = "<stdin>"
_SUFFIXES = (".keras", ".weights.h5", ".weights.json")
_SHARD = re.compile(r"^(.*)_[0-9]{5}\.weights\.h5$", re.IGNORECASE)


def expand(args: Iterable[str]) -> Iterator[tuple[str, str | None]]:
    """``(input, problem)`` for every file the arguments stand for, in order;
    ``problem`` says why an argument names nothing that can be validated."""
    for arg in args:
        if arg.startswith("@") and len(arg) > 1:
            yield from _list(arg[1:])
        else:
            yield from _one(arg)


def read_list(path: str) -> list[str]:
    """The inputs a list file names (raises ``OSError``)."""
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        lines = [line.strip() for line in f]
    return [line for line in lines if line and not line.startswith("#")]


def _list(path: str) -> Iterator[tuple[str, str | None]]:
    try:
        entries = read_list(path)
    except OSError as exc:
        yield "@" + path, exc.strerror or str(exc)
        return
    for entry in entries:
        yield from _one(entry)  # a list does not name further lists


def _one(arg: str) -> Iterator[tuple[str, str | None]]:
    if arg == "-":
        yield STDIN, None
        return
    if _remote.is_url(arg):
        yield from _url(arg)
        return
    path = Path(arg)
    try:
        st = path.stat()
    except OSError as exc:
        yield arg, exc.strerror or str(exc)
        return
    if stat.S_ISDIR(st.st_mode):
        if _is_model_dir(path):
            yield arg, None
            return
        found = False
        for name in _walk(path):
            found = True
            yield name, None
        if not found:
            yield arg, "directory holds no .keras, .weights.h5 or .weights.json file"
        return
    if not stat.S_ISREG(st.st_mode):
        yield arg, "not a regular file or directory"
        return
    yield arg, None


def _is_model_dir(path: Path) -> bool:
    config = path / "config.json"
    return config.exists() or config.is_symlink()


def _walk(top: Path) -> Iterator[str]:
    for root, dirs, files in os.walk(top):  # does not follow symlinked folders
        dirs.sort()
        models = [d for d in dirs if _is_model_dir(Path(root, d))]
        dirs[:] = [d for d in dirs if d not in models]
        indexes = {
            f[: -len(".weights.json")].lower() for f in files if f.lower().endswith(".weights.json")
        }
        picked = [os.path.join(root, d) for d in models]
        for name in files:
            lower = name.lower()
            if not lower.endswith(_SUFFIXES):
                continue
            shard = _SHARD.match(name)
            if shard and shard.group(1).lower() in indexes:
                continue  # checked through its index
            picked.append(os.path.join(root, name))
        yield from sorted(picked)


def _url(arg: str) -> Iterator[tuple[str, str | None]]:
    try:
        is_dir, found, models = _remote.list_url(arg, (".keras", ".weights.h5"))
    except ImportError as exc:
        yield arg, str(exc)
        return
    except (OSError, ValueError) as exc:
        yield arg, str(exc) or type(exc).__name__
        return
    for model in models:
        yield model, "an unzipped model directory behind a URL: validate a local copy"
    if is_dir and not found and not models:
        yield arg, "no .keras or .weights.h5 object below this URL"
        return
    for url in found:
        yield url, None
