"""Plain-data encodings of ``serialization_lib.py``: ``__numpy__``, ``__bytes__``, ``__slice__``...

``keras-team/keras: keras/src/saving/serialization_lib.py`` turns these back
into values with ``np.array(value, dtype=dtype)``; a file choosing the dtype
could ask for Python objects, raw void records, sub-arrays or a single
1.8 GB string element. Here the dtype is limited to numbers, bools and text,
and the decoded size is bounded before NumPy allocates (spec §5.8, §12).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat._limits import DEFAULT_LIMITS
from kformat.errors import InvalidArchiveError, KFormatError, UnsafeArchiveError
from reference_runtime._config_errors import CONFIG, current_pointer, short

__all__ = ["decode_special"]

#: dtype kinds a ``__numpy__`` value may have: numbers, bools and fixed-width
#: text, never objects (pickles), raw void bytes or records (spec §5.8)
_ARRAY_KINDS = frozenset("biufcSU")
#: bytes one ``__numpy__`` value may decode to: 16 bytes per element of the
#: largest config.json the reader accepts (the JSON text bounds the element
#: count; a wide string dtype like ``S1800000000`` does not)
_MAX_ARRAY_BYTES = 16 * DEFAULT_LIMITS.max_config_bytes


def _leaf_count(value: Any) -> int:
    if not isinstance(value, list):
        return 1
    return sum(_leaf_count(v) for v in value)


def _array_dtype(value: Any, where: str) -> np.dtype[Any]:
    if not isinstance(value, str):
        raise InvalidArchiveError(
            f"__numpy__ dtype must be a string{where}, got {short(value)}",
            member=CONFIG,
            path=current_pointer("dtype"),
            code="KF305",
        )
    try:
        dtype = np.dtype(value)
    except (TypeError, ValueError, SyntaxError) as exc:
        raise InvalidArchiveError(
            f"__numpy__ dtype {short(value)} is not a NumPy dtype{where}",
            member=CONFIG,
            path=current_pointer("dtype"),
            code="KF305",
        ) from exc
    if dtype.kind not in _ARRAY_KINDS or dtype.shape or dtype.fields:
        raise InvalidArchiveError(
            f"__numpy__ dtype {short(value)}{where} is not a number, bool or text dtype",
            member=CONFIG,
            path=current_pointer("dtype"),
            code="KF305",
        )
    return dtype


def decode_special(class_name: str, inner: Any, where: str = "") -> Any:
    """The value of a ``__numpy__``/``__tensor__``/``__bytes__``/``__slice__``/``__ellipsis__``
    object (``where`` names the file in messages)."""
    cfg = inner if isinstance(inner, Mapping) else {}
    try:
        if class_name in ("__numpy__", "__tensor__"):
            dtype = _array_dtype(cfg["dtype"], where)
            value = cfg["value"]
            nbytes = _leaf_count(value) * dtype.itemsize
            if nbytes > _MAX_ARRAY_BYTES:
                raise UnsafeArchiveError(
                    f"{class_name} value{where} would decode to {nbytes} bytes "
                    f"(dtype {dtype.str}), above the limit of {_MAX_ARRAY_BYTES}",
                    member=CONFIG,
                    path=current_pointer(),
                    code="KF308",
                )
            return np.asarray(value, dtype=dtype)
        if class_name == "__bytes__":
            return str(cfg["value"]).encode("utf-8")
        if class_name == "__slice__":
            return slice(cfg.get("start"), cfg.get("stop"), cfg.get("step"))
        if class_name == "__ellipsis__":
            return Ellipsis
    except (KeyError, TypeError, ValueError, OverflowError, UnicodeError) as exc:
        if isinstance(exc, KFormatError):
            raise
        raise InvalidArchiveError(
            f"malformed {class_name}{where}: {short(str(exc))}",
            member=CONFIG,
            path=current_pointer(),
            code="KF305",
        ) from exc
    # __keras_tensor__: only meaningful inside Functional nodes, handled there.
    return dict(cfg)
