"""Every ``keras.applications`` model end to end: Keras builds and saves it
(``weights=None``, random non-trivial weights), kformat validates it in depth,
the runtime predicts Keras' outputs, and its TensorFlow export (a SavedModel
written and loaded back) predicts the same.

The default run covers ``app_models.FAST``; ``pytest --applications=all`` runs
every model Keras 3.15 exports (about 40, tens of minutes on two cores),
``--applications=ResNet50,VGG16`` a list, ``--applications=none`` none.
Built files are cached (``app_models.cache_dir``), so a second run skips Keras.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from app_models import FAST, cached, selected

import reference_runtime as rr
from kformat.validate import iter_issues

pytestmark = pytest.mark.oracle

RTOL = ATOL = 1e-4


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "app" in metafunc.fixturenames:
        names = selected(str(metafunc.config.getoption("applications")))
        metafunc.parametrize("app", names)


@pytest.fixture
def model_file(app: str) -> tuple[Path, np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    pytest.importorskip("keras", reason="real Keras builds the models")
    path, x, want = cached(app)
    # Non-trivial goldens: finite, and not one value for every input and class.
    assert np.all(np.isfinite(want)), app
    assert np.ptp(want) > 0, app
    missing = _missing_classes(path)
    if missing:
        pytest.skip(f"{app} uses layer classes the runtime does not have yet: {missing}")
    return path, x, want


def _missing_classes(path: Path) -> list[str]:
    """Layer classes of the file (nested models included) the runtime has no class for."""
    with zipfile.ZipFile(path) as z:
        config = json.loads(z.read("config.json"))
    names: set[str] = set()
    stack: list[Any] = [config]
    while stack:
        obj = stack.pop()
        if isinstance(obj, dict):
            module = str(obj.get("module"))
            if module == "keras.layers" or module.startswith("keras.src.applications."):
                names.add(obj["class_name"])
            stack.extend(obj.values())
        elif isinstance(obj, list):
            stack.extend(obj)
    return sorted(n for n in names if n not in rr.layers.LAYERS)


def _assert_close(name: str, got: Any, want: Any) -> None:
    got = np.asarray(got)
    assert got.shape == want.shape, name
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=name)


def test_validates_and_runs_with_keras_outputs(app: str, model_file: Any) -> None:
    path, x, want = model_file
    problems = [
        f"{i.code} {i.path}: {i.message}"
        for i in iter_issues(path)
        if i.severity == "error" or i.code == "KF310"
    ]
    assert not problems, problems
    model = rr.load_model(path)
    _assert_close(app, model.predict(x), want)


def test_exports_to_tensorflow(app: str, model_file: Any, tmp_path: Path) -> None:
    tf = pytest.importorskip("tensorflow")
    from reference_runtime.export import ExportArchive, export_saved_model

    path, x, want = model_file
    model = rr.load_model(path)
    if app not in FAST:
        # the full round trip: written to disk, loaded back by TensorFlow
        export_saved_model(model, tmp_path / "saved")
        # keep the loaded object: its endpoints hold weak references to its variables
        loaded = tf.saved_model.load(str(tmp_path / "saved"))
        out = loaded.serve(tf.constant(x))
    else:
        # the default run traces the endpoint the SavedModel would serve (the
        # same function export_saved_model writes) without the disk round trip
        spec = tf.TensorSpec((None, *x.shape[1:]), tf.float32)
        out = ExportArchive().add_endpoint("serve", model, [spec])(tf.constant(x))
    got = out if not isinstance(out, dict) else next(iter(out.values()))
    _assert_close(f"{app} (TensorFlow)", got.numpy(), want)
