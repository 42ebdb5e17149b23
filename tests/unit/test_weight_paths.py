"""Tests for kformat.weight_paths: the H5 naming rule (spec §6.5)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from kformat import weight_paths as wp


@pytest.mark.parametrize(
    ("cls", "snake"),
    [
        ("Dense", "dense"),
        ("InputLayer", "input_layer"),
        ("BatchNormalization", "batch_normalization"),
        ("MultiHeadAttention", "multi_head_attention"),
        ("EinsumDense", "einsum_dense"),
        ("Conv2D", "conv2d"),
        ("Conv2DTranspose", "conv2d_transpose"),
        ("ConvLSTM2D", "conv_lstm2d"),
        ("LSTM", "lstm"),
        ("ReLU", "re_lu"),
        ("PReLU", "p_re_lu"),
        ("AdamW", "adam_w"),
        ("Functional", "functional"),
        ("Sequential", "sequential"),
    ],
)
def test_to_snake_case(cls: str, snake: str) -> None:
    assert wp.to_snake_case(cls) == snake
    assert wp.to_snake_case(cls, keras2=True) == snake


def test_snake_case_keras2_private_prefix() -> None:
    assert wp.to_snake_case("_Hidden", keras2=True) == "private__hidden"


def test_python_class_name_aliases() -> None:
    assert (
        wp.to_snake_case(wp.python_class_name("GroupQueryAttention")) == "grouped_query_attention"
    )
    assert wp.python_class_name("Model") == "Functional"
    assert wp.python_class_name("Dense") == "Dense"


@pytest.mark.parametrize(
    ("version", "gen"),
    [
        (None, "keras3"),
        ("3.15.1", "keras3"),
        ("3.0.5", "keras3"),
        ("3.0.2", "keras3.0"),
        ("3.0.0", "keras3.0"),
        ("2.14.0", "keras2.13"),
        ("2.13.1", "keras2.13"),
        ("2.15.0", "keras2"),
        ("2.21.0", "keras2"),
    ],
)
def test_generation_from_version(version: str | None, gen: str) -> None:
    assert wp.generation_from_version(version) == gen


def _layer(cls: str, name: str, **cfg: Any) -> dict[str, Any]:
    return {"module": "keras.layers", "class_name": cls, "config": {"name": name, **cfg}}


def _seq(*layers: dict[str, Any]) -> dict[str, Any]:
    return {"class_name": "Sequential", "config": {"name": "seq", "layers": list(layers)}}


def test_sequential_omits_input_layer() -> None:
    model = _seq(
        _layer("InputLayer", "in", batch_shape=[None, 4]),
        _layer("Dense", "a", units=3),
        _layer("Dropout", "d", rate=0.5),
        _layer("Dense", "b", units=2),
    )
    paths = [p.path for p in wp.object_paths(model)]
    assert paths == ["", "/layers/dense", "/layers/dropout", "/layers/dense_1"]
    assert wp.vars_path("") == "/vars"
    assert wp.object_paths(model)[1].vars == "/layers/dense/vars"


def test_functional_keeps_inputs_skips_ops() -> None:
    model = {
        "class_name": "Functional",
        "config": {
            "name": "f",
            "layers": [
                _layer("InputLayer", "x"),
                _layer("InputLayer", "y"),
                {"module": "keras.src.ops.numpy", "class_name": "Add", "config": {}},
                _layer("Add", "add"),
            ],
        },
    }
    paths = [p.path for p in wp.object_paths(model)]
    assert paths == ["", "/layers/input_layer", "/layers/input_layer_1", "/layers/add"]


def test_nested_models_and_mha_sublayers() -> None:
    inner = _seq(_layer("InputLayer", "i"), _layer("Dense", "d", units=2))
    mha = _layer("MultiHeadAttention", "mha", num_heads=2, key_dim=4, use_gate=True)
    model = {"class_name": "Functional", "config": {"name": "f", "layers": [inner, mha]}}
    got = {p.path: p for p in wp.object_paths(model)}
    assert "/layers/sequential/layers/dense" in got
    q = got["/layers/multi_head_attention/query_dense"]
    assert q.name == "query" and q.attr == "query_dense"
    assert "/layers/multi_head_attention/_query_dense" in q.aliases
    assert "/_layer_checkpoint_dependencies/multi_head_attention/query_dense" in q.aliases
    assert "/layers/multi_head_attention/_gate_dense" in got
    assert "/layers/multi_head_attention/_softmax" in got
    old = {p.path for p in wp.object_paths(model, "keras3.0")}
    assert "/layers/multi_head_attention/_query_dense" in old


def test_keras2_13_prefix_and_shared_counters() -> None:
    shared = _layer("Dense", "d", units=2)
    shared["shared_object_id"] = 7
    inner = _seq(_layer("InputLayer", "i"), dict(shared))
    model = {
        "class_name": "Functional",
        "config": {"name": "f", "layers": [dict(shared), inner, _layer("Dense", "e", units=1)]},
    }
    k3 = [p.path for p in wp.object_paths(model)]
    assert k3 == ["", "/layers/dense", "/layers/sequential", "/layers/dense_1"]
    k2 = [p.path for p in wp.object_paths(model, "keras2.13")]
    assert k2 == [
        "",
        "/_layer_checkpoint_dependencies/dense",
        "/_layer_checkpoint_dependencies/sequential",
        "/_layer_checkpoint_dependencies/dense_1",
    ]


def test_keras3_counter_counts_visited_elements() -> None:
    # keras/src/saving/saving_lib.py _save_container_state: the name is taken
    # before the visited check, so a shared element still uses up a counter.
    shared = {**_layer("Dense", "d", units=2), "shared_object_id": 1}
    inner = _seq(_layer("Dense", "x", units=2), dict(shared), _layer("Dense", "y", units=2))
    model = {"class_name": "Functional", "config": {"name": "f", "layers": [dict(shared), inner]}}
    k3 = [p.path for p in wp.object_paths(model)]
    assert "/layers/sequential/layers/dense_2" in k3
    assert "/layers/sequential/layers/dense_1" not in k3
    k2 = [p.path for p in wp.object_paths(model, "keras2")]
    assert "/layers/sequential/layers/dense_1" in k2


def test_rejects_non_model() -> None:
    with pytest.raises(ValueError, match="Sequential or Functional"):
        wp.object_paths(_layer("Dense", "d", units=1))


@pytest.mark.oracle
def test_paths_match_real_keras(tmp_path: Any) -> None:
    keras = pytest.importorskip("keras")
    h5py = pytest.importorskip("h5py")
    import json

    q = keras.Input((5, 16), name="query")
    v = keras.Input((7, 16), name="value")
    a = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, use_gate=True, name="mha")(q, v)
    x = keras.layers.Dense(3, name="head")(a)
    inner = keras.Sequential(
        [keras.Input((5, 3)), keras.layers.Dense(3), keras.layers.Dropout(0.1)]
    )
    y = inner(x)
    z = keras.layers.Add()([x, y])
    z = keras.layers.BatchNormalization()(z)
    model = keras.Model([q, v], z)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        config = json.loads(zf.read("config.json"))
        raw = zf.read("model.weights.h5")
    groups: dict[str, int] = {}
    with h5py.File(io.BytesIO(raw), "r") as f:

        def visit(name: str, obj: Any) -> None:
            if name.endswith("vars") and isinstance(obj, h5py.Group):
                groups["/" + name[: -len("/vars")] if name != "vars" else ""] = len(obj)

        f.visititems(visit)
    ours = {p.path for p in wp.object_paths(config)}
    assert ours == set(groups)


_CORPUS = Path(__file__).resolve().parents[2] / "conformance" / "keras_files"
_FILES = sorted(_CORPUS.glob("*/*/model.keras")) if _CORPUS.is_dir() else []


@pytest.mark.skipif(not _FILES, reason="conformance/keras_files is not generated")
@pytest.mark.parametrize(
    "path", _FILES, ids=[f"{p.parent.parent.name}/{p.parent.name}" for p in _FILES]
)
def test_paths_match_every_corpus_file(path: Path) -> None:
    """Every writer generation: our paths are exactly the file's vars groups."""
    import kformat

    archive = kformat.read(path)
    assert archive.config is not None
    gen = wp.generation_from_version((archive.metadata or {}).get("keras_version"))
    ours = {p.path for p in wp.object_paths(archive.config, gen)}
    groups = {g[: -len("/vars")] for g in archive.groups if g.endswith("/vars")}
    assert {g for g in groups if not g.startswith(("/optimizer", "/metrics"))} == ours
