"""Oracle: files edited by ``kformat.patch`` load in real Keras 3 with the expected outputs.

One test (Keras is imported once): renamed layers (top level and inside a nested
model, from Keras 3.0 and 3.15 files), the optimizer state dropped from a compiled
model, a bias replaced (the expected output moves by exactly the bias change), and
conversions to the directory, ``.weights.h5`` and sharded ``.weights.json`` layouts,
each loaded the way Keras loads that layout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kformat
from tests.conftest import KERAS_FILES


def _case(folder: str) -> tuple[Path, np.ndarray[Any, Any], np.ndarray[Any, Any], dict[str, Any]]:
    case = KERAS_FILES / folder
    made = json.loads((case / "made.json").read_text())
    with np.load(case / "inputs.npz", allow_pickle=False) as npz:
        (x,) = (npz[k] for k in made["input_names"])
    with np.load(case / "outputs.npz", allow_pickle=False) as npz:
        (y,) = (npz[k] for k in made["output_names"])
    return case / "model.keras", x, y, made


@pytest.mark.oracle
def test_patched_files_load_in_keras(tmp_path: Path) -> None:
    keras = pytest.importorskip("keras", reason="real Keras (the test extra) is not installed")
    if not keras.__version__.startswith("3."):
        pytest.skip(f"needs Keras 3, found {keras.__version__}")

    def check(model: Any, x: Any, expected: Any, made: dict[str, Any]) -> None:
        got = np.asarray(model.predict(x, verbose=0), dtype="float64")
        tol = {"rtol": max(made["rtol"], 1e-5), "atol": max(made["atol"], 1e-6)}
        np.testing.assert_allclose(got, expected.astype("float64"), **tol)

    # Renames: the layer answers to its new name, every reference was updated.
    renames = {
        "keras-3.15.1/guide_functional": {"dense": "head"},
        "keras-3.0.1/cnn_autoencoder": {"enc_pool1": "pool_a", "reconstruction": "recon"},
        "keras-3.15.1/nested_sequential_in_functional": {"inner_seq/dense": "first", "out": "y"},
    }
    for folder, mapping in renames.items():
        src, x, y, made = _case(folder)
        out = tmp_path / (folder.replace("/", "_") + ".keras")
        kformat.patch(src, out, rename_layers=mapping)
        model = keras.saving.load_model(out)
        for old, new in mapping.items():
            holder = model.get_layer(old.split("/")[0]) if "/" in old else model
            assert holder.get_layer(new).name == new
        check(model, x, y, made)

    src, x, y, made = _case("keras-3.15.1/guide_functional")
    assert made["compiled"]
    # Optimizer state dropped: the compiled model still loads, predictions unchanged.
    lean = tmp_path / "lean.keras"
    kformat.patch(src, lean, drop_optimizer=True)
    with pytest.warns(UserWarning, match="Skipping variable loading for optimizer"):
        model = keras.saving.load_model(lean)  # a fresh optimizer, as Keras says
    assert model.optimizer is not None
    check(model, x, y, made)
    # One bias replaced: Dense(1, linear) outputs move by exactly the change.
    old = np.asarray(kformat.read(src).weights["/layers/dense/vars/1"])
    new = (old + 0.75).astype(np.float32)
    biased = tmp_path / "biased.keras"
    kformat.patch(src, biased, set_weights={"/layers/dense/vars/1": new})
    check(keras.saving.load_model(biased), x, y + 0.75, made)
    # Conversions: directory (load_model), .weights.h5 and sharded (load_weights).
    directory = tmp_path / "model_dir"
    kformat.patch(src, directory)
    check(keras.saving.load_model(directory), x, y, made)
    bare = keras.saving.load_model(src, compile=False)
    for layer in bare.layers:
        for var in layer.weights:
            var.assign(np.zeros(var.shape, var.dtype))
    h5 = tmp_path / "w.weights.h5"
    kformat.patch(biased, h5)
    bare.load_weights(h5)
    check(bare, x, y + 0.75, made)
    sharded = tmp_path / "w.weights.json"
    kformat.patch(src, sharded, max_shard_size=2e-7)
    assert len(list(tmp_path.glob("w_*.weights.h5"))) > 2
    bare.load_weights(sharded)
    check(bare, x, y, made)
