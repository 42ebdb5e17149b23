"""Every file real Keras wrote (conformance/keras_files) validates with no error.

The exceptions are the files Keras itself cannot load back (their made.json
``reload_check`` records the failure): Keras 3.0.x omits ``rms_scaling`` from a
LayerNormalization config, so the config asks for a ``beta`` the weights do not
hold (KF420). The custom_registered case needs its custom object (KF306, a
warning: exit 0 unless --strict).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def _write(path: Path, layers: list[dict[str, Any]], weights: dict[str, Any]) -> None:
    groups = {"/vars": {"name": "s"}}
    groups.update({p.rsplit("/", 1)[0]: {"name": p.split("/")[2]} for p in weights})
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "s", "layers": layers},
        "registered_name": None,
    }
    meta = {"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}
    kformat.write(kformat.KerasArchive(config, meta, weights, groups), path)


def _input(units: int) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": "InputLayer",
        "config": {"batch_shape": [None, units], "dtype": "float32", "name": "x"},
        "registered_name": None,
    }


# Peak resident set of a child process before and after each step. The weights
# are served from an mmap of the file, so every weight page validation touches
# joins the resident set: the high-water mark counts the bytes read.
_TOUCHED = """
import json, pathlib, re, sys
from kformat.validate._driver import run

def peak_kib():
    status = pathlib.Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\\s+(\\d+)", status).group(1))

run(sys.argv[2])  # a small valid file first: lazy imports, compiled schemas
base = peak_kib()
issues = run(sys.argv[1]).issues
plain = peak_kib() - base
base = peak_kib()
deep_issues = run(sys.argv[1], deep=True).issues  # reads every float, chunk by chunk
deep = peak_kib() - base
base = peak_kib()
import kformat  # the control: summing a weight through its view touches every page
total = float(kformat.read(sys.argv[1]).weights["/layers/dense/vars/0"].sum())
touched = peak_kib() - base
print(json.dumps({"issues": len(issues), "deep_issues": [i.code for i in deep_issues],
                  "plain_kib": plain, "deep_kib": deep, "touched_kib": touched}))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_validation_reads_no_weight_bytes(tmp_path: Path) -> None:
    """A valid 100 MB model validates from shapes and layout alone: the default run
    touches under 5% of the weight bytes; --deep reads them all (a NaN placed at the
    very end is found) yet releases each chunk, so it keeps under a third resident;
    summing the kernel through its view (the control) keeps over half."""
    units = 5_000
    layers = [
        _input(units),
        {
            "module": "keras.layers",
            "class_name": "Dense",
            "config": {"name": "dense", "units": units, "use_bias": True},
            "registered_name": None,
            "build_config": {"input_shape": [None, units]},
        },
    ]
    kernel = np.ones((units, units), "float32")
    kernel[-1, -1] = np.nan
    path = tmp_path / "big.keras"
    _write(path, layers, {"/layers/dense/vars/0": kernel, "/layers/dense/vars/1": kernel[0]})
    out = subprocess.run(
        [sys.executable, "-c", _TOUCHED, str(path), str(ROOT / "examples/guide_functional.keras")],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,  # a hang guard, not a speed requirement
    )
    m = json.loads(out.stdout)
    weight_kib = kernel.nbytes // 1024
    assert m["issues"] == 0
    assert m["deep_issues"] == ["KF424"], m
    assert m["plain_kib"] < 0.05 * weight_kib, m
    assert m["deep_kib"] < 0.33 * weight_kib, m
    assert m["touched_kib"] > 0.5 * weight_kib, m  # the measure does see weight reads


def _dense_stack(path: Path, n: int) -> None:
    layers = [_input(4)]
    weights: dict[str, Any] = {}
    for i in range(n):
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
    _write(path, layers, weights)


def _calls(path: Path) -> tuple[int, list[Any]]:
    """Python and C function calls made while validating ``path``: a count of work
    that does not depend on how busy the machine is."""
    count = 0

    def profile(frame: Any, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        issues = run(path).issues
    finally:
        sys.setprofile(None)
    return count, issues


def test_large_config_stays_linear(tmp_path: Path) -> None:
    """Four times the layers (100 -> 400 Dense layers, 1,600 HDF5 objects) costs about
    four times the calls: schema results are memoized per distinct sub-object and no
    step is quadratic (one extra call per pair of layers would push the ratio to 4.4).
    Wall-clock scaling up to 2,000 layers lives in benchmarks/bench_scale.py."""
    small, large = tmp_path / "small.keras", tmp_path / "large.keras"
    _dense_stack(small, 100)
    _dense_stack(large, 400)
    run(small)  # warm up: lazy imports, compiled schemas, caches
    n_small, issues_small = _calls(small)
    n_large, issues_large = _calls(large)
    assert issues_small == [] and issues_large == []
    assert 3.5 < n_large / n_small < 4.25, (n_small, n_large)
