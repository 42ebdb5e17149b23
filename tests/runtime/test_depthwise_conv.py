"""DepthwiseConv1D/2D and SeparableConv1D/2D against real Keras (runtime,
validator, TensorFlow twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

pytestmark = pytest.mark.oracle

CASES = {
    "valid": {},
    "same_strides2": {"strides": 2, "padding": "same"},
    "multiplier3_relu": {"depth_multiplier": 3, "activation": "relu"},
    "dilation2": {"dilation_rate": 2, "padding": "same"},
    "strides2_dilation2": {"strides": 2, "dilation_rate": 2, "padding": "same"},
    "channels_first_no_bias": {
        "data_format": "channels_first",
        "use_bias": False,
        "depth_multiplier": 2,
    },
}


def _shape(kwargs: dict[str, Any], rank: int) -> tuple[int, ...]:
    spatial = (7, 6)[:rank]
    return (3, *spatial) if kwargs.get("data_format") == "channels_first" else (*spatial, 3)


@pytest.mark.parametrize("case", sorted(CASES))
def test_depthwise_conv2d_matches_keras(tmp_path: Path, case: str) -> None:
    kwargs = {"kernel_size": 3, **CASES[case]}
    shape = _shape(kwargs, 2)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.DepthwiseConv2D(**kwargs)(x))

    check_layer("DepthwiseConv2D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


@pytest.mark.parametrize("case", ["same_strides2", "multiplier3_relu", "channels_first_no_bias"])
def test_depthwise_conv1d_matches_keras(tmp_path: Path, case: str) -> None:
    kwargs = {"kernel_size": 3, **CASES[case]}
    shape = _shape(kwargs, 1)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.DepthwiseConv1D(**kwargs)(x))

    check_layer("DepthwiseConv1D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


@pytest.mark.parametrize(
    "case", ["valid", "same_strides2", "multiplier3_relu", "dilation2", "channels_first_no_bias"]
)
def test_separable_conv2d_matches_keras(tmp_path: Path, case: str) -> None:
    kwargs = {"filters": 4, "kernel_size": 3, **CASES[case]}
    shape = _shape(kwargs, 2)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.SeparableConv2D(**kwargs)(x))

    check_layer("SeparableConv2D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


@pytest.mark.parametrize("case", ["same_strides2", "channels_first_no_bias"])
def test_separable_conv1d_matches_keras(tmp_path: Path, case: str) -> None:
    kwargs = {"filters": 4, "kernel_size": 3, **CASES[case]}
    shape = _shape(kwargs, 1)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)  # the alias Keras exports
        return keras.Model(x, keras.layers.SeparableConvolution1D(**kwargs)(x))

    check_layer("SeparableConv1D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


def test_depthwise_variables_use_the_depthwise_keys() -> None:
    import numpy as np

    import reference_runtime.layers as layers

    layer = layers.DepthwiseConv2D(
        kernel_size=2, depthwise_initializer="ones", bias_initializer="ones"
    )
    y = layer(np.ones((1, 3, 3, 2), "float32"))
    assert [tuple(w.shape) for w in layer.get_weights()] == [(2, 2, 2, 1), (2,)]
    np.testing.assert_array_equal(y, np.full((1, 2, 2, 2), 5.0, "float32"))
    sep = layers.SeparableConv2D(
        filters=3, kernel_size=2, depthwise_initializer="ones", pointwise_initializer="ones"
    )
    np.testing.assert_array_equal(
        sep(np.ones((1, 3, 3, 2), "float32")), np.full((1, 2, 2, 3), 8.0, "float32")
    )


def test_tf_keras_groups_key_is_accepted_and_dropped() -> None:
    import reference_runtime.layers as layers

    with pytest.warns(UserWarning, match="groups"):
        layer = layers.DepthwiseConv2D(kernel_size=3, groups=1)
    assert "groups" not in layer.get_config()


def test_tf_keras_groups_key_in_a_file(tmp_path: Path) -> None:
    # tf_keras' DepthwiseConv2D subclasses Conv2D and saves groups=1; Keras 3 refuses the
    # key, the validator names it (KF314) and the runtime loads the file without it.
    from conv_files import edited_copy, one_layer_file

    import reference_runtime as rr
    import reference_runtime.layers as layers
    from kformat.validate import iter_issues

    src = one_layer_file(tmp_path, layers.DepthwiseConv2D(kernel_size=3), (5, 5, 2))
    old = edited_copy(src, tmp_path / "tf_keras.keras", lambda config: config.update(groups=1))
    found = [(i.code, i.path) for i in iter_issues(old)]
    assert ("KF314", "/config/layers/1/config/groups") in found, found
    assert not [c for c, _ in found if c in ("KF305", "KF310", "KF312")], found
    with pytest.warns(UserWarning, match="groups"):
        assert rr.load_model(old).get_layer(index=0).get_config().get("groups") is None


def test_tf_keras_separable_conv_keys_in_a_file(tmp_path: Path) -> None:
    # tf_keras' SeparableConv2D merges Conv2D.get_config(): groups and the kernel_* keys.
    from conv_files import edited_copy, one_layer_file

    import reference_runtime as rr
    import reference_runtime.layers as layers
    from kformat.validate import iter_issues

    extra = {
        "groups": 1,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        "kernel_regularizer": None,
        "kernel_constraint": None,
    }
    layer = layers.SeparableConv2D(filters=3, kernel_size=3)
    src = one_layer_file(tmp_path, layer, (5, 5, 2))
    old = edited_copy(src, tmp_path / "tf_keras.keras", lambda config: config.update(extra))
    found = [(i.code, i.path.rsplit("/", 1)[-1]) for i in iter_issues(old)]
    assert sorted(found) == sorted(("KF314", key) for key in extra), found
    with pytest.warns(UserWarning, match="Keras 2 argument"):
        assert rr.load_model(old).get_layer(index=0).get_config()["filters"] == 3
