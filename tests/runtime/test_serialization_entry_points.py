"""One table of serialized values through both deserialization entry points.

``kformat.serialization.deserialize`` (framework-free) and
``reference_runtime.saving.deserialize_keras_object`` (the Keras-named API)
decode the same document the same way (the runtime supplies only its tables
through ``kformat.serialization.Hooks``). Each case names the one outcome of
both, as a value summary or as ``"<error class> <rule code>"``; where the two
once disagreed the comment says which behaviour won and why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from kformat import serialization
from kformat.errors import KFormatError
from reference_runtime.layers import LAYERS
from reference_runtime.saving import (
    deserialize_keras_object,
    get_custom_objects,
    register_keras_serializable,
    serialize_keras_object,
)


class Scale:
    def __init__(self, factor: float = 1.0) -> None:
        self.factor = factor

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Scale:
        return cls(**config)


def my_act(x: Any) -> Any:
    return x


CUSTOM = {"Custom>Scale": Scale, "Custom>my_act": my_act}
LAMBDA = {"class_name": "__lambda__", "config": {"value": ["AA==", None, None]}}
TYPESPEC = {
    "class_name": "__typespec__",
    "config": [],
    "spec_name": "TensorSpec",
    "module": "tensorflow",
    "registered_name": None,
}


def _tensor(history: Any) -> dict[str, Any]:
    return {
        "class_name": "__keras_tensor__",
        "config": {"shape": [None, 4], "dtype": "float32", "keras_history": history},
    }


def _obj(module: Any, class_name: Any, config: Any, registered: Any) -> dict[str, Any]:
    return {
        "module": module,
        "class_name": class_name,
        "config": config,
        "registered_name": registered,
    }


def _fn(module: str, name: Any) -> dict[str, Any]:
    return _obj(module, "function", name, "function")


def _deep(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


_BYTES = "__bytes__"
_SLICE = "__slice__"
_NUMPY = "__numpy__"

# (id, value, the outcome through both entry points). Values are wrapped in a
# list where the runtime would otherwise run the validator's whole-config
# check first: the point is the decoder itself. Comments give the reason
# where the two decoders used to disagree (Keras 3.15 serialization_lib.py,
# the schema of spec §4.3, and the safer reading for hostile input).
CASES: list[tuple[str, Any, str]] = [
    # Was unsupported in the runtime: KF508 is a safety rule (spec §9.7).
    ("typespec", [TYPESPEC], "UnsafeArchiveError KF508"),
    ("lambda", [LAMBDA], "UnsafeArchiveError KF501"),
    # Keras deserializes slice bounds like any value, so bytecode there is
    # refused too (both used to return the raw dict).
    (
        "lambda_in_slice",
        [{"class_name": _SLICE, "config": {"start": LAMBDA, "stop": None, "step": None}}],
        "UnsafeArchiveError KF501",
    ),
    ("bytes", [{"class_name": _BYTES, "config": {"value": "abc"}}], "[b'abc']"),
    # Keras calls value.encode(): a number is an error, not str()-coerced.
    (
        "bytes_not_string",
        [{"class_name": _BYTES, "config": {"value": 5}}],
        "InvalidArchiveError KF210",
    ),
    ("bytes_missing", [{"class_name": _BYTES, "config": {}}], "InvalidArchiveError KF210"),
    ("bytes_config_list", [{"class_name": _BYTES, "config": ["x"]}], "InvalidArchiveError KF210"),
    (
        "numpy",
        [{"class_name": _NUMPY, "config": {"value": [1, 2], "dtype": "int8"}}],
        "[ndarray int8 [1, 2]]",
    ),
    (
        "numpy_object_dtype",
        [{"class_name": _NUMPY, "config": {"value": [1], "dtype": "object"}}],
        "UnsafeArchiveError KF214",
    ),
    # The array rule's code, not a layer-field code.
    (
        "numpy_value_overflows_dtype",
        [{"class_name": _NUMPY, "config": {"value": [1000], "dtype": "int8"}}],
        "InvalidArchiveError KF214",
    ),
    (
        "slice",
        [{"class_name": _SLICE, "config": {"start": 1, "stop": None, "step": 2}}],
        "[slice 1 None 2]",
    ),
    (
        "slice_bound_is_a_value",
        [
            {
                "class_name": _SLICE,
                "config": {
                    "start": {"class_name": _NUMPY, "config": {"value": [1], "dtype": "int8"}},
                    "stop": None,
                    "step": None,
                },
            }
        ],
        "[slice ndarray None None]",
    ),
    # Keras indexes start/stop/step; the schema requires them.
    (
        "slice_missing_keys",
        [{"class_name": _SLICE, "config": {"start": 1}}],
        "InvalidArchiveError KF210",
    ),
    ("ellipsis", [{"class_name": "__ellipsis__", "config": {}}], "[Ellipsis]"),
    # The runtime returned the raw dict; nothing consumed it.
    ("keras_tensor", [_tensor(["dense", 0, 0])], "[KerasTensorRef]"),
    ("keras_tensor_negative_index", [_tensor(["dense", -1, 0])], "InvalidArchiveError KF210"),
    ("class_name_not_string", [{"class_name": 5, "config": {}}], "InvalidArchiveError KF210"),
    (
        "unknown_class",
        [_obj("my_pkg.layers", "Mystery", {}, "Mystery")],
        "UnsupportedFeatureError KF306",
    ),
    ("unknown_function", [_fn("builtins", "nope")], "UnsupportedFeatureError KF306"),
    # Keras: "Expected 'config' to be a non-null str" (a malformed file, not a
    # missing custom object).
    ("function_name_not_string", [_fn("builtins", 5)], "InvalidArchiveError KF210"),
    ("registered_class", [_obj(None, "Scale", {"factor": 2.0}, "Custom>Scale")], "[Scale 2.0]"),
    # Keras matches a bare name against "pkg>name" for functions only.
    (
        "class_by_bare_name",
        [_obj("my_pkg", "Scale", {"factor": 2.0}, "Scale")],
        "UnsupportedFeatureError KF306",
    ),
    ("registered_function", [_fn("builtins", "Custom>my_act")], "[my_act]"),
    ("function_by_bare_name", [_fn("builtins", "my_act")], "[my_act]"),
    # Keras returns the custom object a plain string names.
    ("string_naming_a_custom_object", ["Custom>Scale"], "[Scale]"),
    (
        "plain_data",
        {"a": [1, "x", None], "b": {"c": 2.5}},
        "{'a': [1, 'x', None], 'b': {'c': 2.5}}",
    ),
    ("builtin", [_obj("keras.layers", "Dense", {"units": 2}, None)], "[Dense]"),
    # Keras 2 layer entries carry no module (spec §4.1 legacy dicts) or a
    # tf.keras one; both name built-ins from the same allow-list.
    ("builtin_legacy_no_module", [{"class_name": "Dense", "config": {"units": 2}}], "[Dense]"),
    ("builtin_tf_keras", [_obj("tf_keras.layers", "Dense", {"units": 2}, None)], "[Dense]"),
    (
        "builtin_name_foreign_module",
        [_obj("my_pkg", "Dense", {"units": 2}, None)],
        "UnsupportedFeatureError KF306",
    ),
    (
        "builtin_foreign_registered_name",
        [_obj("keras.layers", "Dense", {}, "x>Y")],
        "UnsupportedFeatureError KF306",
    ),
    # kformat let a raw TypeError escape; Keras requires a dict (schema: KF210).
    (
        "class_config_not_object",
        [_obj(None, "Scale", [1], "Custom>Scale")],
        "InvalidArchiveError KF210",
    ),
    ("class_config_null", [_obj(None, "Scale", None, "Custom>Scale")], "[Scale 1.0]"),
    ("too_deep", _deep(5000), "UnsafeArchiveError KF203"),
]


def _summary(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_summary(v) for v in value) + "]"
    if isinstance(value, np.ndarray):
        return f"ndarray {value.dtype} {value.tolist()}"
    if isinstance(value, slice):
        return " ".join(
            ["slice"]
            + [
                type(v).__name__ if isinstance(v, (dict, np.ndarray)) else repr(v)
                for v in (value.start, value.stop, value.step)
            ]
        )
    if isinstance(value, Scale):
        return f"Scale {value.factor}"
    if isinstance(value, type):
        return value.__name__
    if callable(value) and hasattr(value, "__name__"):
        return str(value.__name__)
    if isinstance(value, (dict, str, bytes, int, float)) or value is Ellipsis or value is None:
        return "dict" if isinstance(value, dict) and "shape" in value else repr(value)
    return type(value).__name__


def _outcome(call: Callable[[], Any]) -> str:
    try:
        return _summary(call())
    except KFormatError as exc:
        return f"{type(exc).__name__} {exc.code}"
    except Exception as exc:  # anything else escaping is a finding the table records
        return type(exc).__name__


@pytest.mark.parametrize(("value", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_entry_points_agree(value: Any, expected: str) -> None:
    got_kformat = _outcome(
        lambda: serialization.deserialize(value, custom_objects=CUSTOM, builtins=LAYERS)
    )
    got_runtime = _outcome(lambda: deserialize_keras_object(value, custom_objects=CUSTOM))
    assert (got_kformat, got_runtime) == (expected, expected)


def test_errors_name_the_same_place() -> None:
    value = {"outer": [0, {"class_name": _BYTES, "config": {"value": 5}}]}
    errors = []
    for call in (
        lambda: serialization.deserialize(value, member="config.json"),
        lambda: deserialize_keras_object(value),
    ):
        with pytest.raises(KFormatError) as err:
            call()
        errors.append((type(err.value), err.value.code, err.value.member, err.value.path))
    assert errors[0] == errors[1]
    assert errors[0][3] == "/outer/1/config/value"


@pytest.mark.parametrize(
    "value",
    [slice(1, None, 2), Ellipsis, b"caf\xc3\xa9", np.arange(4, dtype="int16"), {"k": (1, 2)}],
    ids=["slice", "ellipsis", "bytes", "ndarray", "tuple"],
)
def test_serialize_entry_points_agree(value: Any) -> None:
    data = serialization.serialize(value)
    assert serialize_keras_object(value) == data
    np.testing.assert_equal(deserialize_keras_object(data), serialization.deserialize(data))


def test_registered_class_serializes_the_same() -> None:
    registry = serialization.Registry()
    registry.register("Probe")(Scale)
    expected = serialization.serialize(Scale(3.0), registry=registry)
    register_keras_serializable("Probe")(Scale)
    try:
        assert serialize_keras_object(Scale(3.0)) == expected
        assert expected["registered_name"] == "Probe>Scale"
        assert deserialize_keras_object([expected])[0].factor == 3.0
    finally:
        del get_custom_objects()["Probe>Scale"]
