"""Every file real Keras wrote (conformance/keras_files) validates with no error.

The exceptions are the files Keras itself cannot load back (their made.json
``reload_check`` records the failure): Keras 3.0.x omits ``rms_scaling`` from a
LayerNormalization config, so the config asks for a ``beta`` the weights do not
hold (KF420). The custom_registered case needs its custom object (KF306, a
warning: exit 0 unless --strict).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

import kformat
from kformat.validate._driver import run

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "conformance" / "keras_files"


def _sources() -> list[Path]:
    found: list[Path] = []
    for made in sorted(CORPUS.glob("*/*/made.json")):
        folder = made.parent
        found += sorted(folder.glob("*.keras")) + sorted(folder.glob("*.weights.h5"))
        found += sorted(folder.glob("*.weights.json"))
        found += sorted(p for p in folder.iterdir() if p.is_dir() and (p / "config.json").exists())
    return found


SOURCES = _sources()


def _reload_failure(source: Path) -> str:
    made = json.loads((source.parent / "made.json").read_text())
    check = made.get("reload_check") or ""
    return check if check.startswith("failed") else ""


@pytest.mark.skipif(not SOURCES, reason="the real-Keras corpus is not generated")
@pytest.mark.parametrize("source", SOURCES, ids=[str(p.relative_to(CORPUS)) for p in SOURCES])
def test_real_keras_file_has_no_error(source: Path) -> None:
    result = run(source)
    errors = [(i.code, i.member, i.path, i.message) for i in result.issues if i.severity == "error"]
    failure = _reload_failure(source)
    if "expected 2 variables, but received 1" in failure or "could not be loaded" in failure:
        assert errors and {e[0] for e in errors} == {"KF420"}, errors
        return
    assert errors == []
    if source.parent.name == "custom_registered":
        assert "MyLayers>ScaleShift" in result.custom_objects
        assert {i.code for i in result.issues} >= {"KF306"}
    else:
        assert result.custom_objects == []


def test_the_corpus_is_there() -> None:
    if not SOURCES:
        pytest.skip("the real-Keras corpus is not generated")
    writers = {p.relative_to(CORPUS).parts[0] for p in SOURCES}
    assert len(writers) >= 3


def test_everything_kformat_writes_validates_clean(tmp_path: Path) -> None:
    """Read every real file and write it back with kformat: still no error, and no
    new warning."""
    for source in SOURCES[:60]:
        if _reload_failure(source) or source.is_dir() or source.name.endswith(".json"):
            continue
        archive = kformat.read(source)
        if archive.layout != "keras":
            continue
        out = tmp_path / "copy.keras"
        kformat.write(archive, out)
        before = {(i.code, i.path) for i in run(source).issues}
        after = {(i.code, i.path) for i in run(out).issues}
        assert {i for i in after if i[0] != "KF112"} <= before, source


@pytest.mark.slow
def test_400_mb_model_validates_fast_without_reading_weights(tmp_path: Path) -> None:
    """A valid 400 MB model validates in < 0.2 s (shapes and layout only)."""
    units = 10_000
    layers = [
        {
            "module": "keras.layers",
            "class_name": "InputLayer",
            "config": {"batch_shape": [None, units], "dtype": "float32", "name": "x"},
            "registered_name": None,
        }
    ]
    weights: dict[str, np.ndarray] = {}
    groups: dict[str, dict[str, str]] = {"/vars": {"name": "sequential"}}
    block = np.ones((units, units), "float32")  # 400 MB, one shared buffer
    for i in range(1):
        name = "dense" if i == 0 else f"dense_{i}"
        layers.append(
            {
                "module": "keras.layers",
                "class_name": "Dense",
                "config": {"name": name, "units": units, "use_bias": True},
                "registered_name": None,
                "build_config": {"input_shape": [None, units]},
            }
        )
        weights[f"/layers/{name}/vars/0"] = block
        weights[f"/layers/{name}/vars/1"] = np.zeros(units, "float32")
        groups[f"/layers/{name}/vars"] = {"name": name}
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "sequential", "layers": layers},
        "registered_name": None,
    }
    path = tmp_path / "big.keras"
    kformat.write(
        kformat.KerasArchive(
            config,
            {"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"},
            weights,
            groups,
        ),
        path,
    )
    assert path.stat().st_size > 400_000_000
    run(path)  # warm up (imports, schemas)
    start = time.perf_counter()
    issues = run(path).issues
    elapsed = time.perf_counter() - start
    assert issues == []
    assert elapsed < 0.2, elapsed


def test_large_config_stays_linear(tmp_path: Path) -> None:
    """2,000 layers (a 0.7 MB config, 8,000 HDF5 objects) validate in well under 5 s:
    schema results are memoized per distinct sub-object, nothing is quadratic."""
    layers: list[dict[str, object]] = [
        {
            "module": "keras.layers",
            "class_name": "InputLayer",
            "config": {"batch_shape": [None, 4], "dtype": "float32", "name": "x"},
            "registered_name": None,
        }
    ]
    weights: dict[str, np.ndarray] = {}
    groups: dict[str, dict[str, str]] = {"/vars": {"name": "s"}}
    for i in range(2000):
        name = "dense" if i == 0 else f"dense_{i}"
        layers.append(
            {
                "module": "keras.layers",
                "class_name": "Dense",
                "config": {
                    "name": name,
                    "trainable": True,
                    "units": 4,
                    "activation": "relu",
                    "use_bias": True,
                    "kernel_initializer": {
                        "module": "keras.initializers",
                        "class_name": "GlorotUniform",
                        "config": {"seed": None},
                        "registered_name": None,
                    },
                },
                "registered_name": None,
                "build_config": {"input_shape": [None, 4]},
            }
        )
        weights[f"/layers/{name}/vars/0"] = np.zeros((4, 4), "float32")
        weights[f"/layers/{name}/vars/1"] = np.zeros(4, "float32")
        groups[f"/layers/{name}/vars"] = {"name": name}
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "s", "layers": layers},
        "registered_name": None,
    }
    path = tmp_path / "deep.keras"
    kformat.write(
        kformat.KerasArchive(
            config,
            {"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"},
            weights,
            groups,
        ),
        path,
    )
    start = time.perf_counter()
    assert run(path).issues == []
    assert time.perf_counter() - start < 5.0
