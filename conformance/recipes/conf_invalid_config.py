"""Invalid cases in config.json: the config warnings, the functional graph (node forms across
Keras versions, the Keras 2 nested-model offset) and layer fields out of range.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from conf_invalid_kit import C, invalid, keras_file, seq, with_config, with_weights
from conf_kit import (
    CaseDef,
    issue,
)
from conf_models import base_archive
from conf_quirks import keras2_nodes
from conf_runtime import Built, prepare

import kformat


def _entry(config: dict[str, Any], name: str) -> dict[str, Any]:
    for entry in config["config"]["layers"]:
        if entry.get("name", entry["config"].get("name")) == name:
            found: dict[str, Any] = entry
            return found
    raise KeyError(name)


# --------------------------------------------------------------------------- config warnings


def config_warnings() -> list[CaseDef]:
    base = seq()

    def custom_activation(c: dict[str, Any]) -> None:
        c["config"]["layers"][1]["config"]["activation"] = {
            "module": "builtins",
            "class_name": "function",
            "config": "Custom>my_act",
            "registered_name": "function",
        }

    def custom_layer(c: dict[str, Any]) -> None:
        c["config"]["layers"].insert(
            2,
            {
                "module": "my_pkg.layers",
                "class_name": "Scale",
                "config": {"name": "scale", "trainable": True, "dtype": "float32", "factor": 2.0},
                "registered_name": "MyPkg>Scale",
                "build_config": {"input_shape": [None, 5]},
            },
        )

    def builtin_unmodelled(c: dict[str, Any]) -> None:
        c["config"]["layers"].insert(
            2,
            {
                "module": "keras.layers",
                "class_name": "Reshape",
                "config": {
                    "name": "reshape",
                    "trainable": True,
                    "dtype": "float32",
                    "target_shape": [5, 1],
                },
                "registered_name": None,
                "build_config": {"input_shape": [None, 5]},
            },
        )
        c["config"]["layers"].insert(
            3,
            {
                "module": "keras.layers",
                "class_name": "ReversibleEmbedding",
                "config": {
                    "name": "reversible_embedding",
                    "trainable": True,
                    "dtype": "float32",
                    "input_dim": 4,
                    "output_dim": 8,
                    "tie_weights": True,
                },
                "registered_name": None,
                "build_config": {"input_shape": [None, 5, 1]},
            },
        )

    def batch_input_shape(c: dict[str, Any]) -> None:
        c["config"]["layers"][1]["config"]["batch_input_shape"] = [None, 6]

    scale_group = {"/layers/scale/vars": {"name": "scale"}}
    # A built-in kformat does not model (ReversibleEmbedding, keras_hub's tied
    # embedding made a Keras layer in 3.x): its one variable, embeddings (4, 8).
    unmodelled_w = {
        "/layers/reversible_embedding/vars/0": np.full((4, 8), 0.5, "float32"),
    }
    unmodelled_g = {
        "/layers/reshape/vars": {"name": "reshape"},
        "/layers/reversible_embedding/vars": {"name": "reversible_embedding"},
    }
    url = with_config(
        base, lambda c: c["compile_config"].update({"loss": "https://example.com/losses/huber.py"})
    )
    return [
        invalid(
            "config",
            "custom_activation_function",
            "Dense activation names a registered custom function 'Custom>my_act'",
            "KF306",
            keras_file(with_config(base, custom_activation)),
            [issue("KF306", C, "/config/layers/1/config/activation", "warning")],
        ),
        invalid(
            "config",
            "custom_layer_class",
            "a registered custom layer 'MyPkg>Scale' from module my_pkg.layers (weightless)",
            "KF306",
            keras_file(with_weights(with_config(base, custom_layer), groups=scale_group)),
            [issue("KF306", C, "/config/layers/2", "warning")],
        ),
        invalid(
            "config",
            "builtin_not_modelled",
            "a ReversibleEmbedding layer: a Keras built-in kformat does "
            "not model (its variables are not checked)",
            "KF310",
            keras_file(
                with_weights(
                    with_config(base, builtin_unmodelled), unmodelled_w, groups=unmodelled_g
                )
            ),
            [issue("KF310", C, "/config/layers/3", "warning")],
        ),
        invalid(
            "config",
            "batch_input_shape_on_dense",
            "tf_keras' batch_input_shape on the "
            "first non-Input layer of a Sequential (Keras 3 cannot load it)",
            "KF314",
            keras_file(with_config(base, batch_input_shape)),
            [issue("KF314", C, "/config/layers/1/config/batch_input_shape", "warning")],
        ),
        invalid(
            "config",
            "string_looks_like_url",
            "a config string that looks like a URL (compile_config loss)",
            "KF509",
            keras_file(url),
            [issue("KF509", C, "/compile_config/loss", "warning")],
        ),
    ]


# --------------------------------------------------------------------------- functional graph


def _nested_output(K: Any, rng: np.random.Generator) -> Built:
    """x -> inner Functional (Dense) as the model's output: output_layers ['inner', 1, 0]."""
    i = K.Input((4,), name="inner_in")
    inner = K.Model(i, K.layers.Dense(3, name="d1")(i), name="inner")
    x = K.Input((4,), name="x")
    return Built(K.Model(x, inner(x)), {"x": rng.standard_normal((2, 4)).astype("float32")})


