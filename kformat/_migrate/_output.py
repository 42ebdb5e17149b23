"""Writing a migrated model: scratch file, validation, optional check, atomic rename.

The result is written with :func:`kformat.write` to a scratch name beside the
destination (``kformat._atomic.temp_path``, which the next writer of the
destination sweeps if this process dies), validated with the whole validator
(``kformat.validate.iter_issues``), optionally run against the original
(``_check``), and only then renamed over the destination: a refused migration
never leaves a file that looks like a result.
"""

from __future__ import annotations

import os
from pathlib import Path

from kformat import _atomic
from kformat._archive import KerasArchive
from kformat._rules import RULES
from kformat._write import write
from kformat.errors import InvalidArchiveError, UnsafeArchiveError, UnsupportedFeatureError

__all__ = ["write_checked"]

# Validator warnings that mean "Keras 3 cannot load this": refused for a Keras 3 target.
_KERAS3_BLOCKERS = frozenset({"KF306", "KF310", "KF314"})


def write_checked(
    archive: KerasArchive, src: Path, dest: Path, *, keras3: bool, check: bool
) -> tuple[float | None, int]:
    """Write ``archive`` to ``dest`` once it validates (and, with ``check``, once its
    outputs equal the original's).

    Returns:
        ``(max abs diff, outputs compared)``; ``(None, 0)`` without ``check``.
    """
    from kformat._write import _locked

    # Under dest's writer lock (spec §10.5): one writer at a time, and what a
    # killed one left beside dest is swept first.
    with _locked(dest):
        return _write_validated(archive, src, dest, keras3=keras3, check=check)


def _write_validated(
    archive: KerasArchive, src: Path, dest: Path, *, keras3: bool, check: bool
) -> tuple[float | None, int]:
    from kformat.validate import iter_issues

    tmp = _atomic.temp_path(dest)  # a name the next writer of dest sweeps after a crash
    try:
        write(archive, tmp, layout="keras")
        issues = list(iter_issues(tmp))
        bad = [
            i for i in issues if i.severity == "error" or (keras3 and i.code in _KERAS3_BLOCKERS)
        ]
        if bad:
            first = bad[0]
            where = f"{first.member}#{first.path}" if first.path else str(first.member)
            cls = (
                UnsafeArchiveError
                if any(RULES[i.code].kind == "unsafe" for i in bad if i.code in RULES)
                else UnsupportedFeatureError
                if first.severity == "warning"
                else InvalidArchiveError
            )
            raise cls(
                f"the migrated file does not validate ({len(bad)} finding(s)), first at "
                f"{where}: {first.code} {first.message}; nothing was written",
                member=first.member,
                path=first.path,
                code=first.code,
            )
        diff: float | None = None
        count = 0
        if check:
            from kformat._migrate import _check

            diff, count = _check.compare(src, tmp)
        os.replace(tmp, dest)
        _atomic.fsync_dir(_atomic.folder_of(dest))
    finally:
        if tmp.exists():
            _atomic.remove(tmp)
    return diff, count
