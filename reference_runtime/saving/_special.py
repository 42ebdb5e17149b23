"""Plain-data encodings of ``serialization_lib.py``: ``__numpy__``, ``__bytes__``, ``__slice__``...

``keras-team/keras: keras/src/saving/serialization_lib.py`` turns these back
into values with ``np.array(value, dtype=dtype)``; a file choosing the dtype
could ask for Python objects, raw void records, sub-arrays or a single
1.8 GB string element. Here an array value must pass the validator's rule
first (``kformat._numpy_values.array_problem``, KF214: Keras' dtype names,
numbers only, a bounded element count) before NumPy allocates (spec §4.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat._limits import DEFAULT_LIMITS
from kformat._numpy_values import array_problem
from kformat.errors import InvalidArchiveError, KFormatError, UnsafeArchiveError
from reference_runtime._config_errors import CONFIG, current_pointer, short

__all__ = ["decode_special"]


def _array_dtype(name: str, where: str) -> np.dtype[Any]:
    try:
        return np.dtype(name)
    except (TypeError, ValueError, SyntaxError) as exc:  # bfloat16 without ml_dtypes
        raise InvalidArchiveError(
            f"__numpy__ dtype {short(name)} is not a NumPy dtype{where}",
            member=CONFIG,
            path=current_pointer("dtype"),
            code="KF305",
        ) from exc


def decode_special(class_name: str, inner: Any, where: str = "") -> Any:
    """The value of a ``__numpy__``/``__tensor__``/``__bytes__``/``__slice__``/``__ellipsis__``
    object (``where`` names the file in messages)."""
    cfg = inner if isinstance(inner, Mapping) else {}
    try:
        if class_name in ("__numpy__", "__tensor__"):
            # The validator's rule (KF214), checked on the JSON before NumPy sees it.
            problem = array_problem(inner, DEFAULT_LIMITS.max_config_array_elements)
            if problem is not None:
                raise UnsafeArchiveError(
                    f"{class_name} {problem}{where}",
                    member=CONFIG,
                    path=current_pointer(),
                    code="KF214",
                )
            return np.asarray(cfg["value"], dtype=_array_dtype(cfg["dtype"], where))
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
