"""Runtime cases in the other layouts and in the forms older Keras versions wrote.

The models come from conf_models / conf_models2; the transforms from conf_quirks.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from conf_kit import CaseDef
from conf_models import MODELS
from conf_quirks import keras2_nodes, keras30, tf_keras, unmarked_bfloat16, without_input_layer
from conf_runtime import Builder, Built, make_runtime_case

KF314_MODULE = ("KF314", "config.json", "/module")
KWARGS = (
    "Keras 3's legacy (list) node reader does not turn tensor references in kwargs into tensors"
)
OFFSET = (
    "Keras 3's legacy node reader does not apply the Keras 2 nested-model node offset (spec 5.6)"
)
TF_MODULE = "Keras 3 cannot import the Keras 2 Functional module (spec 13.3, KF314)"


def _variant(name: str, base: str, description: str, **kw: object) -> CaseDef:
    _, builder = MODELS[base]
    return make_runtime_case(name, description, builder, **kw)  # type: ignore[arg-type]


def _with_warnings(builder: Builder, warnings: list[tuple[str, str, str]]) -> Builder:
    @functools.wraps(builder)
    def wrapped(K: Any, rng: np.random.Generator) -> Built:
        built = builder(K, rng)
        built.warnings = list(warnings)
        return built

    return wrapped


def runtime_variants() -> list[CaseDef]:
    out = [
        _variant(
            "layout_directory",
            "dense_sequential",
            "dense_sequential saved unzipped (model.save(path, zipped=False))",
            layout="directory",
        ),
        _variant(
            "layout_weights_h5",
            "batchnorm_axis1",
            "batchnorm_axis1 as a weights-only .weights.h5 (architecture in model.keras)",
            layout="weights_h5",
        ),
        _variant(
            "layout_sharded",
            "transformer_block",
            "transformer_block as sharded weights (600-byte shards; groups straddle shards)",
            layout="sharded",
        ),
        _variant(
            "layout_sharded_nested",
            "nested_sequential_in_functional",
            "nested_sequential_in_functional as sharded weights",
            layout="sharded",
        ),
        _variant(
            "keras30_mha_cross",
            "mha_cross",
            "mha_cross as Keras 3.0.1 writes it: implementation modules, string dtypes, "
            "_query_dense paths, wrapped input_layers, no vars name attributes",
            transform=keras30,
        ),
        _variant(
            "keras30_sequential",
            "dense_sequential",
            "dense_sequential as Keras 3.0.1 writes it",
            transform=keras30,
        ),
        _variant(
            "keras30_nested_functional",
            "nested_functional_in_functional",
            "nested_functional_in_functional as Keras 3.0.1 writes it",
            transform=keras30,
        ),
        _variant(
            "sequential_no_input_layer",
            "dense_sequential",
            "a Sequential config without an InputLayer (built from build_input_shape)",
            transform=without_input_layer,
        ),
        _variant(
            "keras2_nodes_merge",
            "merge_three_inputs",
            "merge_three_inputs with Keras 2 list nodes ([[name, node, tensor, kwargs]])",
            transform=keras2_nodes,
        ),
        _variant(
            "keras2_nodes_mha_key",
            "mha_key_separate",
            "mha_key_separate with Keras 2 nodes: value and key folded into kwargs",
            transform=keras2_nodes,
            keras_loads=KWARGS,
        ),
        _variant(
            "keras2_nodes_causal",
            "mha_causal",
            "mha_causal with Keras 2 nodes: use_causal_mask in the entry kwargs",
            transform=keras2_nodes,
            keras_loads=KWARGS,
        ),
        _variant(
            "keras2_nodes_nested_functional",
            "nested_functional_in_functional",
            "nested Functional with Keras 2 nodes: the nested model's node index is 1",
            transform=keras2_nodes,
            keras_loads=OFFSET,
        ),
        _variant(
            "keras2_nodes_nested_sequential",
            "nested_sequential_in_functional",
            "nested Sequential (built on an InputLayer) with Keras 2 nodes: node index 1 "
            "in nodes and in output_layers",
            transform=keras2_nodes,
            keras_loads=OFFSET,
        ),
        _variant(
            "keras2_nodes_nested_twice",
            "nested_model_called_twice",
            "a nested model called twice with Keras 2 nodes: node indices 1 and 2",
            transform=keras2_nodes,
            keras_loads=OFFSET,
        ),
        _variant(
            "keras2_nodes_shared_chain",
            "shared_layer_chain",
            "one layer applied twice with Keras 2 nodes",
            transform=keras2_nodes,
        ),
        _variant(
            "unmarked_bfloat16",
            "policy_bfloat16",
            "bfloat16 variables as bare 2-byte opaque data (Keras 3.0.0-3.0.4); the "
            "layers' bfloat16 policy says how to read them",
            transform=unmarked_bfloat16,
            keras_loads="Keras 3.15 cannot cast bare opaque data (No cast function available)",
        ),
    ]
    tf = _with_warnings(MODELS["transformer_block"][1], [KF314_MODULE])
    out.append(
        make_runtime_case(
            "tf_keras_transformer_block",
            "transformer_block as tf_keras 2.15 writes it (module tf_keras.src.engine.functional, "
            "Keras 2 nodes, batch_input_shape, string dtypes, _query_dense paths)",
            tf,
            transform=tf_keras,
            keras_loads=TF_MODULE,
        )
    )
    tfk = _with_warnings(MODELS["activations"][1], [KF314_MODULE])
    out.append(
        make_runtime_case(
            "tf_keras_activations",
            "activations as tf_keras 2.15 writes it: names mean the Keras 2 functions "
            "(hard_sigmoid is clip(0.2 x + 0.5, 0, 1))",
            tfk,
            transform=tf_keras,
            keras_loads=TF_MODULE,
        )
    )
    ckpt = _with_warnings(
        MODELS["nested_sequential_in_functional"][1], [("KF314", "config.json", "/module")]
    )
    out.append(
        make_runtime_case(
            "tf_keras_layer_checkpoint_dependencies",
            "nested_sequential_in_functional as tf.keras 2.14 writes it: weights under "
            "_layer_checkpoint_dependencies",
            ckpt,
            transform=functools.partial(tf_keras, version="2.14.1", checkpoint=True),
            keras_loads=TF_MODULE,
        )
    )
    return out