def graph_cases() -> list[CaseDef]:
    nested = base_archive("nested_functional_in_functional", "kf304")
    k2 = keras2_nodes(nested)

    def no_offset(c: dict[str, Any]) -> None:
        _entry(c, "out")["inbound_nodes"][0][0][1] = 0

    _, _, out_arc = prepare("kf304_out", _nested_output)

    def k3_no_offset(c: dict[str, Any]) -> None:
        c["config"]["output_layers"] = ["inner", 0, 0]

    k2_merge = keras2_nodes(base_archive("merge_three_inputs", "kf301"))

    def unknown(c: dict[str, Any]) -> None:
        _entry(c, "add")["inbound_nodes"][0][2][0] = "nope"

    def dup(c: dict[str, Any]) -> None:
        c["config"]["layers"][2]["config"]["name"] = "dense"

    return [
        invalid(
            "config",
            "keras2_nested_offset_missing",
            "Keras 2 nodes: a nested Functional "
            "referenced with node index 0 (Keras 2 counts its own node: 1 is the first "
            "call, spec 5.6)",
            "KF304",
            keras_file(with_config(k2, no_offset)),
            [issue("KF304", C, "/config/layers/2/inbound_nodes/0/0")],
        ),
        invalid(
            "config",
            "keras3_output_offset_missing",
            "Keras 3 output_layers naming a nested "
            "Functional with node index 0 (output_layers count its built-in node, spec 5.6)",
            "KF304",
            keras_file(with_config(out_arc, k3_no_offset)),
            [issue("KF304", C, "/config/output_layers")],
        ),
        invalid(
            "config",
            "keras2_node_unknown_layer",
            "Keras 2 nodes: an entry naming a layer that does not exist",
            "KF301",
            keras_file(with_config(k2_merge, unknown)),
            [issue("KF301", C, "/config/layers/3/inbound_nodes/0/2")],
        ),
        invalid(
            "config",
            "sequential_duplicate_name",
            "two layers of a Sequential named 'dense'",
            "KF302",
            keras_file(with_config(seq(), dup)),
            [issue("KF302", C, "/config/layers/2/config/name")],
        ),
    ]


# --------------------------------------------------------------------------- layer fields


