"""The runtime imports and runs without Keras, TensorFlow, JAX or SciPy.

A subprocess blocks those packages before importing ``reference_runtime``,
then builds, saves, reloads and runs a model (gelu exercises the SciPy-free
``erf``). kformat itself needs numpy, h5py, jsonschema and ml_dtypes.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

SCRIPT = textwrap.dedent(
    """
    import importlib.abc, sys

    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {"keras", "tensorflow", "jax", "jaxlib", "scipy", "tf_keras", "torch"}:
                raise ImportError(f"blocked: {name}")
            return None

    sys.meta_path.insert(0, Block())
    import numpy as np
    import reference_runtime as keras

    x = keras.Input((4,))
    h = keras.layers.Dense(8, activation="gelu")(x)
    h = keras.layers.LayerNormalization()(h)
    y = keras.layers.MultiHeadAttention(2, 4)(keras.layers.Reshape((2, 4))(h), keras.layers.Reshape((2, 4))(h))
    model = keras.Model(x, y)
    model.save(sys.argv[1])
    again = keras.models.load_model(sys.argv[1])
    data = np.random.default_rng(0).random((3, 4), dtype="float32")
    np.testing.assert_array_equal(again(data), model(data))
    assert not any(m.split(".")[0] in {"keras", "scipy", "jax", "tensorflow"} for m in sys.modules)
    print("ok")
    """
)


def test_runtime_without_keras_scipy_jax(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "m.keras")],
        capture_output=True,
        text=True,
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": ""},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
