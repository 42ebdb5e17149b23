"""Oracle: files ``kformat.migrate`` writes load in the real Keras 3 and compute what the
original Keras 2 writer computed; the reverse direction loads in the real tf_keras.

Keras 3 (the ``test`` extra, installed in CI): every case of conformance/keras2_files (legacy
HDF5 models, a legacy file named ``.keras``, Windows-saved files, from tf.keras 2.14 and
tf_keras 2.21) and a few Keras 2 ``.keras`` cases of conformance/keras_files, compared with the
writer's recorded outputs. tf_keras is not a test dependency (CI has Keras 3 and
tensorflow-cpu only): its oracle runs where ``tf_keras`` imports and is skipped elsewhere;
tests/unit/test_migrate_reverse.py checks the reverse direction against the tf_keras-written
corpus without it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import kformat
from tests import _corpus_case as corpus
from tests.conftest import KERAS_FILES

KERAS2_FILES = KERAS_FILES.parent / "keras2_files"
WRITERS = ("tf.keras-2.14.1", "tf_keras-2.21.0")
KERAS_CASES = ("nested_functional_in_functional", "mha_self", "functional_ops")
REVERSE_CASES = ("guide_sequential", "nested_functional_in_functional", "mha_cross")


def _cases() -> list[Any]:
    out = []
    for writer in WRITERS:
        for made in sorted((KERAS2_FILES / writer).glob("*/made.json")):
            out.append(pytest.param(made.parent, id=f"{writer}/{made.parent.name}"))
        for name in KERAS_CASES:
            out.append(pytest.param(KERAS_FILES / writer / name, id=f"{writer}/{name}"))
    return out


@pytest.mark.oracle
@pytest.mark.parametrize("case", _cases())
def test_keras3_loads_the_migrated_file(case: Path, tmp_path: Path) -> None:
    keras = pytest.importorskip("keras", reason="real Keras (the test extra) is not installed")
    if not keras.__version__.startswith("3."):
        pytest.skip(f"needs Keras 3, found {keras.__version__}")
    made = corpus.made(case)
    dest = tmp_path / "migrated.keras"
    kformat.migrate(case / made["model_file"], dest)
    model = keras.saving.load_model(dest, compile=False)
    corpus.assert_outputs(
        model.predict(corpus.feed(case, made), verbose=0),
        case,
        made,
        rtol=1e-5,
        atol=max(made["atol"], 1e-6),
    )


@pytest.mark.oracle
@pytest.mark.parametrize("name", REVERSE_CASES)
def test_tf_keras_loads_the_reverse_migration(name: str, tmp_path: Path) -> None:
    tf_keras = pytest.importorskip("tf_keras", reason="tf_keras is not installed (not in CI)")
    case = KERAS_FILES / "keras-3.15.1" / name
    made = corpus.made(case)
    dest = tmp_path / "for_tf_keras.keras"
    kformat.migrate(case / "model.keras", dest, to="tf_keras2")
    model = tf_keras.models.load_model(dest, compile=False)
    corpus.assert_outputs(
        model.predict(corpus.feed(case, made), verbose=0),
        case,
        made,
        rtol=1e-5,
        atol=max(made["atol"], 1e-6),
    )
