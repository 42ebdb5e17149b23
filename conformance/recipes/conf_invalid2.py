"""Invalid cases, part 2: format-correctness faults across layers, node forms and versions.

The hostile corpus holds one case per error rule; these add the faults a converter is
likely to make — a missing MultiHeadAttention projection, a BatchNormalization vector of the
wrong length, a node index without the Keras 2 nested-model offset, a bad key in a layer the
hostile corpus does not use — each breaking exactly one rule.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
from typing import Any

import h5py
import numpy as np
from conf_invalid import C, W, invalid, keras_file, seq, with_config, with_weights
from conf_kit import CaseDef, h5_bytes, issue, layout_files
from conf_quirks import keras2_nodes, keras30, tf_keras
from conf_runtime import Built, base_archive, prepare

import kformat


def _nested_output(K: Any, rng: np.random.Generator) -> Built:
    """x -> inner Functional (Dense) as the model's output: output_layers ['inner', 1, 0]."""
    i = K.Input((4,), name="inner_in")
    inner = K.Model(i, K.layers.Dense(3, name="d1")(i), name="inner")
    x = K.Input((4,), name="x")
    return Built(K.Model(x, inner(x)), {"x": rng.standard_normal((2, 4)).astype("float32")})


def _entry(config: dict[str, Any], name: str) -> dict[str, Any]:
    for entry in config["config"]["layers"]:
        if entry.get("name", entry["config"].get("name")) == name:
            found: dict[str, Any] = entry
            return found
    raise KeyError(name)


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


def weight_cases() -> list[CaseDef]:
    mha = base_archive("mha_cross", "kf420")
    mq = "/layers/multi_head_attention/query_dense/vars/0"
    legacy = keras30(base_archive("mha_cross", "kf422_legacy"))
    lq = "/layers/multi_head_attention/_query_dense/vars/0"
    bn = base_archive("batchnorm_axis1", "kf422_bn")
    ln = base_archive("layernorm_last_axis", "kf421")
    nested = base_archive("nested_sequential_in_functional", "kf420_ckpt")
    ckpt = tf_keras(nested, version="2.14.1", checkpoint=True)
    cb = "/_layer_checkpoint_dependencies/sequential/_layer_checkpoint_dependencies/batch_normalization/vars/3"
    base = seq()
    return [
        invalid(
            "weights",
            "mha_projection_variable_missing",
            "MultiHeadAttention's key projection without its bias",
            "KF420",
            keras_file(with_weights(mha, drop=("/layers/multi_head_attention/key_dense/vars/1",))),
            [issue("KF420", W, "/layers/multi_head_attention/key_dense/vars/1")],
        ),
        invalid(
            "weights",
            "mha_query_kernel_shape",
            "MultiHeadAttention query kernel of shape (8, 2, 5) where the config implies (8, 2, 4)",
            "KF422",
            keras_file(with_weights(mha, {mq: np.zeros((8, 2, 5), "float32")})),
            [issue("KF422", W, mq)],
        ),
        invalid(
            "weights",
            "mha_legacy_alias_shape",
            "Keras 3.0.1 layout (_query_dense): the "
            "query kernel has the wrong shape at the alias path",
            "KF422",
            keras_file(with_weights(legacy, {lq: np.zeros((8, 3, 4), "float32")})),
            [issue("KF422", W, lq)],
        ),
        invalid(
            "weights",
            "batchnorm_gamma_length",
            "BatchNormalization(axis=1) gamma of length 5 where the axis has 4",
            "KF422",
            keras_file(
                with_weights(bn, {"/layers/batch_normalization/vars/0": np.ones(5, "float32")})
            ),
            [issue("KF422", W, "/layers/batch_normalization/vars/0")],
        ),
        invalid(
            "weights",
            "layernorm_extra_variable",
            "LayerNormalization with a third dataset vars/2",
            "KF421",
            keras_file(
                with_weights(ln, {"/layers/layer_normalization/vars/2": np.ones(6, "float32")})
            ),
            [issue("KF421", W, "/layers/layer_normalization/vars/2")],
        ),
        invalid(
            "weights",
            "vars_subgroup",
            "a sub-group inside a vars group",
            "KF421",
            keras_file(with_weights(base, {"/layers/dense/vars/extra/0": np.ones(2, "float32")})),
            [issue("KF421", W, "/layers/dense/vars/extra")],
        ),
        invalid(
            "weights",
            "layer_checkpoint_variable_missing",
            "tf.keras 2.14 layout "
            "(_layer_checkpoint_dependencies): a nested BatchNormalization without "
            "moving_variance",
            "KF420",
            keras_file(with_weights(ckpt, drop=(cb,))),
            [issue("KF420", W, cb)],
        ),
        invalid(
            "weights",
            "link_name_with_slash",
            "an HDF5 link whose name contains '/' "
            "(patched into the file; HDF5's API refuses to create one)",
            "KF404",
            {"model.weights.h5": _slash_link()},
            [issue("KF404", "model.weights.h5", "/layers/extra/z/")],
            layout="weights_h5",
        ),
        invalid(
            "weights",
            "not_keras_layout",
            "an arbitrary HDF5 file as .weights.h5: one dataset /x, no /layers or /vars group",
            "KF437",
            {"model.weights.h5": h5_bytes(lambda f: f.create_dataset("x", data=np.arange(3.0)))},
            [issue("KF437", "model.weights.h5", "/")],
            layout="weights_h5",
        ),
    ]


