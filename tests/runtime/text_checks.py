"""Assertions shared by the text-layer tests: one case of :mod:`text_oracle`
checked end to end (runtime = Keras, Keras reload = Keras, validator clean,
TensorFlow twin = runtime)."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest
from layer_check import validation_problems
from text_oracle import TextOracle, as_saved, oracle

__all__ = ["assert_same", "check_case", "text_oracle"]


def text_oracle() -> TextOracle:
    """The session's oracle run (skips without Keras or TensorFlow)."""
    # Found, not imported: the child imports them while this process works.
    for module in ("keras", "tensorflow"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is needed as the oracle")
    return oracle()


def assert_same(name: str, got: list[Any], want: list[Any]) -> None:
    """Bit-identical integers and strings; float32 within one ulp-ish."""
    assert len(got) == len(want), f"{name}: {len(got)} outputs, Keras has {len(want)}"
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        g, w = as_saved(g), as_saved(w)
        where = f"{name} output {i}"
        assert g.shape == w.shape, f"{where}: shape {g.shape} != {w.shape}"
        if w.dtype.kind == "f":
            assert g.dtype == w.dtype, f"{where}: dtype {g.dtype} != {w.dtype}"
            np.testing.assert_allclose(g, w, rtol=1e-6, atol=0, err_msg=where)
        else:
            assert g.dtype.kind == w.dtype.kind, f"{where}: dtype {g.dtype} != {w.dtype}"
            np.testing.assert_array_equal(g, w, err_msg=where)


def check_case(name: str, twin: bool = True) -> None:
    """Every check of one case (see the module docstring)."""
    text = text_oracle()
    case = text.cases[name]
    assert case.error is None, case.error
    assert_same(f"{name} (runtime)", case.runtime_out, case.keras_out)
    assert case.reload_out is not None, "Keras did not reload the runtime's file"
    assert_same(f"{name} (Keras reload)", case.reload_out, case.keras_out)
    assert not validation_problems(case.keras_file)
    assert case.runtime_file is not None
    assert not validation_problems(case.runtime_file)
    if twin:
        assert case.twin_out is not None, "the TensorFlow twin did not run"
        assert_same(f"{name} (TensorFlow)", case.twin_out, case.runtime_out)
