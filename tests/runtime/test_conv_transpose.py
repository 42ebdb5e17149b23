"""Conv1D/2D/3DTranspose against real Keras (runtime, validator, TensorFlow twin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from layer_check import check_layer
from runtime_oracle import random_inputs

pytestmark = pytest.mark.oracle

CASES_2D = {
    "valid": {},
    "valid_strides2": {"strides": 2},
    "valid_strides3_kernel2": {"strides": 3, "kernel_size": 2},
    "same_strides2": {"strides": 2, "padding": "same"},
    "same_output_padding": {"strides": (2, 3), "padding": "same", "output_padding": (1, 2)},
    "valid_output_padding": {"strides": 2, "output_padding": 0, "kernel_size": 4},
    "dilation2": {"dilation_rate": 2, "padding": "same"},
    "channels_first_no_bias": {"data_format": "channels_first", "use_bias": False, "strides": 2},
    "relu": {"activation": "relu", "strides": 2, "padding": "same"},
}


@pytest.mark.parametrize("case", sorted(CASES_2D))
def test_conv2d_transpose_matches_keras(tmp_path: Path, case: str) -> None:
    kwargs = {"filters": 3, "kernel_size": 3, **CASES_2D[case]}
    shape = (4, 5, 4) if kwargs.get("data_format") == "channels_first" else (5, 4, 4)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.Conv2DTranspose(**kwargs)(x))

    check_layer("Conv2DTranspose", tmp_path, build, random_inputs([((2, *shape), "float32")]))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"strides": 2, "padding": "same"},
        {"dilation_rate": 2, "output_padding": 0, "padding": "same"},
        {"data_format": "channels_first", "strides": 3},
    ],
    ids=["same_strides2", "dilation2", "channels_first"],
)
def test_conv1d_transpose_matches_keras(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    kwargs = {"filters": 3, "kernel_size": 3, **kwargs}
    shape = (4, 6) if kwargs.get("data_format") == "channels_first" else (6, 4)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.Conv1DTranspose(**kwargs)(x))

    check_layer("Conv1DTranspose", tmp_path, build, random_inputs([((2, *shape), "float32")]))


@pytest.mark.parametrize(
    "kwargs",
    [{"strides": (2, 1, 2), "padding": "same"}, {"kernel_size": (2, 3, 1), "strides": 2}],
    ids=["same", "valid"],
)
def test_conv3d_transpose_matches_keras(tmp_path: Path, kwargs: dict[str, Any]) -> None:
    kwargs = {"filters": 2, "kernel_size": 3, **kwargs}

    def build(keras: Any) -> Any:
        x = keras.Input((3, 4, 3, 2))
        return keras.Model(x, keras.layers.Conv3DTranspose(**kwargs)(x))

    check_layer("Conv3DTranspose", tmp_path, build, random_inputs([((2, 3, 4, 3, 2), "float32")]))


def test_convolution_transpose_alias_in_autoencoder(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        return keras.Sequential(
            [
                keras.Input((8, 8, 1)),
                keras.layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
                keras.layers.Convolution2DTranspose(4, 3, strides=2, padding="same"),
                keras.layers.Conv2D(1, 3, padding="same", activation="sigmoid"),
            ]
        )

    check_layer("Conv2DTranspose", tmp_path, build, random_inputs([((2, 8, 8, 1), "float32")]))


def test_tf_keras_groups_key_is_accepted_and_dropped() -> None:
    import numpy as np

    import reference_runtime.layers as layers

    with pytest.warns(UserWarning, match="groups"):
        layer = layers.Conv2DTranspose(filters=2, kernel_size=2, groups=1)
    assert "groups" not in layer.get_config()
    assert layer(np.zeros((1, 3, 3, 1), "float32")).shape == (1, 4, 4, 2)


def test_output_padding_must_be_below_strides() -> None:
    import numpy as np

    import reference_runtime.layers as layers

    layer = layers.Conv2DTranspose(filters=2, kernel_size=3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="output_padding must be less than strides"):
        layer(np.zeros((1, 3, 3, 1), "float32"))


def test_files_without_output_padding_load(tmp_path: Path) -> None:
    # Keras 3.0-3.14 never wrote output_padding: the key is optional (null).
    import numpy as np
    from conv_files import edited_copy, one_layer_file

    import reference_runtime as rr
    import reference_runtime.layers as layers
    from kformat.validate import iter_issues

    layer = layers.Conv2DTranspose(filters=2, kernel_size=3, strides=2, padding="same")
    src = one_layer_file(tmp_path, layer, (4, 4, 3))
    old = edited_copy(src, tmp_path / "old.keras", lambda config: config.pop("output_padding"))
    x = np.random.default_rng(0).standard_normal((1, 4, 4, 3)).astype("float32")
    np.testing.assert_array_equal(rr.load_model(old).predict(x), rr.load_model(src).predict(x))
    assert [i.code for i in iter_issues(old) if i.severity == "error" or i.code == "KF310"] == []
