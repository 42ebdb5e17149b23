"""Sequential and Functional models against real Keras (spec §5.2, §5.3, §6.5).

Several inputs/outputs, dict inputs and outputs, nested models, shared
layers called several times; the runtime's object walk gives the same H5
paths as :mod:`kformat.weight_paths` and as Keras's files.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import random_inputs, roundtrip

import kformat
import reference_runtime as rr
from kformat import weight_paths
from reference_runtime.saving import _state


def _paths(model: Any) -> list[str]:
    return [e.paths[0] for e in _state.walk(model)]


@pytest.mark.oracle
def test_sequential(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        return keras.Sequential(
            [
                keras.Input((4,)),
                keras.layers.Dense(8, activation="relu"),
                keras.layers.BatchNormalization(),
                keras.layers.Dropout(0.5),
                keras.layers.Dense(3, activation="softmax"),
            ]
        )

    model = roundtrip("Sequential", tmp_path, build, random_inputs([((5, 4), "float32")]))
    assert _paths(model) == [
        "",
        "/layers/dense",
        "/layers/batch_normalization",
        "/layers/dropout",
        "/layers/dense_1",
    ]


@pytest.mark.oracle
def test_multi_io_and_shared_layer(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        a = keras.Input((4,), name="a")
        b = keras.Input((4,), name="b")
        shared = keras.layers.Dense(3, name="shared")
        ya, yb = shared(a), shared(b)
        diff = keras.layers.Subtract()([ya, yb])
        again = shared(keras.layers.Dense(4)(diff))
        return keras.Model([a, b], [diff, again, keras.layers.Concatenate()([ya, yb])])

    roundtrip(
        "Functional", tmp_path, build, random_inputs([((2, 4), "float32"), ((2, 4), "float32")])
    )


@pytest.mark.oracle
def test_dict_inputs_and_outputs(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        x = keras.Input((3,), name="x")
        y = keras.Input((2,), name="y")
        h = keras.layers.Concatenate()([x, y])
        return keras.Model(
            {"x": x, "y": y}, {"sum": keras.layers.Dense(1)(h), "feat": keras.layers.Dense(2)(h)}
        )

    rng = np.random.default_rng(0)
    data = {"x": rng.random((3, 3), dtype="float32"), "y": rng.random((3, 2), dtype="float32")}
    model = roundtrip("Functional", tmp_path, build, data)
    out = model(data)
    assert isinstance(out, dict) and set(out) == {"sum", "feat"}


@pytest.mark.oracle
def test_list_model_called_with_dict(tmp_path: Path, keras: Any) -> None:
    x = keras.Input((3,), name="x")
    y = keras.Input((2,), name="y")
    model = keras.Model([x, y], keras.layers.Concatenate()([x, y]))
    model.save(tmp_path / "m.keras")
    ours = rr.load_model(tmp_path / "m.keras")
    data = {"y": np.ones((1, 2), "float32"), "x": np.zeros((1, 3), "float32")}
    np.testing.assert_array_equal(ours(data), [[0, 0, 0, 1, 1]])


@pytest.mark.oracle
def test_nested_models(tmp_path: Path) -> None:
    def build(keras: Any) -> Any:
        inner_seq = keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(4), keras.layers.Dense(4)]
        )
        i = keras.Input((4,))
        inner_fn = keras.Model(i, keras.layers.Dense(4, activation="tanh")(i), name="inner_fn")
        x = keras.Input((4,))
        h = inner_seq(x)
        h = inner_fn(h)
        h2 = inner_fn(x)  # nested model shared: called twice
        outer = keras.Model(x, keras.layers.Add()([h, h2]))
        z = keras.Input((4,))
        return keras.Model(z, outer(z), name="outermost")

    model = roundtrip("Functional", tmp_path, build, random_inputs([((3, 4), "float32")]))
    assert "/layers/functional/layers/functional/layers/dense" in _paths(model)


@pytest.mark.oracle
def test_runtime_walk_equals_weight_paths(tmp_path: Path, keras: Any) -> None:
    q = keras.Input((5, 8))
    mha = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, use_gate=True)(q, q)
    inner = keras.Sequential(
        [keras.Input((5, 8)), keras.layers.LayerNormalization(), keras.layers.Dense(8)]
    )
    out = keras.layers.Add()([inner(mha), q])
    model = keras.Model(q, out)
    model.save(tmp_path / "m.keras")
    archive = kformat.read(tmp_path / "m.keras")
    ours = rr.load_model(tmp_path / "m.keras")
    assert archive.config is not None
    expected = [p.path for p in weight_paths.object_paths(archive.config)]
    assert sorted(_paths(ours)) == sorted(expected)
    keras_groups = {g[: -len("/vars")] for g in archive.groups if g.endswith("/vars")}
    assert set(_paths(ours)) == keras_groups


def _rename_groups(src: Path, dst: Path, old: str, new: str) -> None:
    archive = kformat.read(src)
    weights = {k.replace(old, new): np.array(v) for k, v in archive.weights.items()}
    groups = {k.replace(old, new): dict(v) for k, v in archive.groups.items()}
    kformat.write(kformat.KerasArchive(archive.config, archive.metadata, weights, groups), dst)


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("old", "new"),
    [("/query_dense", "/_query_dense"), ("/layers", "/_layer_checkpoint_dependencies")],
)
def test_legacy_weight_paths_load(tmp_path: Path, keras: Any, old: str, new: str) -> None:
    x = keras.Input((3, 4))
    model = keras.Model(x, keras.layers.MultiHeadAttention(num_heads=2, key_dim=2)(x, x))
    model.save(tmp_path / "m.keras")
    _rename_groups(tmp_path / "m.keras", tmp_path / "old.keras", old, new)
    data = np.random.default_rng(0).random((2, 3, 4), dtype="float32")
    ours = rr.load_model(tmp_path / "old.keras")
    np.testing.assert_allclose(ours(data), model.predict(data, verbose=0), rtol=1e-5, atol=1e-6)


def test_keras2_list_nodes_and_batch_input_shape(tmp_path: Path) -> None:
    """A tf-keras style config: list nodes, wrapped input/output refs, Keras 2 hard_sigmoid."""
    dense = {
        "class_name": "Dense",
        "config": {
            "name": "d",
            "trainable": True,
            "dtype": "float32",
            "units": 2,
            "activation": "hard_sigmoid",
            "use_bias": True,
            "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
        },
        "name": "d",
        "inbound_nodes": [[["inp", 0, 0, {}]]],
    }
    config = {
        "class_name": "Functional",
        "module": "keras.src.engine.functional",
        "registered_name": None,
        "config": {
            "name": "m",
            "trainable": True,
            "layers": [
                {
                    "class_name": "InputLayer",
                    "name": "inp",
                    "inbound_nodes": [],
                    "config": {
                        "batch_input_shape": [None, 3],
                        "dtype": "float32",
                        "sparse": False,
                        "ragged": False,
                        "name": "inp",
                    },
                },
                dense,
            ],
            "input_layers": [["inp", 0, 0]],
            "output_layers": [["d", 0, 0]],
        },
    }
    kernel = np.arange(6, dtype="float32").reshape(3, 2) / 10
    bias = np.array([0.1, -0.2], "float32")
    archive = kformat.KerasArchive(
        config,
        {"keras_version": "2.14.0", "date_saved": "2024-01-01@00:00:00"},
        {
            "/_layer_checkpoint_dependencies/dense/vars/0": kernel,
            "/_layer_checkpoint_dependencies/dense/vars/1": bias,
        },
    )
    kformat.write(archive, tmp_path / "k2.keras")
    model = rr.load_model(tmp_path / "k2.keras")
    x = np.array([[1.0, -2.0, 3.0]], "float32")
    np.testing.assert_allclose(model(x), np.clip(0.2 * (x @ kernel + bias) + 0.5, 0, 1), rtol=1e-6)


def test_functional_config_roundtrip_is_stable() -> None:
    a = rr.Input((3,), name="a")
    shared = rr.layers.Dense(3, name="s")
    out = rr.layers.Add()([shared(a), shared(shared(a))])
    model = rr.Model(a, out, name="m")
    config = json.loads(model.to_json())
    again = rr.models.model_from_json(json.dumps(config))
    assert json.loads(again.to_json()) == config
    node_counts = [len(e["inbound_nodes"]) for e in config["config"]["layers"]]
    assert node_counts == [0, 3, 1]


def test_sequential_input_shape_kwarg_and_add() -> None:
    model = rr.Sequential()
    model.add(rr.layers.Dense(4, input_shape=(3,)))
    model.add(rr.layers.Dense(2))
    assert model.built and model(np.ones((1, 3), "float32")).shape == (1, 2)
    assert [la.name for la in model.layers] == [model.layers[0].name, model.layers[1].name]
    cfg = model.get_config()
    assert cfg["layers"][0]["class_name"] == "InputLayer" and cfg["build_input_shape"] == [None, 3]


def test_zip_members_written_in_keras_order(tmp_path: Path) -> None:
    x = rr.Input((2,))
    rr.Model(x, rr.layers.Dense(1)(x)).save(tmp_path / "m.keras")
    assert zipfile.ZipFile(tmp_path / "m.keras").namelist() == [
        "metadata.json",
        "config.json",
        "model.weights.h5",
    ]
