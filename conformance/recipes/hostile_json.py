"""Hostile cases: JSON budgets and config values a loader would allocate from (KF213-KF215, KF305).

Each breaks one rule in a small file; the budgets are lowered through the
case's ``limits`` so the file stays small (the full-size bombs are generated
at test time: tests/unit/test_json_budget.py).
"""

from __future__ import annotations

from typing import Any

from hostile_common import (
    JSON_NOTES,
    C,
    Case,
    _config_case,
    base_config,
    case,
    cfg_bytes,
    expect,
    set_path,
    with_layer,
)

NUMPY_NOTES = "allocation from absurd numbers in a config (__numpy__ dtype and shape)"


def _holder(**config: Any) -> dict[str, Any]:
    """A custom layer (KF306, a warning) carrying ``config``: no built-in's rules apply."""
    return {
        "module": None,
        "class_name": "Holder",
        "config": {"name": "holder", **config},
        "registered_name": "Custom>Holder",
    }


def _numpy(dtype: str) -> dict[str, Any]:
    return {"class_name": "__numpy__", "config": {"value": [1, 2], "dtype": dtype}}


@case
def config_too_many_values() -> Case:
    return _config_case(
        "config_too_many_values",
        "config.json holds more values than max_json_nodes (lowered here)",
        cfg_bytes(base_config()),
        expect("KF213", C),
        limits={"max_json_nodes": 50},
    )


@case
def config_numpy_bytes_dtype() -> Case:
    return _config_case(
        "config_numpy_bytes_dtype",
        "__numpy__ dtype S1800000000: 1.8 GB per element from NumPy",
        cfg_bytes(with_layer(base_config(), _holder(table=_numpy("S1800000000")))),
        expect("KF214", C, "/config/layers/4/config/table/config"),
        advisory=NUMPY_NOTES,
    )


@case
def config_numpy_subarray_dtype() -> Case:
    return _config_case(
        "config_numpy_subarray_dtype",
        "__numpy__ sub-array dtype (100000,100000)f8: 80 GB per element",
        cfg_bytes(with_layer(base_config(), _holder(table=_numpy("(100000,100000)f8")))),
        expect("KF214", C, "/config/layers/4/config/table/config"),
        advisory=NUMPY_NOTES,
    )


@case
def config_numpy_object_dtype() -> Case:
    return _config_case(
        "config_numpy_object_dtype",
        "__numpy__ of dtype object",
        cfg_bytes(with_layer(base_config(), _holder(table=_numpy("object")))),
        expect("KF214", C, "/config/layers/4/config/table/config"),
        advisory=NUMPY_NOTES,
    )


@case
def config_schema_too_deep() -> Case:
    node: Any = 0
    for _ in range(300):
        node = {"a": node}
    return _config_case(
        "config_schema_too_deep",
        "a config 300 levels deep, under a raised max_json_depth",
        cfg_bytes(with_layer(base_config(), _holder(deep=node))),
        expect("KF215", C, ""),
        advisory=JSON_NOTES,
        limits={"max_json_depth": 400},
    )


@case
def build_config_negative_dimension() -> Case:
    bad = set_path(base_config(), "config/layers/1/build_config", {"input_shape": [None, -4]})
    return _config_case(
        "build_config_negative_dimension",
        "build_config records a negative dimension",
        cfg_bytes(bad),
        expect("KF305", C, "/config/layers/1/build_config/input_shape/1"),
        advisory=None,
    )


@case
def build_config_holds_object() -> Case:
    lam = {"class_name": "Lambda", "config": {"function": "print"}}
    bad = set_path(base_config(), "config/layers/1/build_config", {"input_shape": [None, lam]})
    return _config_case(
        "build_config_holds_object",
        "build_config carries a serialized Lambda where a dimension belongs",
        cfg_bytes(bad),
        expect("KF305", C, "/config/layers/1/build_config/input_shape/1/class_name"),
        advisory=None,
    )


@case
def keras_tensor_object_dtype() -> Case:
    from hostile_common import functional_config

    bad = set_path(
        functional_config(), "config/layers/2/inbound_nodes/0/args/0/config/dtype", "object"
    )
    return _config_case(
        "keras_tensor_object_dtype",
        "a symbolic tensor of dtype object",
        cfg_bytes(bad),
        expect("KF305", C, "/config/layers/2/inbound_nodes/0/args/0/config/dtype"),
        advisory=None,
    )
