"""kformat: read, write and validate Keras ``.keras`` model files without Keras.

The format is specified in ``spec/format.md``; this package is its reference
implementation (numpy + h5py + jsonschema only).

The public names are imported on first use (PEP 562): ``import kformat`` costs
almost nothing, so the command line (``python -m kformat.validate``) pays only
for the modules a file needs — numpy and h5py for a weights file, jsonschema
for a config — not for the writer or the whole package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from kformat.errors import (
    InvalidArchiveError,
    KFormatError,
    UnsafeArchiveError,
    UnsupportedFeatureError,
)

# Bound eagerly (the package itself is light). ``kformat.validate`` stays the
# subpackage: no public name of this package shadows a submodule.
from kformat.validate import check, iter_issues

if TYPE_CHECKING:
    from kformat._archive import KerasArchive, Layout, WeightInfo, WeightMap
    from kformat._diff import Diff, diff
    from kformat._inspect import ModelInfo, inspect
    from kformat._issues import Issue
    from kformat._limits import DEFAULT_LIMITS, Limits
    from kformat._migrate import migrate
    from kformat._migrate._report import MigrationReport
    from kformat._patch import patch
    from kformat._plot import plot
    from kformat._read import read
    from kformat._write import KERAS_VERSION, write

    __version__: str

__all__ = [
    "DEFAULT_LIMITS",
    "KERAS_VERSION",
    "Diff",
    "InvalidArchiveError",
    "Issue",
    "KFormatError",
    "KerasArchive",
    "Layout",
    "Limits",
    "MigrationReport",
    "ModelInfo",
    "UnsafeArchiveError",
    "UnsupportedFeatureError",
    "WeightInfo",
    "WeightMap",
    "check",
    "diff",
    "inspect",
    "iter_issues",
    "migrate",
    "patch",
    "plot",
    "read",
    "write",
]

# public name -> the module that defines it
_LAZY = {
    "KerasArchive": "kformat._archive",
    "Layout": "kformat._archive",
    "WeightInfo": "kformat._archive",
    "WeightMap": "kformat._archive",
    "Issue": "kformat._issues",
    "DEFAULT_LIMITS": "kformat._limits",
    "Limits": "kformat._limits",
    "MigrationReport": "kformat._migrate._report",
    "migrate": "kformat._migrate",
    "read": "kformat._read",
    "inspect": "kformat._inspect",
    "ModelInfo": "kformat._inspect",
    "diff": "kformat._diff",
    "Diff": "kformat._diff",
    "patch": "kformat._patch",
    "plot": "kformat._plot",
    "KERAS_VERSION": "kformat._write",
    "write": "kformat._write",
}


def _version() -> str:
    # One version source: the distribution's metadata (pyproject.toml). A
    # checkout that was never installed has none.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kformat")
    except PackageNotFoundError:
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name == "dask":
        # The optional Dask integration, a submodule; importing it does not import dask.
        value = importlib.import_module("kformat.dask")
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module 'kformat' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, "__version__"})
