"""PReLU and RMSNormalization are fully specified: config keys and weight shapes checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import kformat
from tests.conftest import KERAS_FILES

CASES = [("rms_normalization", "rms_normalization"), ("softmax_relu_identity", "p_re_lu")]


@pytest.mark.parametrize(("case", "group"), CASES)
def test_real_files_clean_and_checked(case: str, group: str, tmp_path: Path) -> None:
    files = sorted(KERAS_FILES.glob(f"*/{case}/model.keras"))
    if not files:
        pytest.skip("corpus file absent")
    for f in files:
        codes = {i.code for i in kformat.iter_issues(f)}
        assert "KF310" not in codes and "KF312" not in codes, (f, codes)
    # A wrong weight shape is now caught (it was unchecked as KF310).
    a = kformat.read(files[-1])
    weights = dict(a.weights)
    key = next(p for p in weights if f"/{group}/" in p)
    weights[key] = np.zeros(tuple(d + 1 for d in weights[key].shape), weights[key].dtype)
    bad = tmp_path / "bad.keras"
    kformat.write(kformat.KerasArchive(a.config, a.metadata, weights, a.groups), bad)
    errors = [(i.code, i.path) for i in kformat.iter_issues(bad) if i.severity == "error"]
    assert errors == [("KF422", key)]
