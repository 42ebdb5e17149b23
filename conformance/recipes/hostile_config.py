"""Hostile cases: config semantics (KF3xx) and safety (KF5xx)."""

from __future__ import annotations

from typing import Any

from hostile_common import (
    GRAPH_NOTES,
    C,
    Case,
    _config_case,
    base_config,
    base_weights,
    canary,
    case,
    cfg_bytes,
    expect,
    functional_config,
    keras_zip,
    ktensor,
    lambda_payload,
    pickle_payload,
    set_path,
    simple,
    with_layer,
    zip_bytes,
)

# --------------------------------------------------------------------------- config semantics


def _fn_case(
    name: str,
    fault: str,
    config: dict[str, Any],
    *expects: dict[str, Any],
    advisory: str | None = GRAPH_NOTES,
) -> Case:
    data = keras_zip(config=config, weights=base_weights(functional=True))
    return simple(name, fault, data, *expects, advisory=advisory)


@case
def graph_dangling_reference() -> Case:
    bad = set_path(functional_config(), "config/layers/2/inbound_nodes/0/args/0", ktensor("ghost"))
    return _fn_case(
        "graph_dangling_reference",
        "inbound node names a layer that does not exist",
        bad,
        expect("KF301", C, "/config/layers/2/inbound_nodes/0/args/0/config/keras_history"),
    )


@case
def graph_duplicate_name() -> Case:
    bad = set_path(functional_config(), "config/layers/2/name", "h")
    bad["config"]["output_layers"] = ["h", 0, 0]
    return _fn_case(
        "graph_duplicate_name",
        "two layers named 'h'",
        bad,
        expect("KF302", C, "/config/layers/2/name"),
    )


@case
def graph_cycle() -> Case:
    bad = set_path(functional_config(), "config/layers/1/inbound_nodes/0/args/0", ktensor("out"))
    return _fn_case(
        "graph_cycle",
        "h consumes out, out consumes h",
        bad,
        expect("KF303", C, "/config/layers/1/inbound_nodes/0"),
    )


@case
def graph_node_index_out_of_range() -> Case:
    bad = set_path(
        functional_config(), "config/layers/2/inbound_nodes/0/args/0", ktensor("h", node=7)
    )
    return _fn_case(
        "graph_node_index_out_of_range",
        "reference to call 7 of a layer called once",
        bad,
        expect("KF304", C, "/config/layers/2/inbound_nodes/0/args/0/config/keras_history"),
    )


@case
def graph_input_not_input_layer() -> Case:
    bad = set_path(functional_config(), "config/input_layers", ["h", 0, 0])
    return _fn_case(
        "graph_input_not_input_layer",
        "model input is a Dense layer",
        bad,
        expect("KF315", C, "/config/input_layers"),
        advisory=None,
    )


@case
def sequential_input_layer_misplaced() -> Case:
    second = base_config()["config"]["layers"][0]
    second["config"]["name"] = "input_layer_1"
    bad = with_layer(base_config(), second)
    return _config_case(
        "sequential_input_layer_misplaced",
        "second InputLayer at the end",
        cfg_bytes(bad),
        expect("KF316", C, "/config/layers/4"),
        advisory=None,
    )


@case
def layer_units_zero() -> Case:
    bad = set_path(base_config(), "config/layers/1/config/units", 0)
    return _config_case(
        "layer_units_zero",
        "Dense(units=0)",
        cfg_bytes(bad),
        expect("KF305", C, "/config/layers/1/config/units"),
        advisory=None,
    )


@case
def layer_units_absurd() -> Case:
    bad = set_path(base_config(), "config/layers/3/config/units", 10**12)
    return _config_case(
        "layer_units_absurd",
        "Dense(units=10**12): 12 TB of implied kernel",
        cfg_bytes(bad),
        expect("KF308", C, "/config/layers/3/config"),
        advisory="spec §14.4: absurd declared sizes (units = 10**12)",
    )


@case
def layer_axis_out_of_range() -> Case:
    bn = {
        "module": "keras.layers",
        "class_name": "BatchNormalization",
        "config": {"name": "bn", "axis": 5, "epsilon": 0.001},
        "registered_name": None,
        "build_config": {"input_shape": [None, 2]},
    }
    return _config_case(
        "layer_axis_out_of_range",
        "BatchNormalization axis 5 on rank-2 input",
        cfg_bytes(with_layer(base_config(), bn)),
        expect("KF309", C, "/config/layers/4/config"),
        advisory=None,
    )


