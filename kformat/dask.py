"""``kformat.dask``: validate many Keras files on a Dask cluster (spec/format.md §11).

:func:`validate` runs the validator over many files, a Dask task per partition of the
paths, and returns one table: a row per issue, or one row per file that has none. Batch
inference on Dask collections is ``reference_runtime.dask.predict`` (the core never imports
the runtime). Dask and pandas are the optional ``dask`` extra (``pip install
'kformat[dask]'``), imported on first call, so ``import kformat.dask`` works without them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kformat._limits import Limits

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "STATUSES", "validate"]

#: Columns of :func:`validate`'s table, in order.
COLUMNS = ("file", "status", "code", "severity", "member", "path", "message")

#: A file's ``status``: ``clean`` (no issue; one row, issue columns empty), ``warnings``
#: (warning issues only), ``invalid`` (at least one error), ``unreadable`` (the file could
#: not be opened: ``message`` holds the OS error), ``failed`` (the validator raised: a bug
#: in kformat, ``message`` holds it), ``crashed`` (the worker process died on this file).
STATUSES = ("clean", "warnings", "invalid", "unreadable", "failed", "crashed")


def _need_dask() -> None:
    """Raise a clear ImportError when the optional ``dask`` extra is missing."""
    try:
        import dask
        import dask.dataframe  # noqa: F401
        import pandas  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            "kformat.dask needs dask and pandas: pip install 'kformat[dask]' "
            f"(or 'dask[dataframe,distributed]>=2024.1'); {exc}"
        ) from exc


# -- validate ------------------------------------------------------------------------


def _file_rows(file: str, limits: Limits | None, deep: bool) -> list[dict[str, Any]]:
    """The rows of one file. Never raises, so one file cannot cost the others of its
    partition their rows; a crash of libhdf5 stays in the validator's forked child
    (spec §6.11) unless the caller's limits run HDF5 in-process."""
    from kformat.validate import iter_issues

    blank = dict.fromkeys(COLUMNS[2:])
    try:
        issues = list(iter_issues(file, limits=limits, deep=deep))
    except OSError as exc:
        return [{**blank, "file": file, "status": "unreadable", "message": str(exc)}]
    except Exception as exc:  # the validator promises no exception for bad content
        return [
            {**blank, "file": file, "status": "failed", "message": f"{type(exc).__name__}: {exc}"}
        ]
    if not issues:
        return [{**blank, "file": file, "status": "clean"}]
    status = "invalid" if any(i.severity == "error" for i in issues) else "warnings"
    return [
        {
            "file": file,
            "status": status,
            "code": i.code,
            "severity": i.severity,
            "member": i.member,
            "path": i.path,
            "message": i.message,
        }
        for i in issues
    ]


def _frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    # object columns throughout: None stays None and every partition has the same dtypes.
    return pd.DataFrame(list(rows), columns=list(COLUMNS), dtype=object)


def _validate_partition(files: Sequence[str], limits: Limits | None, deep: bool) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    for file in files:
        rows += _file_rows(file, limits, deep)
    return _frame(rows)


def _crashed(file: str, exc: BaseException) -> pd.DataFrame:
    row = dict.fromkeys(COLUMNS)
    row.update(file=file, status="crashed", message=f"{type(exc).__name__}: {exc}")
    return _frame([row])


