"""Per-layer config checks (kformat/validate/_layers.py, _fields.py; spec §5.8-5.9)."""

from __future__ import annotations

from typing import Any

import pytest

from kformat.validate._layers import layer_issues, tree_issues


def model(*layers: dict[str, Any]) -> dict[str, Any]:
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "s", "layers": list(layers)},
        "registered_name": None,
    }


def layer(
    cls: str, build: Any = None, module: str = "keras.layers", **config: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "module": module,
        "class_name": cls,
        "config": {"name": "l", **config},
        "registered_name": None,
    }
    if build is not None:
        out["build_config"] = {"input_shape": build}
    return out


def found(*layers: dict[str, Any]) -> list[tuple[str, str | None]]:
    custom: list[str] = []
    return [(i.code, i.path) for i in layer_issues(model(*layers), custom)]


P = "/config/layers/0/config"

BAD = [
    (layer("Dense", units=0), "KF305", f"{P}/units"),
    (layer("Dense", units="8"), "KF305", f"{P}/units"),
    (layer("Dense", units=True), "KF305", f"{P}/units"),
    (layer("Dense", units=3, use_bias="yes"), "KF305", f"{P}/use_bias"),
    (layer("Dense", units=3, activation=7), "KF305", f"{P}/activation"),
    (layer("Dense", units=3, trainable="no"), "KF305", f"{P}/trainable"),
    (layer("Dense", units=3, dtype="float31"), "KF305", f"{P}/dtype"),
    (
        layer(
            "Dense",
            units=3,
            dtype={"module": "keras", "class_name": "DTypePolicy", "config": {"name": "half"}},
        ),
        "KF305",
        f"{P}/dtype",
    ),
    (layer("Dropout", rate=1.5), "KF305", f"{P}/rate"),
    (layer("Dropout", rate=float("nan")), "KF305", f"{P}/rate"),
    (layer("MultiHeadAttention", num_heads=0, key_dim=2), "KF305", f"{P}/num_heads"),
    (layer("MultiHeadAttention", num_heads=2, key_dim=2, dropout=1.0), "KF305", f"{P}/dropout"),
    (layer("BatchNormalization", epsilon=0), "KF305", f"{P}/epsilon"),
    (layer("BatchNormalization", momentum=2), "KF305", f"{P}/momentum"),
    (layer("LayerNormalization", axis=[1, 1]), "KF305", f"{P}/axis"),
    (layer("Embedding", input_dim=0, output_dim=2), "KF305", f"{P}/input_dim"),
    (layer("EinsumDense", equation="ab->b", output_shape=2), "KF305", f"{P}/equation"),
    (
        layer("EinsumDense", equation="ab,bc->ac", output_shape=2, bias_axes="z"),
        "KF305",
        f"{P}/bias_axes",
    ),
    (layer("InputLayer", batch_shape=[None, -1]), "KF305", f"{P}/batch_shape"),
    (layer("Dense", units=3, kernel_size=3), "KF312", f"{P}/kernel_size"),
    (layer("Dense"), "KF313", P),
    (layer("EinsumDense", equation="ab,bc->ac"), "KF313", P),
    (layer("InputLayer", dtype="float32"), "KF313", P),
    (layer("Embedding", input_dim=3, output_dim=2, input_length=4), "KF314", f"{P}/input_length"),
    (layer("Dense", units=3, batch_input_shape=[None, 4]), "KF314", f"{P}/batch_input_shape"),
    (layer("TFOpLambda", function="math.add"), "KF314", "/config/layers/0"),
    (layer("InputLayer", batch_shape=[]), "KF309", f"{P}/batch_shape"),
    (
        layer("EinsumDense", [None, 4, 5], equation="ab,bc->ac", output_shape=2),
        "KF309",
        f"{P}/equation",
    ),
    (
        {
            **layer("MultiHeadAttention", num_heads=2, key_dim=2, attention_axes=[5]),
            "build_config": {
                "shapes_dict": {"query_shape": [None, 3, 4], "value_shape": [None, 3, 4]}
            },
        },
        "KF309",
        f"{P}/attention_axes",
    ),
    (layer("Permute", dims=[1, 3]), "KF305", f"{P}/dims"),
    (layer("Reshape", target_shape=[-1, -1]), "KF305", f"{P}/target_shape"),
    (layer("Reshape"), "KF313", P),
    (layer("Flatten", data_format="channels_middle"), "KF305", f"{P}/data_format"),
    (layer("ReLU", max_value=-1), "KF305", f"{P}/max_value"),
    (layer("LeakyReLU", negative_slope=-0.1), "KF305", f"{P}/negative_slope"),
    (layer("LeakyReLU", alpha=0.1), "KF314", f"{P}/alpha"),
    (layer("Softmax", axis=[1, 1]), "KF305", f"{P}/axis"),
    (layer("Concatenate", axis="last"), "KF305", f"{P}/axis"),
    (layer("Dot", axes=[1, 2, 3]), "KF305", f"{P}/axes"),
    (layer("Dot"), "KF313", P),
    (layer("Add", axis=1), "KF312", f"{P}/axis"),
    (layer("ReversibleEmbedding", input_dim=4, output_dim=2), "KF310", "/config/layers/0"),
    (layer("Dense", units=3, activation="swishy"), "KF306", f"{P}/activation"),
    (
        layer("Dense", units=3, kernel_initializer="glorot_magic"),
        "KF306",
        f"{P}/kernel_initializer",
    ),
]


