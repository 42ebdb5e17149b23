"""The benchmark inputs are valid files and the helpers work (no timings asserted)."""

from __future__ import annotations

from pathlib import Path

import pytest

import kformat
from benchmarks import _cnn, _models, bench_cnn, bench_infer, bench_rnn
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


def test_cnn_flop_count() -> None:
    def entry(cls: str, shape: list[int | None], **config: object) -> dict[str, object]:
        return {"class_name": cls, "config": config, "build_config": {"input_shape": shape}}

    conv = entry(
        "Conv2D",
        [None, 8, 8, 3],
        filters=4,
        kernel_size=[3, 3],
        strides=[2, 2],
        padding="same",
        dilation_rate=[1, 1],
        groups=1,
    )
    assert _cnn.layer_flops(conv) == 2 * (4 * 4) * (3 * 3 * 3) * 4
    depthwise = entry(
        "DepthwiseConv2D",
        [None, 7, 7, 5],
        kernel_size=[3, 3],
        strides=[1, 1],
        padding="valid",
        depth_multiplier=2,
    )
    assert _cnn.layer_flops(depthwise) == 2 * (5 * 5) * 9 * 5 * 2
    assert _cnn.layer_flops(entry("Dense", [None, 6], units=3)) == 2 * 6 * 3
    assert _cnn.layer_flops(entry("MaxPooling2D", [None, 8, 8, 3], pool_size=[2, 2])) == 0


@pytest.mark.oracle
def test_bench_cnn_cheap_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One small MobileNetV2 built by Keras, timed in the runtime only."""
    pytest.importorskip("keras")
    monkeypatch.setattr(_cnn, "CACHE", tmp_path)
    r = bench_cnn.run(models=["MobileNetV2"], size=32, batches=[1], repeat=1, keras_backends=())
    m = r["MobileNetV2"]
    assert list(tmp_path.glob("*.keras")) == [tmp_path / "mobilenetv2_32.keras"]
    assert m["flops_per_sample"] == _cnn.model_flops(tmp_path / "mobilenetv2_32.keras") > 0
    assert m["runtime_1"] > 0 and m["load_s"] > 0
    assert "keras_numpy_1" not in m
    bench_cnn.report(r)
    assert "MobileNetV2, 32x32" in capsys.readouterr().out


def test_registry_inputs_mix_valid_and_broken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks import bench_registry

    monkeypatch.setattr(bench_registry, "DISTINCT", 3)
    files, nbytes = bench_registry.generate(tmp_path / "registry", 30)
    paths = sorted((tmp_path / "registry").rglob("*.keras"))
    assert files == len(paths) == 30 and nbytes == sum(p.stat().st_size for p in paths)
    broken = [p for p in paths if list(kformat.iter_issues(p))]
    assert len(broken) == 30 // bench_registry.BROKEN_EVERY  # one in ten, each kind once


def test_bench_rnn_input_is_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    import reference_runtime as rr

    monkeypatch.setattr(bench_rnn, "CACHE", tmp_path)
    path = bench_rnn.lstm_file(units=4, steps=3, features=2)
    assert path.parent == tmp_path
    assert list(kformat.iter_issues(path)) == []
    model = rr.load_model(path)
    assert model(np.ones((2, 3, 2), "float32")).shape == (2, 4)
    bench_rnn.gemm_only(4, 3, 2, 2)()  # the GEMM-only baseline runs


def test_dask_benchmark_files_are_what_it_says(tmp_path: Path) -> None:
    from benchmarks import bench_dask

    files = bench_dask.write_files(tmp_path, 10)
    codes = [sorted({i.code for i in kformat.iter_issues(f)}) for f in files]
    assert codes[:9] == [[]] * 9 and "KF305" in codes[9]