@case
def builtin_foreign_registered_name() -> Case:
    bad = set_path(base_config(), "config/layers/1/registered_name", "evil>Dense")
    return _config_case(
        "builtin_foreign_registered_name",
        "keras.layers.Dense claiming a custom registered_name",
        cfg_bytes(bad),
        expect("KF307", C, "/config/layers/1"),
        advisory="keras-team/keras#22729",
    )


@case
def shared_object_id_mismatch() -> Case:
    cfg = base_config()
    cfg["config"]["layers"][1]["shared_object_id"] = 140000000000001
    cfg["config"]["layers"][2]["shared_object_id"] = 140000000000001
    return _config_case(
        "shared_object_id_mismatch",
        "a Dense and a Dropout share one id: Keras returns the Dense for both",
        cfg_bytes(cfg),
        expect("KF311", C, "/config/layers/2/shared_object_id"),
        advisory=None,
    )


@case
def layer_unknown_key() -> Case:
    bad = set_path(base_config(), "config/layers/1/config/units_per_head", 3)
    return _config_case(
        "layer_unknown_key",
        "Dense with a key Keras rejects",
        cfg_bytes(bad),
        expect("KF312", C, "/config/layers/1/config/units_per_head"),
        advisory=None,
    )


@case
def layer_required_key_missing() -> Case:
    cfg = base_config()
    del cfg["config"]["layers"][1]["config"]["units"]
    return _config_case(
        "layer_required_key_missing",
        "Dense without units",
        cfg_bytes(cfg),
        expect("KF313", C, "/config/layers/1/config"),
        advisory=None,
    )


# --------------------------------------------------------------------------- safety


def _layer_with(config_extra: dict[str, Any]) -> dict[str, Any]:
    cfg = base_config()
    cfg["config"]["layers"][1]["config"].update(config_extra)
    return cfg


@case
def lambda_bytecode() -> Case:
    """canary: the bytecode would create /tmp/kformat-canary-lambda."""
    layer = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {
            "name": "lambda",
            "function": {
                "class_name": "__lambda__",
                "config": {"code": lambda_payload("lambda"), "defaults": None, "closure": None},
            },
            "arguments": {},
        },
        "registered_name": None,
    }
    return _config_case(
        "lambda_bytecode",
        "Lambda layer carrying marshalled bytecode",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF501", C, "/config/layers/4/config/function"),
        advisory="CVE-2024-3660",
    )


@case
def lambda_bytecode_nested() -> Case:
    """canary: bytecode 40 levels down inside a custom layer's config."""
    node: Any = {
        "class_name": "__lambda__",
        "config": {"value": [lambda_payload("lambda-nested"), None, None]},
    }
    path = ""
    for i in range(40):
        node = {f"k{i}": node}
        path = f"/k{i}" + path
    layer = {
        "module": None,
        "class_name": "Holder",
        "config": {"name": "holder", "deep": node},
        "registered_name": "Custom>Holder",
    }
    return _config_case(
        "lambda_bytecode_nested",
        "__lambda__ nested 40 dicts deep",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF501", C, "/config/layers/4/config/deep" + path),
        advisory="CVE-2024-3660",
    )


@case
def lambda_tf_keras_function_type() -> Case:
    layer = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {
            "name": "lambda",
            "function": [lambda_payload("lambda-tfk"), None, None],
            "function_type": "lambda",
            "arguments": {},
        },
        "registered_name": None,
    }
    return _config_case(
        "lambda_tf_keras_function_type",
        "tf.keras Lambda (function_type 'lambda')",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF501", C, "/config/layers/4/config/function"),
        advisory="CVE-2024-3660, CVE-2025-9905",
    )


@case
def module_os_system() -> Case:
    """canary: Keras < 3.9 would import os and call system('touch …')."""
    layer = {
        "module": "os",
        "class_name": "system",
        "config": {"command": f"touch {canary('os')}"},
        "registered_name": None,
    }
    return _config_case(
        "module_os_system",
        "config names os.system",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF502", C, "/config/layers/4"),
        advisory="CVE-2025-1550",
    )


@case
def module_builtins_exec() -> Case:
    """canary: builtins.exec as an activation function."""
    act = {
        "module": "builtins",
        "class_name": "function",
        "config": "exec",
        "registered_name": "function",
        "arguments": f"open({canary('exec')!r}, 'w')",
    }
    return _config_case(
        "module_builtins_exec",
        "activation resolves to builtins.exec",
        cfg_bytes(_layer_with({"activation": act})),
        expect("KF502", C, "/config/layers/1/config/activation"),
        advisory="CVE-2025-1550",
    )


