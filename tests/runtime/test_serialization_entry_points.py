"""One table of serialized values through both deserialization entry points.

``kformat.serialization.deserialize`` (framework-free) and
``reference_runtime.saving.deserialize_keras_object`` (the Keras-named API)
must decode the same document the same way: each case records the outcome of
each entry point, as a value summary or as ``"<error class> <rule code>"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from kformat import serialization
from kformat.errors import KFormatError
from reference_runtime.layers import LAYERS
from reference_runtime.saving import deserialize_keras_object


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


# (id, value, outcome through kformat.serialization, outcome through the runtime).
# Values are wrapped in a list where the runtime would otherwise run the
# validator's whole-config preflight first: the point is the decoder itself.
CASES: list[tuple[str, Any, str, str]] = [
    ("typespec", [TYPESPEC], "UnsafeArchiveError KF508", "UnsupportedFeatureError KF508"),
    ("lambda", [LAMBDA], "UnsafeArchiveError KF501", "UnsafeArchiveError KF501"),
    (
        "lambda_in_slice",
        [{"class_name": "__slice__", "config": {"start": LAMBDA, "stop": None, "step": None}}],
        "[slice dict None None]",
        "[slice dict None None]",
    ),
    ("bytes", [{"class_name": "__bytes__", "config": {"value": "abc"}}], "[b'abc']", "[b'abc']"),
    (
        "bytes_not_string",
        [{"class_name": "__bytes__", "config": {"value": 5}}],
        "InvalidArchiveError None",
        "[b'5']",
    ),
    (
        "bytes_missing",
        [{"class_name": "__bytes__", "config": {}}],
        "InvalidArchiveError None",
        "InvalidArchiveError KF305",
    ),
    (
        "bytes_config_list",
        [{"class_name": "__bytes__", "config": ["x"]}],
        "InvalidArchiveError None",
        "InvalidArchiveError KF305",
    ),
    (
        "numpy",
        [{"class_name": "__numpy__", "config": {"value": [1, 2], "dtype": "int8"}}],
        "[ndarray int8 [1, 2]]",
        "[ndarray int8 [1, 2]]",
    ),
    (
        "numpy_object_dtype",
        [{"class_name": "__numpy__", "config": {"value": [1], "dtype": "object"}}],
        "UnsafeArchiveError KF214",
        "UnsafeArchiveError KF214",
    ),
    (
        "numpy_value_overflows_dtype",
        [{"class_name": "__numpy__", "config": {"value": [1000], "dtype": "int8"}}],
        "InvalidArchiveError KF214",
        "InvalidArchiveError KF305",
    ),
    (
        "slice",
        [{"class_name": "__slice__", "config": {"start": 1, "stop": None, "step": 2}}],
        "[slice 1 None 2]",
        "[slice 1 None 2]",
    ),
    (
        "slice_missing_keys",
        [{"class_name": "__slice__", "config": {"start": 1}}],
        "[slice 1 None None]",
        "[slice 1 None None]",
    ),
    ("ellipsis", [{"class_name": "__ellipsis__", "config": {}}], "[Ellipsis]", "[Ellipsis]"),
    ("keras_tensor", [_tensor(["dense", 0, 0])], "[KerasTensorRef]", "[dict]"),
    (
        "keras_tensor_negative_index",
        [_tensor(["dense", -1, 0])],
        "InvalidArchiveError KF210",
        "[dict]",
    ),
    (
        "class_name_not_string",
        [{"class_name": 5, "config": {}}],
        "InvalidArchiveError None",
        "InvalidArchiveError KF210",
    ),
    (
        "unknown_class",
        [_obj("my_pkg.layers", "Mystery", {}, "Mystery")],
        "UnsupportedFeatureError KF306",
        "UnsupportedFeatureError KF306",
    ),
    (
        "unknown_function",
        [_fn("builtins", "nope")],
        "UnsupportedFeatureError KF306",
        "UnsupportedFeatureError KF306",
    ),
    (
        "function_name_not_string",
        [_fn("builtins", 5)],
        "UnsupportedFeatureError KF306",
        "InvalidArchiveError KF210",
    ),
    (
        "registered_class",
        [_obj(None, "Scale", {"factor": 2.0}, "Custom>Scale")],
        "[Scale 2.0]",
        "[Scale 2.0]",
    ),
    (
        "class_by_bare_name",
        [_obj("my_pkg", "Scale", {"factor": 2.0}, "Scale")],
        "[Scale 2.0]",
        "UnsupportedFeatureError KF306",
    ),
    ("registered_function", [_fn("builtins", "Custom>my_act")], "[my_act]", "[my_act]"),
    ("function_by_bare_name", [_fn("builtins", "my_act")], "[my_act]", "[my_act]"),
    ("string_naming_a_custom_object", ["Custom>Scale"], "['Custom>Scale']", "[Scale]"),
    (
        "plain_data",
        {"a": [1, "x", None], "b": {"c": 2.5}},
        "{'a': [1, 'x', None], 'b': {'c': 2.5}}",
        "{'a': [1, 'x', None], 'b': {'c': 2.5}}",
    ),
    ("builtin", [_obj("keras.layers", "Dense", {"units": 2}, None)], "[Dense]", "[Dense]"),
    (
        "builtin_legacy_no_module",
        [{"class_name": "Dense", "config": {"units": 2}}],
        "UnsupportedFeatureError KF306",
        "[Dense]",
    ),
    (
        "builtin_tf_keras",
        [_obj("tf_keras.layers", "Dense", {"units": 2}, None)],
        "UnsupportedFeatureError KF306",
        "[Dense]",
    ),
    (
        "builtin_name_foreign_module",
        [_obj("my_pkg", "Dense", {"units": 2}, None)],
        "UnsupportedFeatureError KF306",
        "UnsupportedFeatureError KF306",
    ),
    (
        "class_config_not_object",
        [_obj(None, "Scale", [1], "Custom>Scale")],
        "TypeError",
        "InvalidArchiveError KF305",
    ),
    (
        "class_config_null",
        [_obj(None, "Scale", None, "Custom>Scale")],
        "[Scale 1.0]",
        "[Scale 1.0]",
    ),
    ("too_deep", _deep(5000), "UnsafeArchiveError KF203", "UnsafeArchiveError KF203"),
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
                type(v).__name__ if isinstance(v, dict) else repr(v)
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


@pytest.mark.parametrize(
    ("value", "via_kformat", "via_runtime"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_entry_points(value: Any, via_kformat: str, via_runtime: str) -> None:
    got_kformat = _outcome(
        lambda: serialization.deserialize(value, custom_objects=CUSTOM, builtins=LAYERS)
    )
    got_runtime = _outcome(lambda: deserialize_keras_object(value, custom_objects=CUSTOM))
    assert (got_kformat, got_runtime) == (via_kformat, via_runtime)
