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
