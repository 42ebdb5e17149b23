"""Helpers for the runtime tests: real Keras as the oracle (imported by test modules).

Keras is imported with the NumPy backend (``KERAS_BACKEND=numpy``) and only
by tests marked ``oracle``; without it those tests are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "numpy")

import reference_runtime as rr

RTOL, ATOL = 1e-5, 1e-6
#: max |runtime - keras| per check, filled while tests run (reported by test_zz_report).
MAX_DIFFS: dict[str, float] = {}


def keras_or_skip() -> Any:
    """Real Keras, or skip the test."""
    return pytest.importorskip(
        "keras", reason="real Keras (the test extra) is needed as the oracle"
    )


def assert_close(name: str, got: Any, want: Any, rtol: float = RTOL, atol: float = ATOL) -> None:
    """Compare nested outputs and record the largest difference under ``name``."""
    if isinstance(want, dict):
        assert isinstance(got, dict) and set(got) == set(want)
        for k in want:
            assert_close(name, got[k], want[k], rtol, atol)
        return
    if isinstance(want, (list, tuple)):
        assert isinstance(got, (list, tuple)) and len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert_close(name, g, w, rtol, atol)
        return
    g = np.asarray(got, dtype=np.float64)
    w = np.asarray(want, dtype=np.float64)
    assert g.shape == w.shape, f"{name}: shape {g.shape} != {w.shape}"
    diff = float(np.max(np.abs(g - w))) if g.size else 0.0
    MAX_DIFFS[name] = max(MAX_DIFFS.get(name, 0.0), diff)
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol, err_msg=name)


def random_inputs(
    specs: Sequence[tuple[tuple[int, ...], str]], seed: int = 0
) -> list[np.ndarray[Any, Any]]:
    """Random arrays for ``(shape, dtype)`` specs; int dtypes get indices in [0, 10)."""
    rng = np.random.default_rng(seed)
    out = []
    for shape, dtype in specs:
        if dtype.startswith("int"):
            out.append(rng.integers(0, 10, size=shape).astype(dtype))
        else:
            out.append(rng.standard_normal(shape).astype(dtype))
    return out


def _has_strings(feed: Any) -> bool:
    leaves = feed.values() if isinstance(feed, dict) else feed if isinstance(feed, list) else [feed]
    return any(np.asarray(x).dtype.kind in "USO" for x in leaves)


def keras_predict(model: Any, feed: Any) -> Any:
    """``model.predict(feed)``; for string inputs, which Keras' NumPy backend cannot
    convert, the model's graph run eagerly on TensorFlow tensors instead (Keras'
    string layers call TensorFlow ops whatever the backend)."""
    if not _has_strings(feed):
        return model.predict(feed, verbose=0)
    import tensorflow as tf

    leaves = [feed[t.name] for t in model.inputs] if isinstance(feed, dict) else feed
    leaves = leaves if isinstance(leaves, list) else [leaves]
    tensors = [
        tf.constant(np.asarray(x).tolist() if np.asarray(x).dtype.kind in "USO" else x)
        for x in leaves
    ]
    out = model._run_through_graph(tensors, operation_fn=lambda op: op)
    return [np.asarray(y) for y in out] if isinstance(out, list | tuple) else np.asarray(out)


def roundtrip(
    name: str,
    tmp_path: Path,
    build: Callable[[Any], Any],
    data: list[np.ndarray[Any, Any]] | dict[str, np.ndarray[Any, Any]],
    rtol: float = RTOL,
    atol: float = ATOL,
    randomize: bool = True,
    keras_reload: bool = True,
) -> Any:
    """Build a model with real Keras, then check three ways that the runtime agrees.

    1. Keras saves ``.keras``; the runtime loads it and predicts the same.
    2. The runtime saves ``.keras``; Keras loads it and predicts the same.
    3. The runtime rebuilds the model from ``to_json`` and takes ``get_weights``.
    """
    keras = keras_or_skip()
    model = build(keras)
    if randomize:
        randomize_weights(model)
    feed: Any = data if isinstance(data, dict) or len(data) != 1 else data[0]
    want = keras_predict(model, feed)
    path = tmp_path / "keras_written.keras"
    model.save(path)
    ours = rr.load_model(path)
    assert_close(name, ours.predict(feed), want, rtol, atol)
    back = tmp_path / "runtime_written.keras"
    ours.save(back)
    if keras_reload:
        theirs = keras.saving.load_model(back)
        assert_close(name, keras_predict(theirs, feed), want, rtol, atol)
    rebuilt = rr.models.model_from_json(model.to_json())
    rebuilt.set_weights(model.get_weights())
    assert_close(name, rebuilt(feed), want, rtol, atol)
    return ours


def randomize_weights(model: Any, seed: int = 1) -> None:
    """Give every weight of a real Keras model random values (variances positive)."""
    rng = np.random.default_rng(seed)
    values = []
    for w in model.weights:
        shape = tuple(w.shape)
        if "variance" in w.path:
            values.append(rng.uniform(0.5, 1.5, shape).astype(w.dtype))
        else:
            values.append((0.5 * rng.standard_normal(shape)).astype(w.dtype))
    model.set_weights(values)