@pytest.mark.parametrize(
    ("entry", "code", "path"), BAD, ids=[f"{c}-{i}" for i, (_, c, _) in enumerate(BAD)]
)
def test_bad_layer(entry: dict[str, Any], code: str, path: str) -> None:
    assert (code, path) in found(entry)


GOOD = [
    layer(
        "Dense",
        [None, 4],
        units=3,
        activation="relu",
        use_bias=False,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        lora_rank=None,
    ),
    layer(
        "Dense",
        units=3,
        activation={
            "module": "builtins",
            "class_name": "function",
            "config": "Custom>act",
            "registered_name": "function",
        },
    ),
    layer("Dropout", rate=0.0, seed=None, noise_shape=None),
    layer(
        "EinsumDense", [None, 5, 4], equation="...b,bc->...c", output_shape=[None, 2], bias_axes="c"
    ),
    layer("InputLayer", batch_input_shape=[None, 4], ragged=False, sparse=False),
    layer("InputLayer", batch_shape=[None, 4], dtype="string", optional=False),
    layer(
        "BatchNormalization",
        axis=[1],
        momentum=0.99,
        epsilon=0.001,
        renorm=False,
        renorm_clipping=None,
        renorm_momentum=0.99,
        synchronized=False,
    ),
    layer("LayerNormalization", axis=[-1], epsilon=1e-6, rms_scaling=True),
    layer(
        "MultiHeadAttention",
        num_heads=2,
        key_dim=4,
        value_dim=None,
        output_shape=[3],
        attention_axes=[1],
        use_gate=False,
        sliding_window=None,
        seed=1,
    ),
    layer("Embedding", input_dim=10, output_dim=4, mask_zero=True),
    layer("Activation", activation="gelu", dtype="mixed_bfloat16"),
    layer(
        "Add",
        dtype={
            "module": "keras",
            "class_name": "QuantizedDTypePolicy",
            "config": {"mode": "int4/128", "source_name": "float32"},
        },
    ),
    layer("Flatten", data_format="CHANNELS_FIRST"),
    layer("ActivityRegularization", l1=0.01, l2=0.0),
    layer("ScaleShift", module="my_pkg", shift="not checked: custom"),
    layer("Add", module="keras.src.ops.numpy"),
]


@pytest.mark.parametrize("entry", GOOD, ids=[str(i) for i in range(len(GOOD))])
def test_good_layer(entry: dict[str, Any]) -> None:
    assert found(entry) == []


def test_shared_object_ids_and_keras2_modules() -> None:
    a = layer("Dense", units=1) | {"shared_object_id": 7}
    b = layer("Dropout", rate=0.1) | {"shared_object_id": 7}
    c = layer("Dense", units=1) | {"shared_object_id": 7}
    tree = model(a, b, c)
    tree["module"] = "tf_keras.src.engine.sequential"
    got = [(i.code, i.path) for i in tree_issues(tree)]
    assert got == [("KF314", "/module"), ("KF311", "/config/layers/1/shared_object_id")]
