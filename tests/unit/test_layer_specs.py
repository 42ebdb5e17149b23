"""Tests for kformat.layer_specs: variable order and shapes from configs (spec §6.8, §5.9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kformat import layer_specs as ls


def _names_shapes(specs: tuple[ls.VariableSpec, ...]) -> list[tuple[str, tuple[Any, ...]]]:
    return [(v.name, v.shape) for v in specs]


def test_dense() -> None:
    got = ls.variables("Dense", {"units": 5, "use_bias": True}, (None, 7, 4))
    assert _names_shapes(got) == [("kernel", (4, 5)), ("bias", (5,))]
    assert _names_shapes(ls.variables("Dense", {"units": 5, "use_bias": False}, [None, 4])) == [
        ("kernel", (4, 5))
    ]


def test_batch_normalization_conditional_and_axis() -> None:
    got = ls.variables("BatchNormalization", {"axis": 1, "center": False}, (None, 3, 8))
    assert _names_shapes(got) == [
        ("gamma", (3,)),
        ("moving_mean", (3,)),
        ("moving_variance", (3,)),
    ]
    assert [v.trainable for v in got] == [True, False, False]
    tfk = ls.variables("BatchNormalization", {"axis": [3]}, (None, 2, 2, 6))
    assert tfk[0].shape == (6,)


def test_layer_normalization_axes() -> None:
    got = ls.variables("LayerNormalization", {"axis": [-2, -1]}, (None, 3, 4))
    assert _names_shapes(got) == [("gamma", (3, 4)), ("beta", (3, 4))]
    rms = ls.variables("LayerNormalization", {"axis": -1, "rms_scaling": True}, (None, 4))
    assert _names_shapes(rms) == [("gamma", (4,))]


def test_embedding_and_weightless() -> None:
    assert ls.variables("Embedding", {"input_dim": 10, "output_dim": 3}, None)[0].shape == (10, 3)
    for name in ("Dropout", "Add", "Flatten", "InputLayer", "ReLU"):
        assert ls.variables(name, {}, None) == ()
        assert ls.is_known(name)
    assert not ls.is_known("MyCustomLayer")
    with pytest.raises(KeyError):
        ls.layer_spec("MyCustomLayer", {}, None)


@pytest.mark.parametrize(
    ("equation", "bias", "inp", "out", "kernel", "bshape"),
    [
        ("ab,bc->ac", "c", (None, 4), 5, (4, 5), (5,)),
        ("abc,cde->abde", "de", (None, 5, 16), [None, 2, 4], (16, 2, 4), (2, 4)),
        ("abcd,cde->abe", "e", (None, 5, 2, 4), [None, 16], (2, 4, 16), (16,)),
        ("...b,bc->...c", "c", (None, 3, 4), 6, (4, 6), (6,)),
        ("ab...,bc->ac...", "c", (None, 4, 3), [6, 3], (4, 6), (6, 1)),
    ],
)
def test_einsum_shapes(
    equation: str, bias: str, inp: tuple[Any, ...], out: Any, kernel: Any, bshape: Any
) -> None:
    k, b, _ = ls.einsum_weight_shapes(equation, bias, inp, out)
    assert k == kernel
    assert b == bshape


def test_einsum_invalid() -> None:
    with pytest.raises(ValueError, match="invalid einsum"):
        ls.einsum_weight_shapes("ab->b", None, (None, 2), 2)


def test_mha_sublayers_shapes() -> None:
    cfg = {
        "num_heads": 2,
        "key_dim": 4,
        "value_dim": 5,
        "output_shape": 7,
        "use_gate": True,
        "use_bias": False,
    }
    shapes = {"query_shape": [None, 5, 16], "value_shape": [None, 7, 8], "key_shape": [None, 7, 6]}
    spec = ls.layer_spec("MultiHeadAttention", cfg, shapes)
    assert spec.variables == ()
    subs = {s.attr: s for s in spec.sublayers}
    assert set(subs) == {
        "query_dense",
        "key_dense",
        "value_dense",
        "output_dense",
        "_gate_dense",
        "_softmax",
        "_dropout_layer",
    }
    kshape = {
        a: ls.variables(s.class_name, s.config, s.input_shape)
        for a, s in subs.items()
        if s.weighted
    }
    assert _names_shapes(kshape["query_dense"]) == [("kernel", (16, 2, 4))]
    assert _names_shapes(kshape["key_dense"]) == [("kernel", (6, 2, 4))]
    assert _names_shapes(kshape["value_dense"]) == [("kernel", (8, 2, 5))]
    assert _names_shapes(kshape["_gate_dense"]) == [("kernel", (16, 2, 5))]
    assert _names_shapes(kshape["output_dense"]) == [("kernel", (2, 5, 7))]
    assert subs["query_dense"].legacy_attr == "_query_dense"
    assert subs["_gate_dense"].legacy_attr is None


def test_input_shape_from_build_config() -> None:
    assert ls.input_shape_from_build_config({"input_shape": [None, 4]}) == (None, 4)
    got = ls.input_shape_from_build_config(
        {"shapes_dict": {"query_shape": [None, 2, 3], "value_shape": [None, 2, 3]}}
    )
    assert isinstance(got, dict) or hasattr(got, "keys")
    assert ls.input_shape_from_build_config(None) is None
    # several inputs (merge layers, Attention): one shape per input
    assert ls.input_shape_from_build_config({"input_shape": [[None, 2], [None, 3]]}) == [
        (None, 2),
        (None, 3),
    ]


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("cls", "kwargs", "shape"),
    [
        ("Dense", {"units": 3}, (None, 2, 5)),
        ("Dense", {"units": 3, "use_bias": False}, (None, 5)),
        (
            "EinsumDense",
            {"equation": "abc,cd->abd", "output_shape": [None, 6], "bias_axes": "d"},
            (None, 4, 5),
        ),
        ("BatchNormalization", {"axis": 1, "scale": False}, (None, 3, 4)),
        ("LayerNormalization", {"axis": [1, 2]}, (None, 3, 4)),
        ("Embedding", {"input_dim": 11, "output_dim": 4}, (None, 3)),
    ],
)
def test_matches_keras(cls: str, kwargs: dict[str, Any], shape: tuple[Any, ...]) -> None:
    keras = pytest.importorskip("keras")
    layer = getattr(keras.layers, cls)(**kwargs)
    layer.build(shape)
    cfg = layer.get_config()
    ours = ls.variables(cls, cfg, shape)
    theirs = [
        (v.name, tuple(v.shape)) for v in layer.trainable_variables + layer.non_trainable_variables
    ]
    assert _names_shapes(ours) == theirs


@pytest.mark.oracle
def test_mha_matches_keras() -> None:
    keras = pytest.importorskip("keras")
    layer = keras.layers.MultiHeadAttention(
        num_heads=3, key_dim=4, value_dim=2, output_shape=(5,), attention_axes=(1, 2), use_gate=True
    )
    q, v = (None, 4, 5, 6), (None, 4, 5, 7)
    layer.build(q, v)
    spec = ls.layer_spec(
        "MultiHeadAttention", layer.get_config(), {"query_shape": q, "value_shape": v}
    )
    for sub in spec.sublayers:
        if not sub.weighted:
            continue
        theirs = getattr(layer, sub.attr)
        assert theirs.name == sub.name
        assert theirs.equation == sub.config["equation"]
        ours = ls.variables(sub.class_name, sub.config, sub.input_shape)
        assert [v.shape for v in ours] == [tuple(w.shape) for w in theirs.weights]


_CORPUS = Path(__file__).resolve().parents[2] / "conformance" / "keras_files"
_FILES = sorted(_CORPUS.glob("*/*/model.keras")) if _CORPUS.is_dir() else []


@pytest.mark.skipif(not _FILES, reason="conformance/keras_files is not generated")
@pytest.mark.parametrize(
    "path", _FILES, ids=[f"{p.parent.parent.name}/{p.parent.name}" for p in _FILES]
)
def test_shapes_match_every_corpus_file(path: Path) -> None:
    """Each known layer's variables (and MHA sub-layers') match the file's datasets."""
    import json

    import kformat
    from kformat import weight_paths

    made = json.loads((path.parent / "made.json").read_text())
    if "layernorm_rms" in path.parent.name and str(made.get("reload_check")).startswith("failed"):
        pytest.skip("Keras 3.0.x wrote rms_scaling weights under a config without rms_scaling")
    archive = kformat.read(path)
    assert archive.config is not None
    gen = weight_paths.generation_from_version((archive.metadata or {}).get("keras_version"))
    checked = 0
    for obj in weight_paths.object_paths(archive.config, gen):
        if obj.parent is not None or not ls.is_known(obj.class_name):
            continue
        shape = ls.input_shape_from_build_config(obj.config.get("build_config"))
        inner = obj.config.get("config", {})
        if shape is None and obj.class_name not in ls.WEIGHTLESS | {"Embedding"}:
            continue
        spec = ls.layer_spec(obj.class_name, inner, shape)
        own = [tuple(archive.weights[f"{obj.vars}/{i}"].shape) for i in range(len(spec.variables))]
        assert own == [v.shape for v in spec.variables], obj.path
        assert f"{obj.vars}/{len(spec.variables)}" not in archive.weights
        for sub in spec.sublayers:
            if sub.weighted and sub.input_shape is not None:
                attr = sub.legacy_attr if gen != "keras3" and sub.legacy_attr else sub.attr
                group = f"{obj.path}/{attr}/vars"
                if sub.variables is not None:  # a class outside the catalogue (an RNN cell)
                    want = [v.shape for v in sub.variables]
                elif ls.is_known(sub.class_name):
                    found = ls.variables(sub.class_name, sub.config, sub.input_shape)
                    want = [v.shape for v in found]
                else:
                    continue  # a wrapped model: its layers are objects of their own
                assert [
                    tuple(archive.weights[f"{group}/{i}"].shape) for i in range(len(want))
                ] == want
        checked += 1
    assert checked or "custom" in path.parent.name or "functional_ops" in path.parent.name
