"""``kformat.inspect`` / ``kformat inspect``: on files of every writer generation in the
corpus, the writer and generation found, the layer table (output shapes against what
Keras computed, parameters against the weights), the manifest, custom objects and
compile state; and that no weight byte is touched unless ``hash=True``."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kformat
from kformat._inspect import inspect_archive
from kformat._inspect_render import render
from tests.conftest import KERAS_FILES

# writer folder -> (writer, generation) inspect must report
WRITERS = {
    "keras-3.0.1": ("keras", "keras3.0"),
    "keras-3.0.5": ("keras", "keras3"),
    "keras-3.15.1": ("keras", "keras3"),
    "tf.keras-2.14.1": ("tf.keras", "keras2.13"),
    "tf_keras-2.21.0": ("tf_keras", "keras2"),
}
CASES = (
    "guide_functional",
    "guide_sequential",
    "nested_sequential_in_functional",
    "cnn_autoencoder",
)


def _made(case: Path) -> dict[str, Any]:
    return json.loads((case / "made.json").read_text())


def _params() -> list[Any]:
    out = []
    for writer in WRITERS:
        for case in CASES:
            path = KERAS_FILES / writer / case / "model.keras"
            if path.exists():
                out.append(pytest.param(writer, path, id=f"{writer}/{case}"))
    return out


@pytest.mark.parametrize(("writer", "path"), _params())
def test_every_generation(writer: str, path: Path) -> None:
    info = kformat.inspect(path)
    made = _made(path.parent)
    assert (info.writer.writer, info.writer.generation) == WRITERS[writer]
    assert info.writer.version == made["version"] and info.writer.evidence
    assert info.layout == "keras" and info.metadata == kformat.read(path).metadata
    # Every layer's output shape, where known, ends in what Keras computed for the output.
    (out_name,) = made["output_names"]
    (row,) = [layer for layer in info.layers if layer.name == out_name]
    assert [list(s)[1:] for s in row.output_shape] == [made["output_shapes"][out_name][1:]]
    assert row.output_shape[0][0] is None
    # Parameters of top-level layers add up to every array outside optimizer/metrics.
    model_arrays = [w for w in info.weights if not w.path.startswith(("/optimizer", "/metrics"))]
    assert sum(layer.params for layer in info.layers if layer.parent is None) == sum(
        int(np.prod(w.shape)) for w in model_arrays
    )
    assert all(w.layer is not None for w in model_arrays)
    assert info.custom_objects == ()
    assert (info.compile_config is not None) == made["compiled"]
    assert info.optimizer_bytes == sum(
        w.nbytes for w in info.weights if w.path.startswith("/optimizer/")
    )
    for fmt in ("text", "markdown"):
        text = render(info, fmt)
        assert out_name in text and WRITERS[writer][1] in text
    assert json.loads(render(info, "json"))["params"] == info.params


def test_layouts_custom_objects_and_compile_state() -> None:
    base = KERAS_FILES / "keras-3.15.1"
    sharded = kformat.inspect(base / "sharded_weights/model.weights.json")
    assert sharded.layout == "sharded" and sharded.class_name is None and sharded.layers == ()
    assert sharded.writer.writer == "unknown" and len(sharded.weights) == 8
    directory = kformat.inspect(base / "unzipped_dir/model")
    assert directory.layout == "directory" and directory.layers
    custom = kformat.inspect(KERAS_FILES / "keras-3.0.1/custom_registered/model.keras")
    assert custom.custom_objects == ("MyLayers>ScaleShift",)
    assert "MyLayers>ScaleShift" in render(custom, "text")
    compiled = kformat.inspect(base / "guide_functional/model.keras")
    assert compiled.optimizer == "Adam" and compiled.optimizer_arrays == 6
    assert compiled.optimizer_bytes == 272 and compiled.compile_config is not None
    with open(base / "guide_functional/model.keras", "rb") as f:
        streamed = kformat.inspect(f)
    assert streamed.weights == compiled.weights
    nested = kformat.inspect(base / "nested_sequential_in_functional/model.keras")
    inner = [layer for layer in nested.layers if layer.parent == "inner_seq"]
    assert [layer.name for layer in inner] == [
        "inner_seq/inner_x",
        "inner_seq/dense",
        "inner_seq/dense_1",
    ]
    (seq,) = [layer for layer in nested.layers if layer.name == "inner_seq"]
    assert seq.params == sum(layer.params for layer in inner) == 82


def test_hash_is_sha256_of_each_array() -> None:
    path = KERAS_FILES / "tf_keras-2.21.0/guide_functional/model.keras"
    archive = kformat.read(path)
    info = kformat.inspect(path, hash=True)
    for w in info.weights:
        assert (
            w.sha256
            == hashlib.sha256(np.ascontiguousarray(archive.weights[w.path]).tobytes()).hexdigest()
        )
    assert kformat.inspect(path).weights[0].sha256 is None


def _big(tmp_path: Path) -> Path:
    """A 64 MiB .keras of real (non-zero) weights."""
    from benchmarks._models import dense_stack_archive

    path = tmp_path / "big.keras"
    kformat.write(dense_stack_archive(64, width=2048, depth=4), path)
    return path


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/smaps")
def test_reads_no_weight_bytes_unless_hashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks.bench_inspect import mapped_rss

    path = _big(tmp_path)
    calls: list[str] = []
    real = kformat.WeightMap.__getitem__

    def counted(self: kformat.WeightMap, key: str) -> Any:
        calls.append(key)
        return real(self, key)

    monkeypatch.setattr(kformat.WeightMap, "__getitem__", counted)
    archive = kformat.read(path)
    opened = mapped_rss(path)
    info = inspect_archive(archive, str(path))
    weight_bytes = info.weight_bytes
    assert weight_bytes > 64 * 2**20 and calls == []
    # Pages of the file this process has mapped: the zip directory and HDF5 headers
    # the reader looked at (each fault maps a whole page-cache folio, up to 2 MiB
    # on Linux 6.x); inspect itself maps nothing more.
    assert mapped_rss(path) == opened < weight_bytes // 8
    hashed = inspect_archive(archive, str(path), hash=True)
    assert len(calls) == len(hashed.weights)
    assert mapped_rss(path) >= weight_bytes
    del archive


def test_cli_inspect_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kformat.__main__ import main

    src = KERAS_FILES / "tf.keras-2.14.1/guide_sequential/model.keras"
    assert main(["inspect", str(src)]) == 0
    out = capsys.readouterr().out
    assert "tf.keras 2.14.0, generation keras2.13" in out and "layer2" in out
    assert "/_layer_checkpoint_dependencies/dense_1/vars/0" in out
    assert main(["inspect", "--format", "markdown", str(src)]) == 0
    assert "| layer1 | Dense | (None, 2) | 10 | float32 | x |" in capsys.readouterr().out
    assert main(["inspect", "--format", "json", "--hash", str(src)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert all(len(w["sha256"]) == 64 for w in doc["weights"])
    assert main(["info", str(src)]) == 0  # the older summary stays
    assert main(["inspect", str(tmp_path / "missing.keras")]) == 2
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"PK\x03\x04 not a zip")
    assert main(["inspect", str(bad)]) == 1
    assert "bad.keras: not a readable zip" in capsys.readouterr().err


def test_names_from_the_file_are_escaped() -> None:
    archive = kformat.read(KERAS_FILES / "keras-3.15.1/guide_sequential/model.keras")
    from kformat._patch import patch_archive

    evil = patch_archive(archive, rename_layers={"layer2": "x\x1b[2J|\u202e"})
    info = inspect_archive(evil)
    for fmt in ("text", "markdown", "json"):
        text = render(info, fmt)
        assert "\x1b" not in text and "\u202e" not in text
    assert "x\\x1b[2J\\|\\u202e" in render(info, "markdown")


def test_benchmark_file_is_a_valid_keras(tmp_path: Path) -> None:
    """bench_inspect's sparse file, at a small size: valid, and all weights zero."""
    from benchmarks.bench_inspect import sparse_keras

    path = sparse_keras(tmp_path / "s.keras", width=512, depth=2)
    kformat.check(path)
    archive = kformat.read(path)
    assert archive.weights.nbytes == 2 * (512 * 512 + 512) * 4  # type: ignore[attr-defined]
    assert not any(archive.weights[p].any() for p in archive.weights)
