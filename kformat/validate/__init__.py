"""``kformat.validate``: every rule of spec/format.md checked, as issues (``python -m kformat.validate``).

The validator shares the reader's safe container, JSON and HDF5 walks (with a
collecting sink instead of raising) and adds the config semantics, safety
rules and config <-> weights consistency. Like the reader it never imports,
executes, unpickles or opens anything a file names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from kformat._issues import Issue
from kformat._limits import Limits
from kformat._rules import RULES, Rule
from kformat.errors import InvalidArchiveError, UnsafeArchiveError

if TYPE_CHECKING:
    from kformat.validate._driver import Result

__all__ = ["RULES", "Issue", "Result", "Rule", "check", "iter_issues"]

Source = str | os.PathLike[str] | IO[bytes]


def iter_issues(
    source: Source, *, limits: Limits | None = None, deep: bool = False
) -> Iterator[Issue]:
    """Yield every issue of a Keras file; never raises for bad content.

    Args:
        source: a ``.keras`` path or binary file object, an unzipped model
            directory, a ``.weights.h5`` file or a sharded ``.weights.json``.
        limits: caps on sizes and depths (``kformat.DEFAULT_LIMITS``).
        deep: also verify the CRC of every zip member and scan float weights
            for NaN/Inf (a warning, KF424); otherwise no weight byte is read.

    Raises:
        OSError: the path does not exist or cannot be opened.
        TypeError: ``source`` is neither a path nor a binary file object.
    """
    # The driver (numpy, h5py, the schemas) is imported on first use, so that
    # ``import kformat`` stays cheap.
    from kformat.validate._driver import run

    yield from run(source, limits=limits, deep=deep).issues


def __getattr__(name: str) -> Any:
    if name == "Result":
        from kformat.validate._driver import Result

        return Result
    raise AttributeError(f"module 'kformat.validate' has no attribute {name!r}")


def check(source: Source, *, limits: Limits | None = None, deep: bool = False) -> None:
    """Raise if ``source`` has any error-severity issue (warnings pass).

    Named ``check``, not ``validate``: ``kformat.validate`` is this package (its
    ``python -m kformat.validate`` command), and a function of the same name on
    ``kformat`` would hide it.

    Raises:
        UnsafeArchiveError: one of the errors is a safety rule (bombs, links,
            code, paths); ``.issues`` holds every issue found.
        InvalidArchiveError: the file breaks other rules; ``.issues`` as above.
        OSError: the path does not exist or cannot be opened.
    """
    issues = list(iter_issues(source, limits=limits, deep=deep))
    errors = [i for i in issues if i.severity == "error"]
    if not errors:
        return
    first = errors[0]
    unsafe = any(RULES[i.code].kind == "unsafe" for i in errors)
    cls = UnsafeArchiveError if unsafe else InvalidArchiveError
    more = (
        f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
        if len(errors) > 1
        else ""
    )
    raise cls(
        f"{first.code} {first.message}{more}",
        member=first.member,
        path=first.path,
        code=first.code,
        issues=issues,
    )
