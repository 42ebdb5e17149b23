"""SpectralNormalization against real Keras: the wrapped layer's own H5 group,
the wrapper's ``kernel`` + ``vector_u``, inference on the stored kernel."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from layer_check import check_layer, validation_problems
from runtime_oracle import random_inputs

import reference_runtime as rr
from kformat import layer_specs
from kformat.errors import UnsupportedFeatureError

pytestmark = pytest.mark.oracle


def _h5(path: Path) -> h5py.File:
    with zipfile.ZipFile(path) as z:
        return h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")


@pytest.mark.parametrize(
    "inner",
    [
        {"class_name": "Dense", "units": 3},
        {"class_name": "Dense", "units": 4, "activation": "tanh", "use_bias": False},
        {"class_name": "EinsumDense", "equation": "abc,cd->abd", "output_shape": [None, 5]},
    ],
)
def test_spectral_normalization_matches_keras(tmp_path: Path, inner: dict[str, Any]) -> None:
    kwargs = {k: v for k, v in inner.items() if k != "class_name"}

    def build(keras: Any) -> Any:
        x = keras.Input((4, 6))
        wrapped = getattr(keras.layers, inner["class_name"])(name="inner", **kwargs)
        h = keras.layers.SpectralNormalization(wrapped, power_iterations=2, name="sn")(x)
        return keras.Model(x, keras.layers.Dense(2)(h))

    ours = check_layer(
        "SpectralNormalization", tmp_path, build, random_inputs([((3, 4, 6), "float32")])
    )
    # Keras writes the kernel twice (wrapper vars/0 and layer/vars/0) and vector_u;
    # the runtime's re-save keeps every dataset byte for byte.
    with (
        _h5(tmp_path / "keras_written.keras") as theirs,
        _h5(tmp_path / "runtime_written.keras") as mine,
    ):
        names: list[str] = []
        theirs.visit(names.append)
        group = "layers/spectral_normalization"  # H5 paths follow the class, not the name
        assert f"{group}/layer/vars/0" in names and f"{group}/vars/1" in names
        for name in names:
            if isinstance(theirs[name], h5py.Dataset):
                assert mine[name][()].tobytes() == theirs[name][()].tobytes(), name
    assert ours.get_layer("sn").layer.name == "inner"


def test_spectral_normalization_wraps_embeddings(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        ids = keras.Input((5,), dtype="int32")
        h = keras.layers.SpectralNormalization(keras.layers.Embedding(10, 3))(ids)
        return keras.Model(ids, keras.layers.Dense(2)(h))

    ids = np.arange(10, dtype="int32").reshape(2, 5)
    check_layer("SpectralNormalization(Embedding)", tmp_path, build, [ids])


def test_spectral_normalization_variables() -> None:
    config = {
        "layer": {"class_name": "Dense", "config": {"name": "d", "units": 3}},
        "power_iterations": 1,
    }
    specs = layer_specs.variables("SpectralNormalization", config, (None, 6))
    assert [(v.name, v.shape, v.trainable) for v in specs] == [
        ("kernel", (6, 3), True),
        ("vector_u", (1, 3), False),
    ]
    (sub,) = layer_specs.sublayers("SpectralNormalization", config, (None, 6))
    assert (sub.attr, sub.class_name, sub.name, sub.input_shape) == (
        "layer",
        "Dense",
        "d",
        (None, 6),
    )
    with pytest.raises(ValueError, match="kernel"):
        layer_specs.variables(
            "SpectralNormalization", {"layer": {"class_name": "Dropout", "config": {}}}, (None, 6)
        )


def test_spectral_normalization_refusals(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="power_iterations"):
        rr.layers.SpectralNormalization(rr.layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="layer"):
        rr.layers.SpectralNormalization("dense")
    with pytest.raises(ValueError, match="kernel"):
        rr.layers.SpectralNormalization(rr.layers.Dropout(0.5))(np.ones((1, 2), "float32"))
    layer = rr.layers.SpectralNormalization(rr.layers.Dense(2))
    x = np.ones((1, 3), "float32")
    layer(x)
    with pytest.raises(UnsupportedFeatureError, match="inference"):
        layer(x, training=True)
    model = rr.Sequential(
        [rr.layers.Input((3,)), rr.layers.SpectralNormalization(rr.layers.Dense(2))]
    )
    model.save(tmp_path / "ok.keras")
    assert validation_problems(tmp_path / "ok.keras") == []


def test_the_sub_layer_kernel_wins_as_in_keras(tmp_path: Path, keras: Any) -> None:
    # Keras loads the wrapper's own vars, then its sub-layer's: the latter kernel wins
    x = keras.Input((6,))
    model = keras.Model(x, keras.layers.SpectralNormalization(keras.layers.Dense(3))(x))
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    buf = io.BytesIO(members["model.weights.h5"])
    with h5py.File(buf, "r+") as f:
        own = f["layers/spectral_normalization/vars/0"]
        own[...] = np.full(own.shape, 7.0, own.dtype)
    members["model.weights.h5"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    feed = random_inputs([((2, 6), "float32")])[0]
    want = keras.saving.load_model(path).predict(feed, verbose=0)
    np.testing.assert_allclose(rr.load_model(path).predict(feed), want, rtol=1e-6)
    np.testing.assert_allclose(want, model.predict(feed, verbose=0), rtol=1e-6)


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("units", 0, "KF305"),
        ("unknown_key", 1, "KF312"),
        ("class_name", "ReversibleEmbedding", "KF310"),
    ],
)
def test_the_wrapped_config_is_validated(tmp_path: Path, key: str, value: Any, code: str) -> None:
    model = rr.Sequential(
        [rr.layers.Input((3,)), rr.layers.SpectralNormalization(rr.layers.Dense(2))]
    )
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    config = json.loads(members["config.json"])
    wrapped = config["config"]["layers"][-1]["config"]["layer"]
    if key == "class_name":
        wrapped[key] = value
    else:
        wrapped["config"][key] = value
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    found = [p for p in validation_problems(path) if p.startswith(code)]
    assert found and "/config/layers/1/config/layer" in found[0], validation_problems(path)