def field_cases() -> list[CaseDef]:
    def set_cfg(model: str, layer: str, key: str, value: Any) -> kformat.KerasArchive:
        arc = base_archive(model, f"field_{layer}_{key}")
        return with_config(arc, lambda c: _entry(c, layer)["config"].__setitem__(key, value))

    def drop_cfg(model: str, layer: str, key: str) -> kformat.KerasArchive:
        arc = base_archive(model, f"drop_{layer}_{key}")
        return with_config(arc, lambda c: _entry(c, layer)["config"].pop(key))

    def ptr(model: str, layer: str, key: str | None = None) -> str:
        config = base_archive(model, "ptr").config
        assert config is not None
        names = [e.get("name", e["config"].get("name")) for e in config["config"]["layers"]]
        return f"/config/layers/{names.index(layer)}" + (f"/config/{key}" if key else "")

    return [
        invalid(
            "config",
            "dropout_rate_out_of_range",
            "Dropout rate 1.5 (must be in [0, 1])",
            "KF305",
            keras_file(set_cfg("dropout", "dropout", "rate", 1.5)),
            [issue("KF305", C, ptr("dropout", "dropout", "rate"))],
        ),
        invalid(
            "config",
            "mha_num_heads_zero",
            "MultiHeadAttention num_heads 0",
            "KF305",
            keras_file(set_cfg("mha_self", "mha", "num_heads", 0)),
            [issue("KF305", C, ptr("mha_self", "mha", "num_heads"))],
        ),
        invalid(
            "config",
            "einsum_bias_axis_not_in_output",
            "EinsumDense bias_axes 'x', a letter missing from the equation's output",
            "KF305",
            keras_file(set_cfg("einsum_dense_matmul", "ed", "bias_axes", "x")),
            [issue("KF305", C, ptr("einsum_dense_matmul", "ed", "bias_axes"))],
        ),
        invalid(
            "config",
            "layernorm_axis_out_of_range",
            "LayerNormalization axis [3] on a rank-3 input",
            "KF309",
            keras_file(set_cfg("layernorm_last_axis", "ln", "axis", [3])),
            [issue("KF309", C, ptr("layernorm_last_axis", "ln") + "/config")],
        ),
        invalid(
            "config",
            "mha_attention_axes_out_of_range",
            "MultiHeadAttention attention_axes [4] on rank-4 inputs",
            "KF309",
            keras_file(set_cfg("mha_attention_axes", "mha", "attention_axes", [4])),
            [issue("KF309", C, ptr("mha_attention_axes", "mha", "attention_axes"))],
        ),
        invalid(
            "config",
            "einsum_equation_rank_mismatch",
            "EinsumDense equation 'abc,cd->abd' (bias_axes 'd') on a rank-2 input",
            "KF309",
            keras_file(
                with_config(
                    set_cfg("einsum_dense_matmul", "ed", "equation", "abc,cd->abd"),
                    lambda c: _entry(c, "ed")["config"].__setitem__("bias_axes", "d"),
                )
            ),
            [issue("KF309", C, ptr("einsum_dense_matmul", "ed", "equation"))],
        ),
        invalid(
            "config",
            "batchnorm_unknown_key",
            "BatchNormalization with an unknown key "
            "'fused' (Keras 3 raises 'Unrecognized keyword arguments')",
            "KF312",
            keras_file(set_cfg("batchnorm_last_axis", "bn", "fused", True)),
            [issue("KF312", C, ptr("batchnorm_last_axis", "bn", "fused"))],
        ),
        invalid(
            "config",
            "einsum_missing_equation",
            "EinsumDense without its required 'equation'",
            "KF313",
            keras_file(drop_cfg("einsum_dense_matmul", "ed", "equation")),
            [issue("KF313", C, ptr("einsum_dense_matmul", "ed") + "/config")],
        ),
        invalid(
            "config",
            "tf_keras_policy_dict",
            "a tf_keras Policy dtype dict "
            "(keras.mixed_precision Policy mixed_float16) Keras 3 cannot load",
            "KF314",
            keras_file(
                set_cfg(
                    "dense_no_bias",
                    "dense_nb",
                    "dtype",
                    {
                        "module": "keras.mixed_precision",
                        "class_name": "Policy",
                        "config": {"name": "mixed_float16"},
                        "registered_name": None,
                    },
                )
            ),
            [issue("KF314", C, ptr("dense_no_bias", "dense_nb", "dtype"), "warning")],
        ),
    ]