def validate(
    paths: Iterable[str | os.PathLike[str]],
    *,
    client: Any = None,
    limits: Limits | None = None,
    deep: bool = False,
    npartitions: int | None = None,
    compute: bool = True,
) -> Any:
    """Validate every file in ``paths`` on Dask workers; one table for all of them.

    Each file is checked as :func:`kformat.validate.iter_issues` checks it (same
    ``limits`` and ``deep``), so its issue rows are that function's issues, in order.

    Args:
        paths: files (``.keras``, ``.weights.h5``, ...) readable from every worker.
        client: a ``distributed.Client``; the default client when ``None`` and one
            exists, else Dask's default scheduler.
        limits: caps on sizes and depths (``kformat.DEFAULT_LIMITS``).
        deep: verify CRCs and scan float weights for NaN/Inf (KF424).
        npartitions: Dask tasks the paths are split into, contiguously (by default
            16 files per task, at most 128 tasks).
        compute: return a ``pandas.DataFrame`` (``True``) or a lazy Dask dataframe.

    Returns:
        A frame with columns :data:`COLUMNS`: a row per issue; a file without issues,
        one that could not be read, or one the validator or its worker died on, gets
        one row whose ``status`` (:data:`STATUSES`) says so. Rows follow ``paths``.

    With a distributed client and ``compute=True``, a partition whose worker died is
    re-run one file per task, so only the file that kills a worker is ``crashed``.
    """
    _need_dask()
    import dask
    import dask.dataframe as dd

    files = [os.fspath(p) for p in paths]
    chunks = _split(files, npartitions)
    # Not pure: the result depends on the files' bytes, not on their names, so a later
    # call must never be answered from an earlier one's results.
    parts = [dask.delayed(_validate_partition, pure=False)(chunk, limits, deep) for chunk in chunks]
    if not compute:
        if not parts:
            return dd.from_pandas(_frame([]), npartitions=1)
        # Object columns as in the eager table (dask would otherwise convert them to
        # pyarrow strings, turning the empty issue columns of clean files into <NA>).
        with dask.config.set({"dataframe.convert-string": False}):
            return dd.from_delayed(parts, meta=_frame([]), verify_meta=False)
    client = client if client is not None else _default_client()
    if client is None:
        return _concat(list(dask.compute(*parts)))
    # One future per partition: a partition that loses its worker (a crash outside the
    # validator's own isolation, or the OOM killer) is re-run file by file.
    futures = client.compute(parts)
    frames: list[pd.DataFrame] = []
    for future, chunk in zip(futures, chunks, strict=True):
        try:
            frames.append(future.result())
        except Exception:
            frames += _one_by_one(client, chunk, limits, deep)
    return _concat(frames)


def _split(files: list[str], npartitions: int | None) -> list[list[str]]:
    """Contiguous chunks, so the table keeps the order of ``files``. By default 16 files
    per partition (small enough to spread 2,000 files over many workers), 128 at most."""
    if not files:
        return []
    n = npartitions if npartitions is not None else min(128, -(-len(files) // 16))
    if n < 1:
        raise ValueError(f"npartitions must be >= 1, got {n}")
    n = min(n, len(files))
    size, extra = divmod(len(files), n)
    chunks, start = [], 0
    for i in range(n):
        end = start + size + (i < extra)
        chunks.append(files[start:end])
        start = end
    return chunks


def _one_by_one(client: Any, files: Sequence[str], limits: Limits | None, deep: bool) -> list[Any]:
    """The files of a partition whose worker died, one task each. A worker's death also
    fails the other tasks queued on it, so a file that fails here is tried once more
    alone, with nothing else in flight: only a file that kills its worker then is
    ``crashed``."""
    futures = [
        client.submit(_validate_partition, [f], limits, deep, pure=False, retries=0) for f in files
    ]
    frames = []
    for file, future in zip(files, futures, strict=True):
        try:
            frames.append(future.result())
            continue
        except Exception:
            pass
        try:
            alone = client.submit(_validate_partition, [file], limits, deep, pure=False)
            frames.append(alone.result())
        except Exception as exc:
            frames.append(_crashed(file, exc))
    return frames


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else _frame([])


def _default_client() -> Any:
    try:
        from distributed import default_client
    except ImportError:
        return None
    with contextlib.suppress(ValueError):
        return default_client()
    return None


def __getattr__(name: str) -> Any:
    if name == "predict":
        # Inference needs the runtime, which depends on kformat, never the reverse.
        raise AttributeError(
            "kformat.dask has no predict: batch inference is reference_runtime.dask.predict "
            "(the core package never imports the runtime)"
        )
    raise AttributeError(f"module 'kformat.dask' has no attribute {name!r}")