@case
def non_modeling_get_file() -> Case:
    init = {
        "module": "keras.utils",
        "class_name": "function",
        "config": "get_file",
        "registered_name": "function",
    }
    return _config_case(
        "non_modeling_get_file",
        "initializer is keras.utils.get_file (download and write a file)",
        cfg_bytes(_layer_with({"kernel_initializer": init})),
        expect("KF503", C, "/config/layers/1/config/kernel_initializer"),
        advisory="CVE-2025-8747 / GHSA-c9rc-mg46-23w3",
    )


@case
def policy_enable_unsafe() -> Case:
    obj = {
        "module": "keras.config",
        "class_name": "function",
        "config": "enable_unsafe_deserialization",
        "registered_name": "function",
    }
    return _config_case(
        "policy_enable_unsafe",
        "config calls enable_unsafe_deserialization()",
        cfg_bytes(_layer_with({"bias_initializer": obj})),
        expect("KF504", C, "/config/layers/1/config/bias_initializer"),
        advisory="CVE-2025-9906 / GHSA-36fq-jgmw-4r9c",
    )


@case
def policy_safe_mode_null() -> Case:
    layer = {
        "module": "my_layers",
        "class_name": "Wrapped",
        "config": {"name": "wrapped", "safe_mode": None},
        "registered_name": "Custom>Wrapped",
    }
    return _config_case(
        "policy_safe_mode_null",
        "custom layer config setting safe_mode=None",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF504", C, "/config/layers/4/config/safe_mode"),
        advisory="CVE-2026-12481",
    )


@case
def vocabulary_file_path() -> Case:
    layer = {
        "module": "keras.layers",
        "class_name": "StringLookup",
        "config": {"name": "lookup", "vocabulary": "/etc/passwd", "num_oov_indices": 1},
        "registered_name": None,
    }
    return _config_case(
        "vocabulary_file_path",
        "StringLookup vocabulary read from /etc/passwd",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF505", C, "/config/layers/4/config/vocabulary"),
        advisory="CVE-2025-12058",
    )


@case
def tfsm_layer() -> Case:
    layer = {
        "module": "keras.layers",
        "class_name": "TFSMLayer",
        "config": {
            "name": "tfsm",
            "filepath": "/tmp/attacker_saved_model",
            "call_endpoint": "serve",
        },
        "registered_name": None,
    }
    return _config_case(
        "tfsm_layer",
        "TFSMLayer loading an outside SavedModel",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF507", C, "/config/layers/4"),
        expect("KF505", C, "/config/layers/4/config/filepath"),
        advisory="CVE-2026-1462 / GHSA-4f3f-g24h-fr8m",
    )


@case
def torch_module_wrapper() -> Case:
    """canary: the pickle would run os.system('touch …')."""
    import base64

    layer = {
        "module": "keras.layers",
        "class_name": "TorchModuleWrapper",
        "config": {
            "name": "torch",
            "module": base64.b64encode(pickle_payload("torch")).decode("ascii"),
        },
        "registered_name": None,
    }
    return _config_case(
        "torch_module_wrapper",
        "TorchModuleWrapper with a pickled payload",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF507", C, "/config/layers/4"),
        advisory="CVE-2025-49655",
    )


@case
def npz_weights() -> Case:
    """canary: an npz whose object array pickle would run os.system."""
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (), }"
    header += b" " * (63 - len(header) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
    npy += pickle_payload("npz")
    npz = zip_bytes([("__root__.npy", npy)])
    data = zip_bytes(
        [
            (
                "metadata.json",
                cfg_bytes({"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}),
            ),
            ("config.json", cfg_bytes(base_config())),
            ("model.weights.npz", npz),
        ]
    )
    return simple(
        "npz_weights",
        "model.weights.npz holding a pickled object array",
        data,
        expect("KF506", "model.weights.npz"),
        advisory="spec §14.4: npz weights holding pickled object arrays",
    )


@case
def typespec() -> Case:
    spec = {
        "class_name": "__typespec__",
        "spec_name": "TensorSpec",
        "module": "tensorflow.python.framework.tensor",
        "config": [[None, 4], "float32", None],
        "registered_name": None,
    }
    layer = {
        "module": "my_layers",
        "class_name": "Typed",
        "config": {"name": "typed", "spec": spec},
        "registered_name": "Custom>Typed",
    }
    return _config_case(
        "typespec",
        "__typespec__ naming a TensorFlow module",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF508", C, "/config/layers/4/config/spec"),
        advisory="spec §9.2: nothing resolved outside the allow-list",
    )
