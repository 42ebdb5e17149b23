"""Hashing and HashedCrossing against real Keras (TensorFlow ops inside), end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from layer_check import check_layer, set_config_key, validation_problems

import reference_runtime as rr
from kformat.errors import KFormatError, UnsupportedFeatureError

pytestmark = pytest.mark.oracle

_WORDS = [
    "",
    "a",
    "héllo",
    "日本語",
    "seventeen chars!!",
    "x" * 40,
    "a longer token that crosses the sixty-four byte FarmHash branch, twice over",
]


def _strings(rows: int, cols: int, seed: int) -> np.ndarray[Any, Any]:
    rng = np.random.default_rng(seed)
    return np.array(_WORDS, dtype=object)[rng.integers(0, len(_WORDS), (rows, cols))]


def test_hashing_and_crossing_variants(tmp_path: Path) -> None:
    pytest.importorskip("tensorflow")  # Keras runs these layers on TensorFlow ops

    def build(keras: Any) -> Any:
        L = keras.layers
        s = keras.Input((3,), dtype="string", name="s")
        a = keras.Input((1,), dtype="string", name="a")
        b = keras.Input((1,), dtype="int64", name="b")
        i = keras.Input((3,), dtype="int64", name="i")
        x = keras.Input((2,), dtype="float32", name="x")
        outs = [
            L.Hashing(num_bins=7)(s),
            L.Hashing(num_bins=7, salt=[133, 137])(s),
            L.Hashing(num_bins=5, salt=42, output_mode="multi_hot")(s),
            L.Hashing(num_bins=6, mask_value="", output_mode="count")(s),
            L.Hashing(num_bins=4, output_mode="one_hot")(a),
            L.Hashing(num_bins=9, mask_value=0)(i),
            L.Hashing(num_bins=9, dtype="int32")(i),
            L.Hashing(num_bins=8)(x),
            L.HashedCrossing(num_bins=11)((a, b)),
            L.HashedCrossing(num_bins=5, output_mode="one_hot")((b, a)),
            L.HashedCrossing(num_bins=1000)((a, a)),
        ]
        return keras.Model([s, a, b, i, x], outs)

    n = 6
    data = [
        _strings(n, 3, 0),
        _strings(n, 1, 1),
        np.array([[0], [1], [-1], [2**40], [7], [-(2**63)]], dtype=np.int64),
        np.random.default_rng(2).integers(-3, 3, (n, 3)).astype(np.int64),
        np.array([[1.7, -2.5]] * n, dtype=np.float32) * np.arange(n, dtype=np.float32)[:, None],
    ]
    check_layer("Hashing", tmp_path, build, data, rtol=0, atol=0)


def test_layer_call_matches_keras_eager(keras: Any) -> None:
    """The runtime layers called directly, as Keras' doc examples call them."""
    pytest.importorskip("tensorflow")
    words = [["A"], ["B"], ["C"], ["D"], ["E"]]
    for kwargs in ({}, {"salt": [133, 137]}, {"salt": 133}, {"mask_value": "B"}):
        want = keras.layers.Hashing(num_bins=3, **kwargs)(words)
        got = rr.layers.Hashing(num_bins=3, **kwargs)(np.array(words, dtype=object))
        assert np.array_equal(np.asarray(want), got), kwargs
        assert got.dtype == np.int64  # the layer's int64 policy (Keras' TensorFlow backend)
    three = [np.array(["a", "b"]), np.array([1, 2]), np.array(["c", "d"])]
    want = keras.layers.HashedCrossing(num_bins=50)([x.tolist() for x in three])
    assert np.array_equal(np.asarray(want), rr.layers.HashedCrossing(num_bins=50)(three))


