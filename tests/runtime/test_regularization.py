"""SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout, AlphaDropout and
ActivityRegularization against real Keras: identity at inference, configs
(SpatialDropout's own key set) and masks kept through a re-save."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer, set_config_key, validation_problems
from runtime_oracle import random_inputs

import reference_runtime as rr
from kformat.errors import UnsupportedFeatureError

pytestmark = pytest.mark.oracle


def _configs(path: Path) -> dict[str, dict[str, Any]]:
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
    return {e["config"]["name"]: e["config"] for e in config["config"]["layers"]}


@pytest.mark.parametrize(
    ("rank", "data_format"),
    [(1, None), (2, "channels_last"), (2, "channels_first"), (3, "channels_last")],
)
def test_spatial_dropout_matches_keras(tmp_path: Path, rank: int, data_format: Any) -> None:
    shape = (4, 3, 5, 2)[: rank + 1]

    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        cls = getattr(keras.layers, f"SpatialDropout{rank}D")
        kwargs = {} if rank == 1 else {"data_format": data_format}
        h = cls(0.3, seed=7, name="sd", **kwargs)(keras.layers.Dense(3)(x))
        return keras.Model(x, keras.layers.Dense(2)(h))

    ours = check_layer(
        f"SpatialDropout{rank}D",
        tmp_path,
        build,
        random_inputs([((2, *shape), "float32")]),
    )
    # BaseSpatialDropout.get_config: rate, seed, name, dtype (a name) [, data_format]
    theirs = _configs(tmp_path / "keras_written.keras")["sd"]
    mine = _configs(tmp_path / "runtime_written.keras")["sd"]
    assert mine == theirs and list(mine) == list(theirs)
    assert "trainable" not in mine
    assert ours.get_layer("sd").get_config() == theirs


@pytest.mark.parametrize(
    ("cls", "kwargs"),
    [
        ("GaussianNoise", {"stddev": 0.5, "seed": 3}),
        ("GaussianNoise", {"stddev": 0.0}),
        ("GaussianDropout", {"rate": 0.4}),
        ("AlphaDropout", {"rate": 0.2, "noise_shape": [None, 1, 3], "seed": 1}),
        ("ActivityRegularization", {"l1": 0.01, "l2": 0.1}),
    ],
)
def test_noise_layers_are_identity_like_keras(
    tmp_path: Path, cls: str, kwargs: dict[str, Any]
) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((4, 3))
        h = getattr(keras.layers, cls)(name="noise", **kwargs)(keras.layers.Dense(3)(x))
        return keras.Model(x, keras.layers.Dense(2)(h))

    ours = check_layer(cls, tmp_path, build, random_inputs([((2, 4, 3), "float32")]))
    theirs = _configs(tmp_path / "keras_written.keras")["noise"]
    mine = _configs(tmp_path / "runtime_written.keras")["noise"]
    assert list(mine) == list(theirs)
    # Keras adds a shared_object_id to the dtype policy it writes
    assert {k: v for k, v in mine.items() if k != "dtype"} == {
        k: v for k, v in theirs.items() if k != "dtype"
    }
    x = random_inputs([((2, 4, 3), "float32")])[0]
    layer = ours.get_layer("noise")
    assert layer(x) is x  # the very object: its mask stays attached


def test_noise_layers_keep_an_embedding_mask(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        ids = keras.Input((5,), dtype="int32")
        h = keras.layers.Embedding(10, 4, mask_zero=True)(ids)
        h = keras.layers.GaussianNoise(0.2)(h)
        h = keras.layers.GaussianDropout(0.2)(h)
        h = keras.layers.AlphaDropout(0.2)(h)
        h = keras.layers.ActivityRegularization(l2=0.1)(h)
        h = keras.layers.SpatialDropout1D(0.1)(h)
        return keras.Model(ids, keras.layers.GlobalAveragePooling1D()(h))

    ids = np.array([[1, 2, 0, 0, 0], [3, 0, 4, 5, 6]], "int32")
    check_layer("noise+mask", tmp_path, build, [ids])


def test_tf_keras_spatial_dropout_keys(tmp_path: Path) -> None:
    # tf_keras' SpatialDropout is its Dropout: it writes trainable and noise_shape,
    # which Keras 3's constructor refuses (TypeError); the runtime reads them.
    model = rr.Sequential([rr.layers.Input((3, 4)), rr.layers.SpatialDropout1D(rate=0.5)])
    path = tmp_path / "m.keras"
    model.save(path)
    set_config_key(path, "SpatialDropout1D", "trainable", True)
    set_config_key(path, "SpatialDropout1D", "noise_shape", None)
    problems = [p for p in _all_issues(path) if p.startswith("KF314")]
    assert len(problems) == 2 and any("trainable" in p for p in problems), problems
    with pytest.warns(UserWarning, match="noise_shape"):
        loaded = rr.load_model(path)
    x = np.ones((1, 3, 4), "float32")
    np.testing.assert_array_equal(loaded.predict(x), x)
    assert "trainable" not in loaded.layers[-1].get_config()


def _all_issues(path: Path) -> list[str]:
    from kformat.validate import iter_issues

    return [f"{i.code} {i.path}: {i.message}" for i in iter_issues(path)]


def test_training_true_is_refused() -> None:
    x = np.ones((1, 2, 3), "float32")
    for layer in (
        rr.layers.GaussianNoise(stddev=0.1),
        rr.layers.GaussianDropout(rate=0.1),
        rr.layers.AlphaDropout(rate=0.1),
        rr.layers.SpatialDropout1D(rate=0.1),
    ):
        with pytest.raises(UnsupportedFeatureError, match="inference"):
            layer(x, training=True)
    assert rr.layers.GaussianNoise(stddev=0.0)(x, training=True) is x


@pytest.mark.parametrize(
    ("cls", "kwargs", "key"),
    [
        ("GaussianNoise", {"stddev": 1.5}, "stddev"),
        ("GaussianDropout", {"rate": -0.1}, "rate"),
        ("AlphaDropout", {"rate": 2}, "rate"),
        ("SpatialDropout2D", {"rate": 0.1, "data_format": "channels_middle"}, "data_format"),
        ("ActivityRegularization", {"l1": -1.0}, "l1"),
    ],
)
def test_refused_values(tmp_path: Path, cls: str, kwargs: dict[str, Any], key: str) -> None:
    with pytest.raises(ValueError, match=key):
        getattr(rr.layers, cls)(**kwargs)
    # the validator reports the same value as KF305
    model = rr.Sequential([rr.layers.Input((3, 4, 5)), getattr(rr.layers, cls)(**_ok(kwargs))])
    path = tmp_path / "m.keras"
    model.save(path)
    set_config_key(path, cls, key, kwargs[key])
    assert any(p.startswith("KF305") and key in p for p in validation_problems(path))


def _ok(kwargs: dict[str, Any]) -> dict[str, Any]:
    good = {"stddev": 0.5, "rate": 0.5, "data_format": "channels_last", "l1": 0.0}
    return {k: good[k] for k in kwargs}
