"""Output shapes of the pooling, up-sampling, padding and cropping definitions
(what the validator follows) against Keras' ``compute_output_shape``, unknown
dimensions included, and the validator following them through a Sequential
model whose layers record no build shape."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kformat import layers as catalogue
from kformat.validate._derive import sequential_shapes

pytestmark = pytest.mark.oracle

CASES: list[tuple[str, dict[str, Any], tuple[int | None, ...]]] = [
    ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, (None, 9, 3)),
    ("AveragePooling2D", {"pool_size": (3, 2), "padding": "valid"}, (2, 7, None, 3)),
    (
        "MaxPooling3D",
        {"pool_size": 2, "strides": (1, 2, 3), "data_format": "channels_first"},
        (None, 3, 5, 6, 7),
    ),
    ("GlobalAveragePooling3D", {"keepdims": True}, (None, 2, 3, 4, 5)),
    ("GlobalMaxPooling2D", {"data_format": "channels_first"}, (None, 3, 4, 5)),
    ("AdaptiveMaxPooling2D", {"output_size": (3, 2)}, (None, 7, 5, 3)),
    (
        "AdaptiveAveragePooling3D",
        {"output_size": 2, "data_format": "channels_first"},
        (1, 3, 4, 5, 6),
    ),
    ("UpSampling1D", {"size": 3}, (None, 4, 2)),
    ("UpSampling2D", {"size": (2, 3), "data_format": "channels_first"}, (None, 3, None, 5)),
    ("UpSampling3D", {"size": (1, 2, 3)}, (None, 2, 3, 4, 1)),
    ("ZeroPadding1D", {"padding": (1, 2)}, (None, 4, 3)),
    (
        "ZeroPadding2D",
        {"padding": ((1, 0), (2, 3)), "data_format": "channels_first"},
        (None, 3, 4, 5),
    ),
    ("ZeroPadding3D", {"padding": (1, 2, 0)}, (None, None, 3, 4, 2)),
    ("Cropping1D", {"cropping": (2, 1)}, (None, 6, 3)),
    ("Cropping2D", {"cropping": 1}, (None, 4, 5, 3)),
    (
        "Cropping3D",
        {"cropping": ((1, 0), (0, 2), (1, 1)), "data_format": "channels_first"},
        (None, 2, 3, 4, 5),
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "shape"), CASES)
def test_output_shape_matches_keras(
    keras: Any, name: str, kwargs: dict[str, Any], shape: Any
) -> None:
    layer = getattr(keras.layers, name)(**kwargs)
    config = json.loads(json.dumps(layer.get_config()))  # as a file holds it
    want = tuple(layer.compute_output_shape(shape))
    assert catalogue.REGISTRY[name].output_shape(config, shape) == want


@pytest.mark.parametrize(
    ("name", "config", "shape"),
    [
        ("MaxPooling2D", {"pool_size": 4}, (None, 3, 3, 1)),  # window larger than the input
        ("MaxPooling2D", {"pool_size": 2, "padding": "SAME"}, (None, 4, 4, 1)),
        ("Cropping1D", {"cropping": [2, 2]}, (None, 4, 1)),  # nothing left
        ("ZeroPadding2D", {"padding": "1"}, (None, 4, 4, 1)),
        ("UpSampling2D", {"size": [2]}, (None, 4, 4, 1)),
        ("GlobalMaxPooling1D", {"data_format": 3}, (None, 4, 1)),
        ("AdaptiveMaxPooling1D", {"output_size": 0}, (None, 4, 1)),
        ("AveragePooling1D", {"pool_size": 2}, (None, 4, 4, 1)),  # wrong rank
    ],
)
def test_output_shape_is_none_where_keras_cannot_build(
    name: str, config: dict[str, Any], shape: Any
) -> None:
    assert catalogue.REGISTRY[name].output_shape(config, shape) is None


def test_validator_follows_a_sequential_model(keras: Any) -> None:
    model = keras.Sequential(
        [
            keras.Input((7, 5, 3)),
            keras.layers.ZeroPadding2D(((1, 0), (0, 2))),
            keras.layers.MaxPooling2D(3, strides=2, padding="same"),
            keras.layers.UpSampling2D((2, 1)),
            keras.layers.Cropping2D(((1, 1), (0, 1))),
            keras.layers.AveragePooling2D(2),
            keras.layers.GlobalMaxPooling2D(keepdims=True),
            keras.layers.Dense(2),
        ]
    )
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
    for entry in config["config"]["layers"]:
        entry.pop("build_config", None)
    found = sequential_shapes(config)
    dense = config["config"]["layers"][-1]
    assert found[id(dense)] == tuple(model.layers[-1].input.shape)


# Configs as tf.keras 2.13-2.15 wrote them: a dtype string, and ZeroPadding1D
# without ``data_format`` (Keras 3 added it).
KERAS2 = [
    (
        "MaxPooling2D",
        {
            "pool_size": [2, 2],
            "padding": "valid",
            "strides": [2, 2],
            "data_format": "channels_last",
        },
    ),
    ("ZeroPadding1D", {"padding": [1, 2]}),
    ("Cropping1D", {"cropping": [1, 1]}),
    ("UpSampling2D", {"size": [2, 2], "data_format": "channels_last", "interpolation": "bilinear"}),
    ("GlobalAveragePooling1D", {"data_format": "channels_last", "keepdims": False}),
]


@pytest.mark.parametrize(("name", "config"), KERAS2)
def test_keras2_configs_load_and_validate(name: str, config: dict[str, Any]) -> None:
    import reference_runtime.layers as layers
    from kformat.validate._layers import layer_issues

    inner = {"name": "l", "trainable": True, "dtype": "float32", **config}
    entry = {"module": "keras.layers", "class_name": name, "config": inner, "registered_name": None}
    model = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "s", "layers": [entry]},
    }
    issues = [
        (i.code, i.path)
        for i in layer_issues(model, [])
        if i.severity == "error" or i.code == "KF310"
    ]
    assert issues == []
    layer = layers.deserialize(entry)
    assert type(layer).__name__ == name
    if name == "ZeroPadding1D":
        assert layer.get_config()["data_format"] == "channels_last"
