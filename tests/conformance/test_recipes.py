"""conformance/recipes/make_cases.py regenerates the committed corpus byte for byte."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.conformance._support import CORPUS, ROOT

RECIPE = ROOT / "conformance" / "recipes" / "make_cases.py"
KINDS = ("valid", "invalid", "runtime")


def _files(base: Path) -> set[str]:
    out = {"index.json"}
    for kind in KINDS:
        out |= {
            p.relative_to(base).as_posix()
            for p in (base / kind).rglob("*")
            if p.is_file() or p.is_symlink()
        }
    return out


def test_recipe_regenerates_the_committed_corpus(tmp_path: Path) -> None:
    recorded = json.loads((CORPUS / "index.json").read_text())["environment"]
    here = {
        "numpy": np.__version__,
        "h5py": h5py.version.version,
        "hdf5": h5py.version.hdf5_version,
    }
    subprocess.run(
        [sys.executable, str(RECIPE), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    )
    fresh, committed = _files(tmp_path), _files(CORPUS)
    assert fresh == committed, (
        f"missing: {sorted(committed - fresh)[:10]}, new: {sorted(fresh - committed)[:10]}"
    )
    differ = [
        rel
        for rel in sorted(fresh)
        if rel != "index.json" and not filecmp.cmp(tmp_path / rel, CORPUS / rel, shallow=False)
    ]
    if differ and any(recorded.get(k) != v for k, v in here.items()):
        pytest.skip(
            f"corpus written with {recorded}, this is {here}: HDF5 bytes may differ; "
            f"{len(differ)} files differ"
        )
    assert not differ, (
        f"{len(differ)} files differ from the recipe's output, e.g. {differ[:5]}: run "
        f"python conformance/recipes/make_cases.py and commit the result"
    )


def test_recipe_is_deterministic_for_a_subset(tmp_path: Path) -> None:
    """Generating one case alone gives the same bytes as the full run (no hidden state)."""
    subprocess.run(
        [sys.executable, str(RECIPE), "--out", str(tmp_path), "-k", "mha_cross"],
        check=True,
        capture_output=True,
    )
    produced = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert produced
    for p in produced:
        rel = p.relative_to(tmp_path)
        assert filecmp.cmp(p, CORPUS / rel, shallow=False), rel