def _slash_link() -> bytes:
    """A .weights.h5 whose link ``zz`` is renamed ``z/`` in the group's local heap (HDF5
    stores old-style group link names as plain NUL-terminated strings, no checksum)."""
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_dataset("layers/dense/vars/0", data=np.ones((2, 2), "float32"))
        f.create_dataset("layers/extra/zz", data=np.ones(2, "float32"))
    data = buf.getvalue()
    assert data.count(b"zz\x00") == 1
    return data.replace(b"zz\x00", b"z/\x00")


def sharded_cases() -> list[CaseDef]:
    arc = dataclasses.replace(seq(), config=None, metadata=None, layout="sharded")
    files = layout_files(arc, "sharded", max_shard_size=128 / 1024**3)
    index = json.loads(files["model.weights.json"])

    def variant(edit: Any) -> dict[str, bytes]:
        doc = copy.deepcopy(index)
        edit(doc)
        return {**files, "model.weights.json": json.dumps(doc, indent=4).encode()}

    def rename(doc: dict[str, Any]) -> None:
        doc["weight_map"] = {
            k: ["part_a.weights.h5" if s == "model_00000.weights.h5" else s for s in v]
            for k, v in doc["weight_map"].items()
        }

    renamed = variant(rename)
    renamed["part_a.weights.h5"] = renamed.pop("model_00000.weights.h5")
    return [
        invalid(
            "sharded",
            "index_schema",
            "metadata.total_size given as a string, not a number",
            "KF601",
            variant(lambda d: d["metadata"].__setitem__("total_size", "1024")),
            [issue("KF601", "model.weights.json", "/metadata/total_size")],
            layout="sharded",
        ),
        invalid(
            "sharded",
            "shard_name_pattern",
            "a shard named part_a.weights.h5, not model_NNNNN.weights.h5",
            "KF607",
            renamed,
            [
                issue(
                    "KF607",
                    "model.weights.json",
                    _pointer(index, "model_00000.weights.h5"),
                    "warning",
                )
            ],
            layout="sharded",
        ),
        invalid(
            "sharded",
            "total_size_wrong",
            "metadata.total_size differs from the stored weights",
            "KF608",
            variant(lambda d: d["metadata"].__setitem__("total_size", 1.0)),
            [issue("KF608", "model.weights.json", "/metadata/total_size", "warning")],
            layout="sharded",
        ),
    ]


def _pointer(index: dict[str, Any], shard: str) -> str:
    key: str
    for key, shards in index["weight_map"].items():
        if shard in shards:
            return (
                "/weight_map/"
                + key.replace("~", "~0").replace("/", "~1")
                + f"/{shards.index(shard)}"
            )
    raise KeyError(shard)


def cases() -> list[CaseDef]:
    return graph_cases() + field_cases() + weight_cases() + sharded_cases()
