"""Conv1D/2D/3D against real Keras (runtime, validator, TensorFlow twin).

Keras' NumPy backend computes convolutions with ``jax.lax.conv_general_dilated``
(``keras/src/backend/numpy/nn.py``), so the oracle covers every option here —
groups, dilation, causal padding, channels_first — on the CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conv_files import edited_copy, one_layer_file
from layer_check import check_layer
from runtime_oracle import random_inputs

pytestmark = pytest.mark.oracle

CASES_2D = {
    "same": {"padding": "same"},
    "strides2_valid": {"strides": 2},
    "strides2_same_even": {"strides": (2, 1), "padding": "same", "kernel_size": (2, 3)},
    "dilation2": {"dilation_rate": 2, "padding": "same"},
    "groups2": {"groups": 2},
    "channels_first": {"data_format": "channels_first", "strides": 2, "padding": "same"},
    "no_bias_relu": {"use_bias": False, "activation": "relu"},
    "pointwise": {"kernel_size": 1},
    "pointwise_strides2": {"kernel_size": 1, "strides": 2},
}


@pytest.mark.parametrize("case", sorted(CASES_2D))
def test_conv2d_matches_keras(tmp_path: Path, case: str) -> None:
    kwargs = {"filters": 4, "kernel_size": 3, **CASES_2D[case]}
    shape = (4, 7, 6) if kwargs.get("data_format") == "channels_first" else (7, 6, 4)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.Conv2D(**kwargs)(x))

    check_layer("Conv2D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


CASES_1D = {
    "causal": {"padding": "causal"},
    "causal_dilation2": {"padding": "causal", "dilation_rate": 2},
    "same_strides2": {"padding": "same", "strides": 2},
    "groups2_channels_first": {"groups": 2, "data_format": "channels_first"},
}


@pytest.mark.parametrize("case", sorted(CASES_1D))
def test_conv1d_matches_keras(tmp_path: Path, case: str) -> None:
    kwargs = {"filters": 4, "kernel_size": 3, "activation": "tanh", **CASES_1D[case]}
    shape = (4, 9) if kwargs.get("data_format") == "channels_first" else (9, 4)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.Conv1D(**kwargs)(x))

    check_layer("Conv1D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


CASES_3D = {
    "valid": {},
    "same_strides2": {"padding": "same", "strides": 2},
    "dilation2_groups2": {"dilation_rate": (2, 1, 1), "groups": 2},
    "channels_first": {"data_format": "channels_first", "padding": "same"},
}


@pytest.mark.parametrize("case", sorted(CASES_3D))
def test_conv3d_matches_keras(tmp_path: Path, case: str) -> None:
    kwargs = {"filters": 2, "kernel_size": (3, 2, 2), **CASES_3D[case]}
    shape = (4, 5, 4, 3) if kwargs.get("data_format") == "channels_first" else (5, 4, 3, 4)

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.Conv3D(**kwargs)(x))

    check_layer("Conv3D", tmp_path, build, random_inputs([((2, *shape), "float32")]))


def test_convolution_alias_and_stacked_model(tmp_path: Path) -> None:
    # The alias name Keras exports, a Sequential stack, a mixed-case padding.
    def build(keras: Any) -> Any:
        return keras.Sequential(
            [
                keras.Input((8, 8, 3)),
                keras.layers.Convolution2D(6, 3, padding="SAME", activation="relu"),
                keras.layers.Conv2D(4, 3, strides=2),
                keras.layers.Conv2D(2, 1),
            ]
        )

    check_layer("Conv2D", tmp_path, build, random_inputs([((3, 8, 8, 3), "float32")]))


@pytest.mark.parametrize(
    ("cls", "kwargs", "words"),
    [
        ("Conv2D", {"filters": 0, "kernel_size": 3}, "filters must be >= 1"),
        ("Conv2D", {"filters": 2, "kernel_size": 3, "padding": "causal"}, "padding must be one"),
        ("Conv1D", {"filters": 2, "kernel_size": [3, 3]}, "kernel_size must be"),
        ("Conv2D", {"filters": 2, "kernel_size": 3, "data_format": "nhwc"}, "data_format"),
    ],
)
def test_refused_values(tmp_path: Path, cls: str, kwargs: dict[str, Any], words: str) -> None:
    import reference_runtime.layers as layers
    from kformat.validate import iter_issues

    with pytest.raises(ValueError, match=words):
        getattr(layers, cls)(**kwargs)
    path = _sequential_file(tmp_path, cls, kwargs)
    codes = {i.code for i in iter_issues(path)}
    assert "KF305" in codes, codes


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"filters": 3, "kernel_size": 3, "groups": 2}, "divisible"),
        ({"filters": 2, "kernel_size": 3, "strides": 2, "dilation_rate": 2}, "dilation"),
    ],
)
def test_refused_combinations(tmp_path: Path, kwargs: dict[str, Any], words: str) -> None:
    import numpy as np

    import reference_runtime.layers as layers
    from kformat.validate import iter_issues

    with pytest.raises(ValueError, match=words):
        layers.Conv2D(**kwargs)(np.zeros((1, 8, 8, 4), "float32"))
    path = _sequential_file(tmp_path, "Conv2D", kwargs)
    codes = {i.code for i in iter_issues(path)}
    assert "KF309" in codes, codes


def _sequential_file(tmp_path: Path, cls: str, kwargs: dict[str, Any]) -> Path:
    """A file whose one layer has ``kwargs`` in its config (Keras refuses to build these)."""
    import reference_runtime.layers as layers

    rank = int(cls[-2])
    good = one_layer_file(
        tmp_path, getattr(layers, cls)(filters=2, kernel_size=1), (8,) * rank + (4,)
    )
    return edited_copy(good, tmp_path / "bad.keras", lambda config: config.update(kwargs))


def test_validator_follows_conv_output_shapes(tmp_path: Path) -> None:
    # Without build_config (older writers), Dense's kernel after Flatten is checked
    # against the shape followed through the conv: its strides and padding decide it.
    import json
    import zipfile

    import reference_runtime as rr
    from kformat.validate import iter_issues

    L = rr.layers
    model = rr.models.Sequential(
        [
            L.InputLayer(shape=(9, 9, 2)),
            L.Conv2D(filters=3, kernel_size=3, strides=2, padding="same"),
            L.Flatten(),
            L.Dense(units=2),
        ]
    )
    src = tmp_path / "cnn.keras"
    model.save(src)

    def rewrite(name: str, strides: list[int]) -> Path:
        out = tmp_path / name
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
            for info in zin.infolist():
                data = zin.read(info)
                if info.filename == "config.json":
                    doc = json.loads(data)
                    for entry in doc["config"]["layers"]:
                        entry.pop("build_config", None)
                    doc["config"]["layers"][1]["config"]["strides"] = strides
                    data = json.dumps(doc).encode()
                zout.writestr(info, data)
        return out

    same = rewrite("followed.keras", [2, 2])
    assert not [i for i in iter_issues(same) if i.severity == "error" or i.code == "KF310"]
    found = {(i.code, i.path) for i in iter_issues(rewrite("strides1.keras", [1, 1]))}
    assert ("KF422", "/layers/dense/vars/0") in found, found
