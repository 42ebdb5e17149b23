"""Every model of the conformance corpus runs in the runtime with Keras's outputs.

``conformance/keras_files/<writer>/<case>/`` holds a file written by a real
Keras (3.15, 3.0.5, 3.0.1, tf.keras 2.14, tf_keras 2.21), ``inputs.npz``,
``outputs.npz`` and ``made.json`` (names, structures, tolerances). Each case is
loaded with :func:`reference_runtime.load_model` (weights-only cases: the
architecture file plus ``load_weights``), run, and compared at the case's
tolerances; then saved again by the runtime and reloaded with equal outputs
(real Keras reloads the 3.15 re-saves too). Cases whose own writer could not
reload them (``reload_check`` "failed") may be refused with a KFormatError;
the others must load (several of those the runtime loads where their writer failed).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from runtime_oracle import assert_close, keras_or_skip, keras_predict

import reference_runtime as rr
from kformat.errors import KFormatError

ROOT = Path(__file__).resolve().parents[2] / "conformance" / "keras_files"
CASES = sorted(p for p in ROOT.glob("*/*") if (p / "made.json").is_file()) if ROOT.is_dir() else []


class ScaleShift(rr.layers.Layer):
    """NumPy twin of the corpus's registered ``MyLayers>ScaleShift`` (y = x * scale + shift)."""

    def __init__(self, shift: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shift = shift

    def build(self, input_shape: Any) -> None:
        self.scale = self.add_weight(
            name="scale", shape=(int(input_shape[-1]),), initializer="ones"
        )

    def call(self, inputs: Any) -> Any:
        return inputs * self.scale.value + np.asarray(self.shift, inputs.dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "shift": self.shift}


# Re-saved files name it "ScaleShift" (not registered here), as Keras would.
CUSTOM = {"MyLayers>ScaleShift": ScaleShift, "ScaleShift": ScaleShift}


def _load(case: Path, made: dict[str, Any]) -> Any:
    arch = case / made.get("architecture_file", made["model_file"])
    model = rr.load_model(arch, custom_objects=CUSTOM)
    if made.get("architecture_file"):
        model.load_weights(case / made["model_file"])
    return model


def _feed(case: Path, made: dict[str, Any]) -> Any:
    inputs = np.load(case / "inputs.npz")
    names = made["input_names"]
    if made["input_structure"] == "single":
        return inputs[names[0]]
    if made["input_structure"] == "list":
        return [inputs[n] for n in names]
    return {n: inputs[n] for n in names}


def _by_name(out: Any, made: dict[str, Any]) -> dict[str, Any]:
    names = made["output_names"]
    if made["output_structure"] == "single":
        return {names[0]: out}
    if made["output_structure"] == "list":
        assert isinstance(out, (list, tuple)) and len(out) == len(names)
        return dict(zip(names, out, strict=True))
    assert isinstance(out, dict)
    return out


@pytest.mark.skipif(not CASES, reason="conformance/keras_files is not generated")
@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_corpus_case(case: Path, tmp_path: Path) -> None:
    made = json.loads((case / "made.json").read_text())
    try:
        model = _load(case, made)
    except KFormatError:
        # Only files their own writer could not reload either may be refused
        # (Keras 3.0.x layernorm_rms: the config omits rms_scaling).
        if str(made.get("reload_check", "")).startswith("failed"):
            return
        raise
    feed = _feed(case, made)
    want = dict(np.load(case / "outputs.npz"))
    got = _by_name(model.predict(feed), made)
    assert set(got) == set(want)
    for name in want:
        assert_close(
            f"corpus:{case.parent.name}/{case.name}",
            got[name],
            want[name],
            made["rtol"],
            made["atol"],
        )
    again = tmp_path / "resaved.keras"
    model.save(again)
    reloaded = rr.load_model(again, custom_objects=CUSTOM)
    for name, value in _by_name(reloaded.predict(feed), made).items():
        np.testing.assert_array_equal(value, got[name])


def _text_inputs(case: Path) -> bool:
    # Keras runs string tensors only with the tensorflow backend, not the numpy one used here.
    return json.loads((case / "made.json").read_text())["backend"] == "tensorflow"


KERAS3_CASES = [
    c
    for c in CASES
    if c.parent.name.startswith("keras-3.15") and "custom" not in c.name and not _text_inputs(c)
]


@pytest.mark.oracle
@pytest.mark.skipif(not KERAS3_CASES, reason="conformance/keras_files is not generated")
@pytest.mark.parametrize("case", KERAS3_CASES, ids=[p.name for p in KERAS3_CASES])
def test_runtime_resave_loads_in_keras(case: Path, tmp_path: Path) -> None:
    keras = keras_or_skip()
    made = json.loads((case / "made.json").read_text())
    model = _load(case, made)
    path = tmp_path / "resaved.keras"
    model.save(path)
    theirs = keras.saving.load_model(path)
    feed = _feed(case, made)
    want = dict(np.load(case / "outputs.npz"))
    got = _by_name(keras_predict(theirs, feed), made)
    for name in want:
        assert_close(f"keras-reload:{case.name}", got[name], want[name], made["rtol"], made["atol"])
