"""Normalization against real Keras: adapted statistics (variables ``mean``,
``variance``, ``count``) and statistics given in the config, ``invert``, axes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest
from layer_check import check_layer, set_config_key, validation_problems
from runtime_oracle import random_inputs

import reference_runtime as rr
from kformat import layer_specs

pytestmark = pytest.mark.oracle

_RNG = np.random.default_rng(5)
_DATA = (2.0 + 3.0 * _RNG.standard_normal((16, 3, 4))).astype("float32")


@pytest.mark.parametrize(
    ("kwargs", "invert"),
    [
        ({}, False),
        ({}, True),
        ({"axis": 1}, False),
        ({"axis": [1, 2]}, False),
        ({"axis": None}, False),
    ],
)
def test_adapted_normalization_matches_keras(
    tmp_path: Path, kwargs: dict[str, Any], invert: bool
) -> None:
    def build(keras: Any) -> Any:
        layer = keras.layers.Normalization(invert=invert, **kwargs)
        layer.adapt(_DATA)
        x = keras.Input((3, 4))
        return keras.Model(x, keras.layers.Dense(2)(layer(x)))

    # Keras caches the adapted statistics outside its variables (finalize_state), so
    # set_weights would not reach its predictions: keep the adapted values.
    check_layer("Normalization", tmp_path, build, [_DATA[:3]], randomize=False)
    # vars: mean, variance, count (int32 scalar), kept byte for byte on re-save
    with (
        h5py.File(_weights(tmp_path / "keras_written.keras"), "r") as theirs,
        h5py.File(_weights(tmp_path / "runtime_written.keras"), "r") as mine,
    ):
        group = "layers/normalization/vars"
        assert sorted(theirs[group]) == ["0", "1", "2"]
        assert theirs[group]["2"].dtype == np.int32 and theirs[group]["2"].shape == ()
        for i in "012":
            assert mine[group][i].dtype == theirs[group][i].dtype
            assert mine[group][i][()].tobytes() == theirs[group][i][()].tobytes()
    # the int32 count is not the float32 policy's dtype, and that is no finding
    assert _findings(tmp_path / "keras_written.keras") == []


def _findings(path: Path) -> list[str]:
    from kformat.validate import iter_issues

    return [f"{i.code} {i.path}" for i in iter_issues(path) if i.severity != "info"]


@pytest.mark.parametrize(("dtype", "found"), [("int64", []), ("float32", ["KF427"])])
def test_count_dtype(tmp_path: Path, dtype: str, found: list[str]) -> None:
    # tf_keras keeps an int64 count (Keras casts integers on load); a float one is odd
    import zipfile

    layer = rr.layers.Normalization()
    model = rr.Sequential([rr.layers.Input((3,)), layer])
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    buf = _weights(path)
    with h5py.File(buf, "r+") as f:
        group = f["layers/normalization/vars"]
        del group["2"]
        group["2"] = np.zeros((), dtype)
    members["model.weights.h5"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    assert [p.split()[0] for p in _findings(path)] == found
    x = np.full((1, 3), 2.0, "float32")
    np.testing.assert_array_equal(rr.load_model(path).predict(x), x)  # mean 0, variance 1


def _weights(path: Path) -> Any:
    import io
    import zipfile

    with zipfile.ZipFile(path) as z:
        return io.BytesIO(z.read("model.weights.h5"))


@pytest.mark.parametrize(
    ("shape", "kwargs"),
    [
        ((4,), {"mean": [1.0, 2.0, -1.0, 0.5], "variance": [1.0, 4.0, 0.25, 2.0]}),
        ((4,), {"mean": 1.5, "variance": 2.0, "invert": True}),
        ((3, 4), {"axis": [1, 2], "mean": [0.5, 1.0, 2.0, 3.0], "variance": [1.0, 2.0, 3.0, 4.0]}),
        (
            (3, 4),
            {"axis": [1, 2], "mean": [[1.0], [2.0], [3.0]], "variance": [[1.0], [4.0], [9.0]]},
        ),
        ((3, 4), {"axis": 1, "mean": [0.0, 1.0, 2.0], "variance": [1.0, 0.0, 9.0]}),
    ],
)
def test_given_normalization_matches_keras(
    tmp_path: Path, shape: tuple[int, ...], kwargs: dict[str, Any]
) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input(shape)
        return keras.Model(x, keras.layers.Normalization(**kwargs)(x))

    ours = check_layer("Normalization", tmp_path, build, random_inputs([((3, *shape), "float32")]))
    layer = ours.layers[-1]
    assert layer.get_weights() == []
    config = layer.get_config()
    assert config["mean"] == kwargs["mean"] and isinstance(config["axis"], list)


def test_normalization_variables() -> None:
    specs = layer_specs.variables("Normalization", {"axis": [1, 2]}, (None, 3, 4))
    assert [(v.name, v.shape, v.trainable, v.dtype) for v in specs] == [
        ("mean", (3, 4), False, None),
        ("variance", (3, 4), False, None),
        ("count", (), False, "int32"),
    ]
    assert layer_specs.variables("Normalization", {"mean": 1.0, "variance": 1.0}, (None, 3)) == ()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mean": [1.0, 2.0]}, "both `mean` and `variance`"),
        ({"mean": [1.0, 2.0], "variance": [1.0]}, "same shape"),
        ({"mean": [[1.0, 2.0]], "variance": [[1.0, 2.0]]}, "rank of `mean`"),
        ({"axis": 2}, "range"),
    ],
)
def test_normalization_refusals(tmp_path: Path, kwargs: dict[str, Any], match: str) -> None:
    layer = rr.layers.Normalization(**kwargs)
    with pytest.raises(ValueError, match=match):
        layer(np.ones((2, 2), "float32"))
    # the validator reports the same inconsistency (KF309) once the shape is known
    model = rr.Sequential([rr.layers.Input((2,)), rr.layers.Normalization(mean=1.0, variance=1.0)])
    path = tmp_path / "m.keras"
    model.save(path)
    for key, value in {"mean": None, "variance": None, **kwargs}.items():
        set_config_key(path, "Normalization", key, value)
    assert any(p.startswith("KF309") for p in validation_problems(path))


def test_normalization_refuses_a_string_mean() -> None:
    with pytest.raises(ValueError, match="mean"):
        rr.layers.Normalization(mean="zero", variance=1.0)
