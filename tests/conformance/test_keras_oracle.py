"""Real Keras agrees with the runtime cases: it loads each file and computes outputs.npz
within the case's tolerance (cases Keras 3 cannot load say why in case.json)."""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np
import pytest

from tests.conformance._support import cases

pytestmark = pytest.mark.oracle

RUNTIME = [c for c in cases() if c.origin == "recipe" and c.runtime is not None]


@pytest.mark.parametrize("case", RUNTIME, ids=lambda c: c.id)
def test_keras_computes_the_expected_outputs(case: Any) -> None:
    reason = json.loads((case.folder / "case.json").read_text()).get("keras3_cannot_load")
    if reason:
        pytest.skip(reason)
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    keras = pytest.importorskip("keras")
    spec = case.runtime
    if case.architecture is not None:
        model = keras.saving.load_model(case.architecture)
        model.load_weights(case.source)
    else:
        model = keras.saving.load_model(case.source)
    with np.load(spec.inputs, allow_pickle=False) as data:
        inputs = {k: data[k] for k in data.files}
    arrays = [inputs[n] for n in spec.input_names]
    feed = {"single": arrays[0], "list": arrays, "dict": inputs}[spec.input_structure]
    raw = model.predict(feed, verbose=0)
    items = {
        "single": lambda: [raw],
        "list": lambda: list(raw),
        "dict": lambda: [raw[n] for n in spec.output_names],
    }[spec.output_structure]()
    with np.load(spec.outputs, allow_pickle=False) as expected:
        for name, got in zip(spec.output_names, items, strict=True):
            np.testing.assert_allclose(
                np.asarray(got, dtype=np.float64),
                expected[name].astype(np.float64),
                rtol=spec.rtol,
                atol=spec.atol,
                err_msg=f"{case.id}: output {name}",
            )


#: Warning rules whose files Keras 3 refuses (spec §5.11, §9): the rest it loads.
KERAS_REFUSES = {
    "KF306": "needs a custom object the loader has not registered",
    "KF314": "a Keras 2 construct",
    "KF317": "a top-level model without module",
}


def test_keras_loads_warning_cases_exactly_when_the_rule_says_it_can() -> None:
    """Every warning-only invalid case that is a model file: Keras 3 loads it unless its
    rule says Keras refuses such files — so a warning case breaks nothing else Keras
    checks (layer shapes the validator cannot follow, say), and KF317 is what it claims."""
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    keras = pytest.importorskip("keras")
    wrong = {}
    checked = 0
    for case in cases():
        if not (case.origin == "recipe" and case.kind == "invalid" and case.valid):
            continue
        if case.layout not in ("keras", "directory"):
            continue  # weights-only files are not models: Keras loads them into one
        try:
            keras.saving.load_model(case.source)
            loaded, why = True, ""
        except Exception as exc:
            loaded, why = False, f"{type(exc).__name__}: {str(exc)[:200]}"
        checked += 1
        if loaded == (case.rule in KERAS_REFUSES):
            wrong[case.id] = f"{case.rule}: {'loads' if loaded else 'refused: ' + why}"
    assert checked >= 15
    assert not wrong, wrong
