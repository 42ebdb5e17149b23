"""KF425 compares only names the config states, not Keras' session-unique sub-layer names."""

from __future__ import annotations

from pathlib import Path

import pytest

import kformat
from tests.conftest import KERAS_FILES

SOURCE = KERAS_FILES / "keras-3.15.1" / "transformer_block" / "model.keras"


def _renamed(tmp_path: Path, group: str, name: str) -> Path:
    a = kformat.read(SOURCE)
    groups = {g: dict(v) for g, v in a.groups.items()}
    assert group in groups
    groups[group]["name"] = name
    out = tmp_path / "m.keras"
    kformat.write(kformat.KerasArchive(a.config, a.metadata, a.weights, groups), out)
    return out


@pytest.fixture(autouse=True)
def _need_corpus() -> None:
    if not SOURCE.exists():
        pytest.skip("corpus file absent")


def test_sub_layer_name_suffix_is_not_a_warning(tmp_path: Path) -> None:
    # A second MultiHeadAttention in a Keras session names its softmax "softmax_1".
    mha = next(g for g in kformat.read(SOURCE).groups if g.endswith("/_softmax/vars"))
    codes = [i.code for i in kformat.iter_issues(_renamed(tmp_path, mha, "softmax_1"))]
    assert "KF425" not in codes


def test_layer_name_mismatch_still_warns(tmp_path: Path) -> None:
    issues = list(kformat.iter_issues(_renamed(tmp_path, "/layers/dense/vars", "not_the_name")))
    assert [(i.code, i.path) for i in issues] == [("KF425", "/layers/dense/vars")]
