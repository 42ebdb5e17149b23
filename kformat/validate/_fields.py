"""Keys every layer config may have, and dtype names (spec/format.md §5.8-5.9).

The keys of each class live in its definition in the layer catalogue
(:mod:`kformat.layers`); this module holds what all classes share.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kformat._numpy_values import ARRAY_DTYPES
from kformat.layers import _checks as c
from kformat.layers._def import Field, f

__all__ = ["BASE_KEYS", "DTYPE_NAMES", "TF_KERAS_BASE_KEYS", "dtype_problem"]


#: Keys every layer may have (spec §5.9).
BASE_KEYS: Mapping[str, Field] = {
    "name": f(c.STR),
    "trainable": f(c.BOOL, True),
    "dtype": f(c.ANY),  # checked by dtype_problem (§5.8)
    "activity_regularizer": f(c.REGULARIZER, kind="regularizer"),
}
#: Keys tf_keras writes on the first layer of a Sequential model (KF314 elsewhere).
TF_KERAS_BASE_KEYS = frozenset({"batch_input_shape", "batch_size"})

#: dtype and policy names a layer's ``dtype`` may give (spec §5.8): every dtype a
#: ``__numpy__`` value may have, plus strings, float8/int4 and the mixed policies.
DTYPE_NAMES = ARRAY_DTYPES | frozenset(
    [
        "string",
        "float8_e4m3fn",
        "float8_e5m2",
        "int4",
        "uint4",
        "mixed_float16",
        "mixed_bfloat16",
    ]
)
_QUANTIZED_MODE = re.compile(r"^(int8|int4(/\d+)?|float8|gptq/\d+/\d+|awq/\d+/\d+)$")


def dtype_problem(value: Any) -> str | None:
    """Why a layer's ``dtype`` is not a dtype or policy of §5.8 (KF305), or ``None``.

    tf_keras ``Policy`` dicts are fine here (KF314 reports them)."""
    if value is None:
        return None
    if isinstance(value, str):
        return None if value in DTYPE_NAMES else f"dtype {value!r} is not a dtype or policy name"
    if not isinstance(value, dict):
        return f"dtype must be a string, a policy object or null, got {value!r}"
    config = value.get("config")
    if not isinstance(config, dict):
        return None  # schema / name resolution report it
    name = config.get("name")
    if isinstance(name, str) and name not in DTYPE_NAMES:
        return f"dtype policy name {name!r} is not a dtype or policy name"
    mode = config.get("mode")
    if isinstance(mode, str) and not _QUANTIZED_MODE.match(mode):
        return f"quantization mode {mode!r} is not int8, int4[/block], float8 or gptq/<b>/<g>"
    source = config.get("source_name")
    if isinstance(source, str) and source not in DTYPE_NAMES:
        return f"dtype policy source_name {source!r} is not a dtype or policy name"
    return None
