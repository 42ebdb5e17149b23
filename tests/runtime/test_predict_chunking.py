"""``Model.predict``'s chunking and progress bar, and ``Layer.__call__``'s call plan:
outputs that do not depend on ``batch_size``, Keras' progress text for each
``verbose``, and per-call work that the plan does once."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import reference_runtime as rr
from kformat.errors import UnsupportedFeatureError
from reference_runtime._backend import KerasArray, get_keras_mask
from reference_runtime.layers import layer as layer_module
from reference_runtime.models import _predict
from reference_runtime.models.sequential import Sequential

L = rr.layers


def _mlp() -> Any:
    model = rr.Sequential(
        [
            rr.Input((16,)),
            L.Dense(32, activation="relu"),
            L.BatchNormalization(),
            L.Dropout(0.2),
            L.Dense(3, activation="softmax"),
        ]
    )
    rng = np.random.default_rng(0)
    model.set_weights(
        [
            (np.abs(rng.standard_normal(w.shape)) + 0.5).astype("float32")
            if "variance" in w.path
            else rng.standard_normal(w.shape).astype("float32")
            for w in model.weights
        ]
    )
    return model


@pytest.fixture(scope="module")
def mlp() -> Any:
    return _mlp()


@pytest.fixture(scope="module")
def rows() -> np.ndarray[Any, Any]:
    return np.random.default_rng(1).standard_normal((3001, 16)).astype("float32")


def test_outputs_do_not_depend_on_batch_size(mlp: Any, rows: Any) -> None:
    # One call per 32 rows, as Keras runs predict at the default arguments.
    by_32 = np.concatenate([mlp(rows[i : i + 32]) for i in range(0, len(rows), 32)])
    for batch_size in (None, 1, 7, 32, 500, 5000):
        got = mlp.predict(rows, batch_size=batch_size, verbose=0)
        assert got.shape == (3001, 3) and got.dtype == np.float32
        # BLAS may pick other kernels for other row counts: equal to rounding.
        np.testing.assert_allclose(got, by_32, rtol=1e-5, atol=1e-6)


def test_chunks_are_sized_for_throughput(mlp: Any, rows: Any, monkeypatch: Any) -> None:
    calls: list[int] = []
    original = Sequential.call

    def spy(self: Any, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(len(inputs))
        return original(self, inputs, *args, **kwargs)

    monkeypatch.setattr(Sequential, "call", spy)
    mlp.predict(rows, verbose=0)
    # The largest activation is 32 float32 per row: 1024-row chunks, not 32.
    assert calls == [1024, 1024, 953]
    calls.clear()
    mlp.predict(rows, batch_size=700, verbose=0)  # a multiple of batch_size
    assert calls == [700] * 4 + [201]
    # Unknown per-row sizes (a free sequence length): batch_size rows per call.
    x_in = rr.Input((None, 4))
    free = rr.Model(x_in, L.Dense(2)(x_in))
    assert _predict.chunk_rows(free, 32) == 32


def test_verbose_output(mlp: Any, rows: Any, capsys: Any) -> None:
    mlp.predict(rows, verbose=0)
    assert capsys.readouterr().out == ""
    mlp.predict(rows, verbose=2)
    out = capsys.readouterr().out
    # Progbar(verbose=2): one line at the end, counting batch_size steps.
    assert re.fullmatch(r"94/94 - \d+s - \d+(us|ms|s)/step\n", out), out
    for verbose in (1, "auto"):
        mlp.predict(rows, verbose=verbose)
        out = capsys.readouterr().out
        assert out.endswith("\n") and out.count("\n") == 1, out
        frames = out[:-1].split("\r")[1:]  # each redraw starts with "\b"*width + "\r"
        plain = re.sub(r"\x1b\[[0-9;]*m", "", frames[-1]).rstrip()
        assert re.fullmatch(r"94/94 ━{20} \d+s \d+(us|ms|s)/step", plain), plain
        assert "\x1b[32m" in frames[-1]  # the done part in green, as Keras draws it
    mlp.predict(rows, batch_size=1000, verbose=2)
    assert capsys.readouterr().out.startswith("4/4 - ")


def test_call_plan_is_made_once(monkeypatch: Any) -> None:
    model = _mlp()
    x = np.random.default_rng(2).standard_normal((4, 16)).astype("float32")
    plans: list[str] = []
    signatures: list[Any] = []
    make_plan = layer_module.make_plan
    signature = layer_module.inspect.signature

    def plan_spy(layer: Any, key: Any) -> Any:
        plans.append(layer.name)
        return make_plan(layer, key)

    def signature_spy(fn: Any, *args: Any, **kwargs: Any) -> Any:
        signatures.append(fn)
        return signature(fn, *args, **kwargs)

    monkeypatch.setattr(layer_module, "make_plan", plan_spy)
    monkeypatch.setattr(layer_module.inspect, "signature", signature_spy)
    first = model(x)
    # Plans are made on a layer's first array call (building the graph probes
    # the layers with arrays already): each layer and the model has one now.
    assert set(plans) <= {model.name, *(la.name for la in model.layers)}
    assert all("_call_plan_cache" in la.__dict__ for la in [model, *model.layers])
    plans.clear()
    signatures.clear()
    for _ in range(5):
        np.testing.assert_array_equal(model(x), first)
        model(x, training=False)
    assert plans == [] and signatures == []  # no signature binding per call
    # A new dtype policy is a new plan (the key is checked per call).
    dense = model.layers[0]
    dense.dtype_policy = "float64"
    assert dense(x).dtype == np.float64
    assert plans == [dense.name]


def test_planned_call_matches_general_call() -> None:
    # A KerasArray view without a mask takes the general path; a plain array the plan.
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]], "float32")
    masking = L.Masking(mask_value=0.0)
    planned, general = masking(x), masking(x.view(KerasArray))
    np.testing.assert_array_equal(get_keras_mask(planned), [[True, False, True]])
    np.testing.assert_array_equal(get_keras_mask(planned), get_keras_mask(general))
    dense = L.Dense(3, dtype="mixed_float16")
    planned, general = dense(x), dense(x.view(KerasArray))
    assert planned.dtype == general.dtype == np.float16
    np.testing.assert_array_equal(planned, general)
    masked = masking(x)
    assert get_keras_mask(L.Dense(3)(masked)) is not None  # masks still flow (general path)
    # training reaches layers that take it and is dropped for the others.
    drop = L.Dropout(0.5, seed=1)
    ones = np.ones((4, 8), "float32")
    assert np.array_equal(drop(ones, training=False), ones)
    with pytest.raises(UnsupportedFeatureError, match="only inference"):
        drop(ones, training=True)  # the runtime's answer to training=True: it got there
    np.testing.assert_array_equal(dense(x, training=True), dense(x))


def test_input_checks_still_run_on_the_fast_path(mlp: Any) -> None:
    with pytest.raises(ValueError, match=r"expected shape=\(None, 16\), found shape=\(2, 15\)"):
        mlp(np.zeros((2, 15), "float32"))
    with pytest.raises(ValueError, match="expected dtype=float32"):
        mlp(np.array([["a"] * 16]))
    with pytest.raises(UnsupportedFeatureError, match="only inference"):
        mlp(np.zeros((2, 16), "float32"), training=True)  # routed through the model


def test_chunks_count_nested_models_activations() -> None:
    inner_in = rr.Input((4,))
    inner = rr.Model(inner_in, L.Dense(4096)(inner_in))  # 16 KiB per row inside
    x_in = rr.Input((4,))
    outer = rr.Model(x_in, L.Dense(1)(inner(x_in)))
    assert _predict.chunk_rows(outer, 1) == 8  # 128 KiB // 16 KiB
    assert _predict.chunk_rows(outer, 32) == 32  # never fewer than batch_size