def test_ranks_and_modes_match_keras_eager(keras: Any) -> None:
    """Every output mode on ranks 1 to 3 (``one_hot`` drops a trailing 1, ``multi_hot`` and
    ``count`` reduce axis 1 beyond rank 2), strings and numbers, masks and salts."""
    pytest.importorskip("tensorflow")
    rng = np.random.default_rng(5)
    words = np.array(_WORDS, dtype=object)
    for shape in ((4,), (4, 1), (2, 3, 2), (2, 3, 1)):
        feeds = [
            (words[rng.integers(0, len(words), shape)], ""),
            (rng.integers(-3, 5, shape), 0),
            (rng.standard_normal(shape).astype(np.float32) * 3, None),
        ]
        for mode in ("int", "one_hot", "multi_hot", "count"):
            for data, mask in feeds:
                for kwargs in ({}, {"salt": 9}, {"mask_value": mask}):
                    if kwargs.get("mask_value", 1) is None:
                        continue
                    raw = data.tolist() if data.dtype == object else data
                    want = keras.layers.Hashing(num_bins=5, output_mode=mode, **kwargs)(raw)
                    got = rr.layers.Hashing(num_bins=5, output_mode=mode, **kwargs)(data)
                    assert np.array_equal(np.asarray(want), got), (shape, mode, kwargs)
                    assert np.shape(want) == got.shape, (shape, mode, kwargs)
    ints = [rng.integers(-(2**40), 2**40, (4,)), rng.integers(-9, 9, (4,)).astype(np.int32)]
    for data in ([words[:4], ints[0]], [ints[1], ints[0], words[2:6]], [w[:, None] for w in ints]):
        for mode in ("int", "one_hot"):
            want = keras.layers.HashedCrossing(num_bins=13, output_mode=mode)(
                [np.asarray(x).tolist() for x in data]
            )
            got = rr.layers.HashedCrossing(num_bins=13, output_mode=mode)(data)
            assert np.array_equal(np.asarray(want), got) and np.shape(want) == got.shape
    for mode in ("int", "one_hot"):  # num_bins=0: the whole hash modulo 2**63 - 1
        data = [words[:3, None], ints[0][:3, None]]
        want = keras.layers.HashedCrossing(num_bins=0, output_mode=mode)([x.tolist() for x in data])
        got = rr.layers.HashedCrossing(num_bins=0, output_mode=mode)(data)
        assert np.array_equal(np.asarray(want), got) and np.shape(want) == got.shape


def test_config_defaults_match_keras(keras: Any) -> None:
    for cls, kwargs in (
        ("Hashing", {"num_bins": 3}),
        ("Hashing", {"num_bins": 3, "salt": 5, "output_mode": "count"}),
        ("HashedCrossing", {"num_bins": 3}),
        ("HashedCrossing", {"num_bins": 3, "output_mode": "one_hot"}),
    ):
        want = getattr(keras.layers, cls)(name="h", **kwargs).get_config()
        got = getattr(rr.layers, cls)(name="h", **kwargs).get_config()
        assert got == want and list(got) == list(want), cls


def test_refusals(tmp_path: Path, keras: Any) -> None:
    with pytest.raises(UnsupportedFeatureError, match="sparse"):
        rr.layers.Hashing(num_bins=3, output_mode="one_hot", sparse=True)
    with pytest.raises(ValueError, match="num_bins"):
        rr.layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="salt"):
        rr.layers.Hashing(num_bins=3, salt=[1, 2, 3])
    with pytest.raises(ValueError, match="integer"):
        rr.layers.Hashing(num_bins=3, dtype="float32")(np.array([["a"]], dtype=object))
    with pytest.raises(ValueError, match="two inputs"):
        rr.layers.HashedCrossing(num_bins=3)([np.array(["a"])])
    with pytest.raises(ValueError, match="shape"):
        rr.layers.HashedCrossing(num_bins=3)([np.array([["a", "b"]]), np.array([["a", "b"]])])

    s = keras.Input((1,), dtype="string")
    model = keras.Model(s, keras.layers.Hashing(num_bins=4, output_mode="one_hot")(s))
    path = tmp_path / "m.keras"
    model.save(path)
    set_config_key(path, "Hashing", "num_bins", 0)
    assert any(p.startswith("KF305") and "num_bins" in p for p in validation_problems(path))
    set_config_key(path, "Hashing", "num_bins", 4)
    set_config_key(path, "Hashing", "sparse", True)
    assert validation_problems(path) == []  # a valid file: Keras' TensorFlow backend runs it
    with pytest.raises(KFormatError, match="sparse"):
        rr.load_model(path)
