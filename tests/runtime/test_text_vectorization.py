"""TextVectorization against Keras + TensorFlow (runtime, validator, TF twin), and a
text model run by the runtime where TensorFlow cannot be imported."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from layer_check import set_config_key
from text_cases import INPUTS
from text_checks import assert_same, check_case, text_oracle

import reference_runtime as rr
from kformat.errors import InvalidArchiveError
from kformat.validate import iter_issues

pytestmark = pytest.mark.oracle

ROOT = Path(__file__).resolve().parents[2]


def test_text_vectorization_matches_keras() -> None:
    # Branches: adapted defaults (non-ASCII text: only ASCII is lower-cased, only
    # ASCII whitespace splits), bigrams + output_sequence_length + max_tokens,
    # characters + multi_hot, tf_idf of (1, 3)-grams, count with padding,
    # strip_punctuation + truncation, split=None.
    check_case("text_vectorization")


def test_both_asset_copies_are_written() -> None:
    case = text_oracle().cases["text_vectorization"]
    assert case.runtime_file is not None
    for path in (case.keras_file, case.runtime_file):
        with zipfile.ZipFile(path) as z:
            outer = z.read("assets/layers/text_vectorization/vocabulary.txt")
            inner = z.read("assets/layers/text_vectorization/_lookup_layer/vocabulary.txt")
        assert outer == inner
        assert outer.split(b"\n")[:3] == [b"", b"[UNK]", b"the"]


_NO_TENSORFLOW = r"""
import importlib.abc, json, sys

class NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras", "tf_keras", "jax", "torch"):
            raise ImportError(f"{name} is blocked in this process")
        return None

sys.meta_path.insert(0, NoTensorFlow())
sys.modules["tensorflow"] = None
import numpy as np
import reference_runtime as rr

texts = json.loads(sys.argv[2])
model = rr.load_model(sys.argv[1])
np.save(sys.argv[3], model.predict(np.array(texts), verbose=0))
try:
    import tensorflow
except ImportError:
    pass
else:
    raise SystemExit("tensorflow was importable")
assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules if sys.modules[m])
"""


def test_sentiment_model_runs_without_tensorflow(tmp_path: Path) -> None:
    """TextVectorization -> Embedding -> Bidirectional(LSTM) -> Dense, saved by Keras,
    runs on raw strings in a process where TensorFlow, Keras and JAX cannot be imported."""
    case = text_oracle().cases["sentiment"]
    with zipfile.ZipFile(case.keras_file) as z:
        config = json.loads(z.read("config.json"))
    layers = {layer["class_name"]: layer for layer in config["config"]["layers"]}
    assert {"TextVectorization", "Embedding", "Bidirectional", "Dense"} <= set(layers)
    assert layers["Bidirectional"]["config"]["layer"]["class_name"] == "LSTM"
    out = tmp_path / "out.npy"
    texts = INPUTS["sentiment"].tolist()
    subprocess.run(
        [sys.executable, "-c", _NO_TENSORFLOW, str(case.keras_file), json.dumps(texts), str(out)],
        check=True,
        cwd=ROOT,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert_same("sentiment without TensorFlow", [np.load(out)], case.keras_out)
    check_case("sentiment")


def test_refusals(tmp_path: Path) -> None:
    text = np.array(["a b"])
    with pytest.raises(ValueError, match="ragged=True"):
        rr.layers.TextVectorization(vocabulary=["a"], ragged=True)(text)
    custom = {"module": "builtins", "class_name": "function", "config": "my_standardize"}
    with pytest.raises(ValueError, match="my_standardize"):
        rr.layers.TextVectorization(vocabulary=["a"], standardize=custom)(text)
    with pytest.raises(ValueError, match="ngrams"):
        rr.layers.TextVectorization(vocabulary=["a"], split=None, ngrams=2)(text)
    with pytest.raises(ValueError, match="standardize must be one of"):
        rr.layers.TextVectorization(standardize="upper")
    case = text_oracle().cases["text_vectorization"]
    bad = tmp_path / "bad.keras"
    bad.write_bytes(case.keras_file.read_bytes())
    set_config_key(bad, "TextVectorization", "split", "comma")
    assert "KF305" in {i.code for i in iter_issues(bad)}
    with pytest.raises(InvalidArchiveError):
        rr.load_model(bad)
