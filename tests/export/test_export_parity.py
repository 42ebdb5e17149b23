"""Exported-then-reloaded SavedModel vs the NumPy runtime, for every parity case.

The cases (``tools/export_parity/``): every model of the
real-Keras corpus ``conformance/keras_files/*/*``, of the recipe-built runtime
corpus ``conformance/runtime/*`` and the in-code zoo (``_zoo.py``, the options
the corpora do not reach). float32 at
``rtol=1e-5, atol=1e-6``; float16 / bfloat16 models at the corpus's looser
tolerances for those dtypes. The GPU variant runs the same artifacts on
``/GPU:0`` with TensorFloat-32 off, and skips without a GPU. A default run takes each
real-Keras corpus model once per generation (:func:`representatives`);
``--export-parity=all`` takes every writer's file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from bridge_helpers import PARITY

from tools.export_parity import all_cases, compare, run_saved_model, zoo_cases

tf = pytest.importorskip("tensorflow", reason="the tensorflow extra is not installed")

pytestmark = pytest.mark.tensorflow

CASES = all_cases()

# Newest first within each generation: the file a default run exports for a model.
_WRITER_ORDER = {
    "keras3": ("keras-3.15.1", "keras-3.0.5", "keras-3.0.1"),
    "keras2": ("tf_keras-2.21.0", "tf.keras-2.14.1"),
}


def representatives(cases: list[Any]) -> list[Any]:
    """Each real-Keras corpus model once per generation (Keras 3, Keras 2), from the
    newest writer that made it, plus every recipe-built and zoo case. The runtime turns
    every writer's file of a model into the same layers, so the other writers' copies
    export the same translation; ``--export-parity=all`` checks them all."""
    rank = {w: (g, i) for g, ws in _WRITER_ORDER.items() for i, w in enumerate(ws)}
    best: dict[tuple[str, str], tuple[int, Any]] = {}
    chosen: list[Any] = []
    for case in cases:
        writer, _, model = case.name.partition("/")
        if writer not in rank:
            chosen.append(case)
            continue
        generation, order = rank[writer]
        key = (generation, model)
        if key not in best or order < best[key][0]:
            best[key] = (order, case)
    keep = {id(case) for _, case in best.values()}
    return [c for c in cases if id(c) in keep or c in chosen]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" in metafunc.fixturenames:
        every = metafunc.config.getoption("--export-parity") == "all"
        chosen = CASES if every else representatives(CASES)
        metafunc.parametrize("case", chosen, ids=[c.name for c in chosen])


def _check(case: Any, exported: Callable[[Any], Any], device: str) -> None:
    entry = exported(case)
    if entry is None:
        pytest.skip(f"{case.name}: refused by the runtime, as by its own writer")
    loaded, feed, want = entry
    got = run_saved_model(loaded, feed, device)
    result = compare(case.name, device, got, want, case.rtol, case.atol)
    PARITY[f"{case.name} {device}"] = {
        "max_abs": result.max_abs,
        "max_rel": result.max_rel,
        "ok": result.ok,
    }
    assert result.ok, (
        f"{case.name} on {device}: max abs diff {result.max_abs:.3g}, max rel diff "
        f"{result.max_rel:.3g} (rtol={case.rtol}, atol={case.atol})"
    )


def test_there_are_cases() -> None:
    assert len(zoo_cases()) >= 10
    assert CASES


def test_cpu_parity(case: Any, exported: Callable[[Any], Any]) -> None:
    _check(case, exported, "/CPU:0")


@pytest.mark.gpu
def test_gpu_parity(case: Any, exported: Callable[[Any], Any]) -> None:
    if not tf.config.list_physical_devices("GPU"):
        pytest.skip(
            "no GPU visible to TensorFlow (tf.config.list_physical_devices('GPU') is empty)"
        )
    tf.config.experimental.enable_tensor_float_32_execution(False)
    _check(case, exported, "/GPU:0")
