"""No hidden process-wide state: automatic names restart with ``clear_session()``,
masks travel with the arrays they describe, and a layer built while a file
loads behaves by its own attributes afterwards."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

import numpy as np

import kformat
import reference_runtime as rr
from reference_runtime._backend import get_keras_mask


def test_clear_session_restarts_layer_names() -> None:
    rr.clear_session()
    assert [rr.layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert rr.layers.ReLU().name == "re_lu"
    rr.clear_session()
    assert rr.layers.Dense(1).name == "dense"
    assert rr.utils.clear_session is rr.clear_session
    assert rr.backend.clear_session is rr.clear_session


def test_clear_session_restarts_keras_tensor_names() -> None:
    x = rr.layers.Input((2,))
    rr.clear_session()
    assert rr.layers.Dense(1)(x).name == "keras_tensor"
    assert rr.layers.Dense(1)(x).name == "keras_tensor_1"
    rr.clear_session()
    assert rr.layers.Dense(1)(x).name == "keras_tensor"


def test_names_are_counted_per_thread() -> None:
    # keras/src/backend/common/global_state.py keeps its name table per thread.
    rr.clear_session()
    rr.layers.Dense(1)
    seen: list[str] = []
    worker = threading.Thread(target=lambda: seen.append(rr.layers.Dense(1).name))
    worker.start()
    worker.join()
    assert seen == ["dense"]
    assert rr.layers.Dense(1).name == "dense_1"


# -- masks travel with the values ------------------------------------------------


def _pooling_model() -> rr.Model:
    x = rr.layers.Input((3, 2))
    return rr.Model(x, rr.layers.GlobalAveragePooling1D()(x))


def test_a_mask_passed_to_one_model_does_not_stick_to_the_callers_array() -> None:
    # Interleaved calls on the same array: the mask given to the first call
    # must not reach the second (an id()-keyed table attached it to ``x``).
    x = np.arange(6, dtype="float32").reshape(1, 3, 2)
    mask = np.array([[True, False, False]])
    first, second = _pooling_model(), _pooling_model()
    np.testing.assert_allclose(first(x, mask=mask), [[0.0, 1.0]])
    np.testing.assert_allclose(second(x), [[2.0, 3.0]])
    np.testing.assert_allclose(rr.layers.GlobalAveragePooling1D()(x), [[2.0, 3.0]])
    np.testing.assert_allclose(first(x), [[2.0, 3.0]])
    assert get_keras_mask(x) is None


def test_a_masked_output_carries_its_mask_to_the_next_model_only() -> None:
    ids = np.array([[1, 0, 2]])
    embedded = rr.layers.Embedding(4, 2, mask_zero=True)(ids)
    np.testing.assert_array_equal(get_keras_mask(embedded), [[True, False, True]])
    pooled = _pooling_model()(embedded)
    weights = np.asarray(embedded)
    np.testing.assert_allclose(pooled, (weights[:, 0] + weights[:, 2]) / 2, rtol=1e-6)
    # Values derived from it are plain arrays: the mask stays with its value.
    for derived in (np.asarray(embedded), embedded + 0, embedded[:, :2], np.tanh(embedded)):
        assert get_keras_mask(derived) is None
    np.testing.assert_allclose(_pooling_model()(embedded + 0), weights.mean(axis=1), rtol=1e-6)


def test_a_new_array_never_inherits_a_freed_arrays_mask() -> None:
    # Arrays are freed and their memory (and id()) reused many times over;
    # none of the fresh ones may answer with an old mask.
    layer = rr.layers.Embedding(4, 2, mask_zero=True)
    for _ in range(200):
        out = layer(np.array([[0, 1, 0]]))
        del out
        fresh = np.zeros((1, 3, 2), "float32")
        assert get_keras_mask(fresh) is None
        np.testing.assert_allclose(rr.layers.GlobalAveragePooling1D()(fresh), [[0.0, 0.0]])


# -- a file's writer reaches only the layers built from it ------------------------


def _saved_as(layer: Any, version: str, path: Path) -> Path:
    """``layer`` saved as if Keras ``version`` had written it."""
    rr.saving.save_model(layer, path)
    archive = kformat.read(path)
    metadata = {**(archive.metadata or {}), "keras_version": version}
    kformat.write(dataclasses.replace(archive, metadata=metadata), path)
    return path


def test_keras2_hard_sigmoid_stays_with_the_layer_loaded_from_the_keras2_file(
    tmp_path: Path,
) -> None:
    x = np.array([[-4.0, -1.0, 0.0, 1.0, 4.0]], "float32")
    old = rr.load_model(
        _saved_as(rr.layers.Activation("hard_sigmoid"), "2.15.0", tmp_path / "a.keras")
    )
    new = rr.load_model(
        _saved_as(rr.layers.Activation("hard_sigmoid"), "3.15.0", tmp_path / "b.keras")
    )
    later = rr.layers.Activation("hard_sigmoid")
    np.testing.assert_allclose(old(x), np.clip(0.2 * x + 0.5, 0, 1))
    np.testing.assert_allclose(new(x), np.clip(x / 6 + 0.5, 0, 1))
    np.testing.assert_allclose(later(x), np.clip(x / 6 + 0.5, 0, 1))


def test_softmax_loaded_from_an_older_file_keeps_that_files_masking(tmp_path: Path) -> None:
    # Keras < 3.10 adds a large negative number to masked scores, so a row with
    # every entry masked comes out uniform; Keras >= 3.10 zeroes it.
    x = np.array([[1.0, 2.0, 3.0]], "float32")
    none_valid = np.zeros((1, 3), bool)
    loaded = rr.load_model(_saved_as(rr.layers.Softmax(), "3.5.0", tmp_path / "s.keras"))
    built_after = rr.layers.Softmax()
    np.testing.assert_allclose(loaded(x, mask=none_valid), np.full((1, 3), 1 / 3), rtol=1e-6)
    np.testing.assert_allclose(built_after(x, mask=none_valid), np.zeros((1, 3)))


def test_attention_built_after_the_load_still_uses_the_files_masking(tmp_path: Path) -> None:
    # An attention layer saved unbuilt creates its Softmax at its first call,
    # long after load_model returned: the file's masking must reach it anyway.
    rng = np.random.default_rng(0)
    query = rng.random((1, 2, 3), dtype="float32")
    value = rng.random((1, 4, 3), dtype="float32")
    mask = np.ones((1, 2, 4), bool)
    mask[0, 0] = False  # the first query may attend to nothing

    def first_row_scores(version: str) -> Any:
        layer = rr.layers.MultiHeadAttention(num_heads=1, key_dim=2)
        loaded = rr.load_model(_saved_as(layer, version, tmp_path / f"{version}.keras"))
        assert not loaded.built
        _, scores = loaded(query, value, attention_mask=mask, return_attention_scores=True)
        return scores[0, 0, 0]  # batch 0, head 0, query 0

    np.testing.assert_allclose(first_row_scores("3.5.0"), np.full(4, 0.25), rtol=1e-6)
    np.testing.assert_allclose(first_row_scores("3.15.0"), np.zeros(4))
