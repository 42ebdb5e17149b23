"""A real-Keras corpus case folder (``made.json``, ``inputs.npz``, ``outputs.npz``) as tests
read it: the writer's record, the model's feed in its input structure, and a comparison of
a model's outputs with the recorded ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["assert_outputs", "feed", "made"]


def made(case: Path) -> dict[str, Any]:
    record: dict[str, Any] = json.loads((case / "made.json").read_text())
    return record


def feed(case: Path, record: dict[str, Any]) -> Any:
    """The recorded inputs as the model takes them: one array, a list or a dict."""
    with np.load(case / "inputs.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in record["input_names"]}
    if record["input_structure"] == "dict":
        return arrays
    if record["input_structure"] == "list":
        return [arrays[k] for k in record["input_names"]]
    return arrays[record["input_names"][0]]


def assert_outputs(
    result: Any, case: Path, record: dict[str, Any], *, rtol: float, atol: float
) -> None:
    """``result`` (an array, a list/tuple or a dict of outputs) equals ``outputs.npz``."""
    names = record["output_names"]
    if isinstance(result, dict):
        got = {k: np.asarray(result[k]) for k in names}
    elif isinstance(result, (list, tuple)):
        got = {k: np.asarray(v) for k, v in zip(names, result, strict=True)}
    else:
        got = {names[0]: np.asarray(result)}
    with np.load(case / "outputs.npz", allow_pickle=False) as npz:
        for name in names:
            np.testing.assert_allclose(
                got[name].astype("float64"),
                npz[name].astype("float64"),
                rtol=rtol,
                atol=atol,
                err_msg=f"output {name}",
            )
