"""Config keys of the built-in layer classes (spec/format.md §5.8-5.9): types and ranges.

For the *fully specified* classes every key is known: its domain (KF305),
whether it is required (KF313), whether only Keras 2 writes it (KF314), and
any other key is unknown (KF312 — Keras raises "Unrecognized keyword
arguments"). Recognized weightless classes only get their base keys checked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kformat._numpy_values import ARRAY_DTYPES

__all__ = [
    "BASE_KEYS",
    "DTYPE_NAMES",
    "FULL",
    "TF_KERAS_BASE_KEYS",
    "ClassSpec",
    "Field",
    "dtype_problem",
]

Check = Callable[[str, Any], "str | None"]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    # math.isfinite() of an int converts it to float: OverflowError past 1e308
    return _is_int(v) or (isinstance(v, float) and math.isfinite(v))


def _int(lo: int | None = None) -> Check:
    def check(name: str, v: Any) -> str | None:
        if not _is_int(v):
            return f"{name} must be an integer, got {v!r}"
        if lo is not None and v < lo:
            return f"{name} must be >= {lo}, got {v}"
        return None

    return check


def _num(
    lo: float | None = None,
    hi: float | None = None,
    *,
    open_lo: bool = False,
    open_hi: bool = False,
) -> Check:
    def check(name: str, v: Any) -> str | None:
        if not _is_num(v):
            return f"{name} must be a finite number, got {v!r}"
        bad_lo = lo is not None and (v <= lo if open_lo else v < lo)
        bad_hi = hi is not None and (v >= hi if open_hi else v > hi)
        if bad_lo or bad_hi:
            if lo is not None and hi is not None:
                span = f"{'(' if open_lo else '['}{lo:g}, {hi:g}{')' if open_hi else ']'}"
                return f"{name} must be in {span}, got {v}"
            if lo is not None:
                return f"{name} must be {'>' if open_lo else '>='} {lo:g}, got {v}"
            return f"{name} must be {'<' if open_hi else '<='} {hi:g}, got {v}"
        return None

    return check


def _bool(name: str, v: Any) -> str | None:
    return None if isinstance(v, bool) else f"{name} must be true or false, got {v!r}"


def _str(name: str, v: Any) -> str | None:
    return None if isinstance(v, str) else f"{name} must be a string, got {v!r}"


def _object(name: str, v: Any) -> str | None:
    return None if isinstance(v, dict) else f"{name} must be an object, got {v!r}"


def _any(name: str, v: Any) -> str | None:
    return None


def _opt(inner: Check) -> Check:
    def check(name: str, v: Any) -> str | None:
        return None if v is None else inner(name, v)

    return check


def _either(*checks: Check, what: str) -> Check:
    def check(name: str, v: Any) -> str | None:
        if any(c(name, v) is None for c in checks):
            return None
        return f"{name} must be {what}, got {v!r}"

    return check


def _axes(name: str, v: Any) -> str | None:
    if _is_int(v):
        return None
    if isinstance(v, list) and v and all(_is_int(a) for a in v):
        if len(set(v)) != len(v):
            return f"{name} must not repeat an axis, got {v}"
        return None
    return f"{name} must be an integer or a non-empty list of integers, got {v!r}"


def _shape(name: str, v: Any) -> str | None:
    if not isinstance(v, list):
        return f"{name} must be a list of dimensions, got {v!r}"
    for d in v:
        if d is not None and not (_is_int(d) and d >= 0):
            return f"{name} dimensions must be integers >= 0 or null, got {d!r}"
    return None


def _output_shape(name: str, v: Any) -> str | None:
    if _is_int(v):
        return None if v >= 1 else f"{name} must be >= 1, got {v}"
    if not isinstance(v, list):
        return f"{name} must be an integer or a list of dimensions, got {v!r}"
    for d in v:
        if d is not None and not (_is_int(d) and d >= 1):
            return f"{name} dimensions must be integers >= 1 or null, got {d!r}"
    return None


_EINSUM = re.compile(r"^(\.\.\.)?[a-zA-Z]+(\.\.\.)?,[a-zA-Z]+->(\.\.\.)?[a-zA-Z]+(\.\.\.)?$")


def _equation(name: str, v: Any) -> str | None:
    if not isinstance(v, str) or not _EINSUM.match(v):
        return f"{name} must be an einsum equation like 'ab,bc->ac', got {v!r}"
    return None


def _function_like(what: str) -> Check:
    # A string or a serialized object: names are resolved by the safety pass.
    def check(name: str, v: Any) -> str | None:
        if v is None or isinstance(v, (str, dict)):
            return None
        return f"{name} must be {what} (a name or a serialized object), got {v!r}"

    return check


_ACTIVATION = _function_like("an activation")
_INITIALIZER = _function_like("an initializer")
_REGULARIZER = _function_like("a regularizer")
_CONSTRAINT = _function_like("a constraint")
_POS_INT = _int(1)
_RATE = _num(0.0, 1.0)
_EPS = _num(0.0, open_lo=True)


@dataclass(frozen=True)
class Field:
    """One config key: its check, whether it is required, whether only Keras 2 writes it."""

    check: Check
    required: bool = False
    tf_keras: bool = False


@dataclass(frozen=True)
class ClassSpec:
    """The keys of a fully specified class (spec §5.9)."""

    fields: Mapping[str, Field]
    #: at least one of these keys must be present (InputLayer's shape aliases)
    one_of: tuple[str, ...] = ()


def _f(check: Check, *, required: bool = False, tf_keras: bool = False) -> Field:
    return Field(check, required, tf_keras)


def _wbr(*names: str) -> dict[str, Field]:
    """initializer/regularizer/constraint triples of the named weights."""
    out: dict[str, Field] = {}
    for n in names:
        out[f"{n}_initializer"] = _f(_INITIALIZER)
        out[f"{n}_regularizer"] = _f(_REGULARIZER)
        out[f"{n}_constraint"] = _f(_CONSTRAINT)
    return out


_LORA = {
    "lora_rank": _f(_opt(_POS_INT)),
    "lora_alpha": _f(_opt(_num(0.0, open_lo=True))),
    "quantization_config": _f(_opt(_object)),
}

#: The fully specified classes (spec §5.9). Base keys are in :data:`BASE_KEYS`.
FULL: Mapping[str, ClassSpec] = {
    "InputLayer": ClassSpec(
        {
            "batch_shape": _f(_opt(_shape)),
            "batch_input_shape": _f(_opt(_shape)),
            "input_shape": _f(_opt(_shape)),
            "dtype": _f(_opt(_str)),
            "sparse": _f(_opt(_bool)),
            "ragged": _f(_opt(_bool)),
            "optional": _f(_opt(_bool)),
        },
        one_of=("batch_shape", "batch_input_shape", "input_shape"),
    ),
    "Dense": ClassSpec(
        {
            "units": _f(_POS_INT, required=True),
            "activation": _f(_ACTIVATION),
            "use_bias": _f(_bool),
            **_wbr("kernel", "bias"),
            **_LORA,
        }
    ),
    "EinsumDense": ClassSpec(
        {
            "equation": _f(_equation, required=True),
            "output_shape": _f(_output_shape, required=True),
            "bias_axes": _f(_opt(_str)),
            "activation": _f(_ACTIVATION),
            **_wbr("kernel", "bias"),
            **_LORA,
            "gptq_unpacked_column_size": _f(_POS_INT),
        }
    ),
    "BatchNormalization": ClassSpec(
        {
            "axis": _f(_axes),
            "momentum": _f(_num(0.0, 1.0)),
            "epsilon": _f(_EPS),
            "center": _f(_bool),
            "scale": _f(_bool),
            **_wbr("beta", "gamma"),
            "moving_mean_initializer": _f(_INITIALIZER),
            "moving_variance_initializer": _f(_INITIALIZER),
            "synchronized": _f(_bool),
            "renorm": _f(_bool),
            "renorm_clipping": _f(_opt(_object)),
            "renorm_momentum": _f(_num(0.0, 1.0)),
        }
    ),
    "LayerNormalization": ClassSpec(
        {
            "axis": _f(_axes),
            "epsilon": _f(_EPS),
            "center": _f(_bool),
            "scale": _f(_bool),
            "rms_scaling": _f(_bool),
            **_wbr("beta", "gamma"),
        }
    ),
    "Embedding": ClassSpec(
        {
            "input_dim": _f(_POS_INT, required=True),
            "output_dim": _f(_POS_INT, required=True),
            **_wbr("embeddings"),
            "mask_zero": _f(_bool),
            "input_length": _f(
                _opt(_either(_POS_INT, _shape, what="an integer >= 1 or a shape")), tf_keras=True
            ),
            **_LORA,
        }
    ),
    "MultiHeadAttention": ClassSpec(
        {
            "num_heads": _f(_POS_INT, required=True),
            "key_dim": _f(_POS_INT, required=True),
            "value_dim": _f(_opt(_POS_INT)),
            "dropout": _f(_num(0.0, 1.0, open_hi=True)),
            "use_bias": _f(_bool),
            "output_shape": _f(_opt(_output_shape)),
            "attention_axes": _f(_opt(_axes)),
            "use_gate": _f(_bool),
            "sliding_window": _f(_opt(_POS_INT)),
            "seed": _f(_opt(_int())),
            **_wbr("kernel", "bias"),
            "query_shape": _f(_opt(_shape), tf_keras=True),
            "key_shape": _f(_opt(_shape), tf_keras=True),
            "value_shape": _f(_opt(_shape), tf_keras=True),
            "softmax_robust_masking": _f(_bool, tf_keras=True),
        }
    ),
    "Dropout": ClassSpec(
        {
            "rate": _f(_RATE, required=True),
            "noise_shape": _f(_opt(_shape)),
            "seed": _f(_opt(_int())),
        }
    ),
    "Activation": ClassSpec({"activation": _f(_ACTIVATION, required=True)}),
    # keras/src/layers/activations/prelu.py get_config (same keys in tf_keras).
    "PReLU": ClassSpec(
        {
            **_wbr("alpha"),
            "shared_axes": _f(_opt(_axes)),
        }
    ),
    # keras/src/layers/normalization/rms_normalization.py get_config (3.9+).
    "RMSNormalization": ClassSpec({"axis": _f(_axes), "epsilon": _f(_EPS)}),
}

#: Keys every layer may have (spec §5.9).
BASE_KEYS: Mapping[str, Field] = {
    "name": _f(_str),
    "trainable": _f(_bool),
    "dtype": _f(_any),  # checked by dtype_problem (§5.8)
    "activity_regularizer": _f(_REGULARIZER),
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
