"""Real Keras (TensorFlow backend) as the oracle for the text layers, in one child process.

:func:`oracle` (once per test session) starts a child that builds every model
of :data:`text_cases.CASES`, saves it, and writes its outputs; the parent then
loads each file with the runtime, predicts, and saves it again; the child
loads the runtime's files with Keras and predicts them too, and runs the
runtime's TensorFlow twin of each (TensorFlow is loaded there already: this
process imports neither Keras nor TensorFlow, which halves the cost). Outputs travel as
``.npz`` without pickles: strings as fixed-width bytes arrays.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from text_cases import CASES, INPUTS

__all__ = ["Case", "TextOracle", "as_saved", "load_outputs", "oracle"]

_HERE = Path(__file__).resolve().parent

_CHILD = r"""
import os, sys
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, sys.argv[1])
from pathlib import Path
import numpy as np
import keras
from text_cases import CASES
from text_oracle import as_saved

out = Path(sys.argv[2])
names = sys.argv[3].split(",")

import tensorflow as tf

def predict(model, x):
    # Keras' predict() refuses NumPy string arrays; a tf.string tensor is what it takes.
    y = model(tf.constant(x))
    return [t.numpy() for t in (y if isinstance(y, (list, tuple)) else [y])]

for name in names:
    build, x = CASES[name]
    model = build(keras)
    model.save(out / f"{name}.keras")
    np.savez(out / f"{name}.keras_out.npz", *[as_saved(y) for y in predict(model, x)])
print("ready", flush=True)
sys.stdin.readline()
sys.path.insert(0, sys.argv[4])
import reference_runtime as rr
from layer_check import export_outputs

for name in names:
    path = out / f"{name}.runtime.keras"
    if path.exists():
        model = keras.saving.load_model(path)
        x = CASES[name][1]
        np.savez(out / f"{name}.reload_out.npz", *[as_saved(y) for y in predict(model, x)])
        # The runtime's TensorFlow twin, traced here where TensorFlow is already loaded.
        twin = export_outputs(rr.load_model(path), x)
        twin = twin if isinstance(twin, list) else [twin]
        np.savez(out / f"{name}.twin_out.npz", *[as_saved(y) for y in twin])
print("done", flush=True)
"""


def as_saved(y: Any) -> np.ndarray[Any, Any]:
    """An output as ``np.savez`` stores it without pickling (strings as bytes)."""
    a = np.asarray(y)
    if a.dtype.kind == "O":
        return np.array(
            [v if isinstance(v, bytes) else str(v).encode() for v in a.ravel()]
        ).reshape(a.shape)
    return a


def load_outputs(path: Path) -> list[np.ndarray[Any, Any]]:
    """The arrays :func:`as_saved` stored, in order."""
    with np.load(path, allow_pickle=False) as z:
        return [z[f"arr_{i}"] for i in range(len(z.files))]


@dataclass
class Case:
    """One model's files and outputs."""

    name: str
    keras_file: Path
    keras_out: list[np.ndarray[Any, Any]]
    runtime_file: Path | None = None
    runtime_model: Any = None
    runtime_out: list[np.ndarray[Any, Any]] = field(default_factory=list)
    reload_out: list[np.ndarray[Any, Any]] | None = None
    twin_out: list[np.ndarray[Any, Any]] | None = None
    error: str | None = None


@dataclass
class TextOracle:
    """Every case of :data:`text_cases.CASES`, run through Keras and the runtime."""

    root: Path
    cases: dict[str, Case]


def _runtime_side(case: Case) -> None:
    import reference_runtime as rr

    try:
        model = rr.load_model(case.keras_file)
        out = model.predict(INPUTS[case.name])
        case.runtime_out = [as_saved(y) for y in (out if isinstance(out, list) else [out])]
        case.runtime_model = model
        case.runtime_file = case.keras_file.with_suffix(".runtime.keras")
        model.save(case.runtime_file)
    except Exception:
        case.error = traceback.format_exc()


def _tail(out: Path) -> str:
    return (out / "child.log").read_text(errors="replace")[-4000:]


@functools.cache
def oracle() -> TextOracle:
    """Run the child and the runtime once per session, in a temporary directory."""
    out = Path(tempfile.mkdtemp(prefix="kformat-text-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    names = list(CASES)
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    log = (out / "child.log").open("w")
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _CHILD,
            str(_HERE),
            str(out),
            ",".join(names),
            str(_HERE.parents[1]),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        line = child.stdout.readline()
        if line.strip() != "ready":
            child.kill()
            child.wait()
            raise RuntimeError(f"the Keras child failed: {_tail(out)}")
        cases = {}
        for name in names:
            case = Case(
                name,
                out / f"{name}.keras",
                load_outputs(out / f"{name}.keras_out.npz"),
            )
            _runtime_side(case)
            cases[name] = case
        stdout, _ = child.communicate("reload\n", timeout=600)
        if "done" not in stdout:
            raise RuntimeError(f"the Keras child failed reloading: {_tail(out)}")
    finally:
        if child.poll() is None:
            child.kill()
        log.close()
    for case in cases.values():
        reloaded = out / f"{case.name}.reload_out.npz"
        if reloaded.exists():
            case.reload_out = load_outputs(reloaded)
        twin = out / f"{case.name}.twin_out.npz"
        if twin.exists():
            case.twin_out = load_outputs(twin)
    return TextOracle(out, cases)
