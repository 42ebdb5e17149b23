"""The benchmark inputs are valid files and the helpers work (no timings asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

import kformat
from benchmarks import _models, bench_infer
from benchmarks._util import child_peak_rss, median_time


def test_generated_model_is_valid(tmp_path: Path) -> None:
    archive = _models.dense_stack_archive(1, width=64)
    path = tmp_path / "m.keras"
    kformat.write(archive, path)
    assert list(kformat.iter_issues(path)) == []
    assert kformat.read(path).weights.nbytes == sum(w.nbytes for w in archive.weights.values())  # type: ignore[attr-defined]


def test_flop_count_and_helpers() -> None:
    # q, k, v, output projections + FFN + attention, per token.
    per_token = 2 * 4 * 768 * 768 + 2 * 2 * 768 * 3072 + 2 * 2 * 128 * 768
    assert bench_infer.bert_flops(128, 8) == 8 * 128 * per_token
    assert median_time(lambda: None, repeat=3) >= 0
    grown = child_peak_rss("import numpy as np", "a = np.ones(50_000_000, dtype=np.uint8)")
    assert grown is not None and grown >= 40_000_000


def test_many_layers_input_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_models, "CACHE", tmp_path)
    path = _models.many_layers_file(3)
    assert path.parent == tmp_path
    assert list(kformat.iter_issues(path)) == []
    archive = kformat.read(path)
    assert len(archive.config["config"]["layers"]) == 4  # InputLayer + 3 Dense
    assert len(archive.weights) == 6
