"""A weights *warning* does not switch off the config <-> weights comparison."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np

import kformat
from tests.conftest import EXAMPLE

KERNEL = "/layers/dense/vars/0"


def _rewrite(tmp_path: Path, edit: Callable[[h5py.File], None]) -> Path:
    a = kformat.read(EXAMPLE)
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        for g, attrs in a.groups.items():
            grp = f.require_group(g)
            for k, v in attrs.items():
                grp.attrs[k] = v
        for path, arr in a.weights.items():
            f.create_dataset(path, data=arr)
        edit(f)
    out = tmp_path / "m.keras"
    with zipfile.ZipFile(EXAMPLE) as src, zipfile.ZipFile(out, "w") as zf:
        for name in ("metadata.json", "config.json"):
            zf.writestr(name, src.read(name))
        zf.writestr("model.weights.h5", buf.getvalue())
    return out


def test_baseline_is_clean(tmp_path: Path) -> None:
    assert list(kformat.iter_issues(_rewrite(tmp_path, lambda f: None))) == []


def test_chunked_dataset_with_wrong_shape_reports_both(tmp_path: Path) -> None:
    def edit(f: h5py.File) -> None:
        shape = f[KERNEL].shape
        del f[KERNEL]
        f.create_dataset(KERNEL, data=np.zeros((shape[0] + 1, shape[1]), "float32"), chunks=True)

    codes = {(i.code, i.path) for i in kformat.iter_issues(_rewrite(tmp_path, edit))}
    assert ("KF416", KERNEL) in codes
    assert ("KF422", KERNEL) in codes


def test_root_attribute_does_not_hide_the_comparison(tmp_path: Path) -> None:
    def edit(f: h5py.File) -> None:
        f.attrs["note"] = "hello"
        f[KERNEL][0, 0] = 1.0  # still the right shape: no error expected

    issues = list(kformat.iter_issues(_rewrite(tmp_path, edit)))
    assert [i.code for i in issues] == ["KF428"]
