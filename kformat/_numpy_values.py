"""What a ``__numpy__`` / ``__tensor__`` value in a config may ask NumPy for (spec §4.3, KF214).

Shared by ``kformat.serialization`` (which refuses before allocating) and the
validator (which reports the same), so both draw the line in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kformat._limits import DEFAULT_LIMITS

__all__ = ["ARRAY_DTYPES", "MAX_ARRAY_ELEMENTS", "array_problem"]

#: dtypes a ``__numpy__`` / ``__tensor__`` value may name: what Keras writes
#: (``backend.standardize_dtype`` of the array, serialization_lib.py). Object,
#: byte-string (``"S1800000000"`` asks for 1.8 GB per element), structured and
#: sub-array dtypes are refused before NumPy sees them (rule KF214).
ARRAY_DTYPES = frozenset(
    {
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "bfloat16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    }
)
#: Elements one ``__numpy__`` value may hold (``Limits.max_config_array_elements``).
MAX_ARRAY_ELEMENTS = DEFAULT_LIMITS.max_config_array_elements


def array_problem(config: Any, max_elements: int = MAX_ARRAY_ELEMENTS) -> str | None:
    """Why a ``__numpy__``/``__tensor__`` config may not become an array, or
    ``None`` (rule KF214). Looks only at the JSON (no allocation): the dtype
    must be one of :data:`ARRAY_DTYPES`, the value a number, a bool or nested
    arrays of them, with at most ``max_elements`` elements."""
    if not isinstance(config, Mapping):
        return "config must be an object with 'value' and 'dtype'"
    dtype = config.get("dtype")
    if not isinstance(dtype, str) or dtype not in ARRAY_DTYPES:
        shown = repr(dtype)[:40] if isinstance(dtype, str) else type(dtype).__name__
        return f"dtype {shown} is not one of {', '.join(sorted(ARRAY_DTYPES))}"
    if "value" not in config:
        return "config has no 'value'"
    count = 0
    stack = [config["value"]]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if node is None or not isinstance(node, (int, float, bool)):
            return f"value holds a {type(node).__name__}, not a number"
        count += 1
        if count > max_elements:
            return f"value holds more than {max_elements} elements"
    return None
