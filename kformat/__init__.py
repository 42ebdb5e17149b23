"""kformat: read, write and validate Keras ``.keras`` model files without Keras.

The format is specified in ``spec/format.md``; this package is its reference
implementation (numpy + h5py + jsonschema only).
"""

from __future__ import annotations

from kformat._archive import KerasArchive, Layout, WeightInfo, WeightMap
from kformat._issues import Issue
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._read import read
from kformat._write import KERAS_VERSION, write
from kformat.errors import (
    InvalidArchiveError,
    KFormatError,
    UnsafeArchiveError,
    UnsupportedFeatureError,
)
from kformat.validate import iter_issues, validate

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_LIMITS",
    "KERAS_VERSION",
    "InvalidArchiveError",
    "Issue",
    "KFormatError",
    "KerasArchive",
    "Layout",
    "Limits",
    "UnsafeArchiveError",
    "UnsupportedFeatureError",
    "WeightInfo",
    "WeightMap",
    "iter_issues",
    "read",
    "validate",
    "write",
]
