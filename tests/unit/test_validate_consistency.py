"""Config <-> weights consistency on real Keras files (kformat/validate/_consistency.py; spec §6).

Each test takes a file real Keras wrote, changes one thing in its weights (or
config) and checks the validator names exactly that variable.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from kformat._issues import Issue
from kformat.validate._driver import run

ROOT = Path(__file__).resolve().parents[2]
FILES = ROOT / "conformance" / "keras_files"
W = "model.weights.h5"


def real(writer: str, case: str) -> bytes:
    path = FILES / writer / case / "model.keras"
    if not path.exists():
        pytest.skip(f"{path} not generated")
    return path.read_bytes()


def edit(
    data: bytes,
    *,
    weights: Callable[[h5py.File], None] | None = None,
    config: Callable[[dict[str, Any]], None] | None = None,
) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    out = []
    for name, payload in members:
        if name == W and weights is not None:
            buf = io.BytesIO(payload)
            with h5py.File(buf, "r+") as f:
                weights(f)
            payload = buf.getvalue()
        if name == "config.json" and config is not None:
            doc = json.loads(payload)
            config(doc)
            payload = json.dumps(doc).encode()
        out.append((name, payload))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, payload in out:
            zf.writestr(name, payload)
    return buf.getvalue()


def issues(data: bytes) -> list[tuple[str, str | None, str | None]]:
    return [
        (i.code, i.member, i.path)
        for i in run(io.BytesIO(data)).issues
        if i.code not in ("KF113", "KF314")
    ]


def errors(data: bytes) -> list[Issue]:
    return [i for i in run(io.BytesIO(data)).issues if i.severity == "error"]


def replace(path: str, value: np.ndarray) -> Callable[[h5py.File], None]:
    def apply(f: h5py.File) -> None:
        del f[path]
        f.create_dataset(path, data=value)

    return apply


@pytest.mark.parametrize(
    ("writer", "sub"),
    [
        ("keras-3.15.1", "query_dense"),
        ("keras-3.0.1", "_query_dense"),
        ("tf.keras-2.14.1", "_query_dense"),
        ("tf_keras-2.21.0", "_query_dense"),
    ],
)
def test_multi_head_attention_sublayers(writer: str, sub: str) -> None:
    data = real(writer, "mha_self")
    with zipfile.ZipFile(io.BytesIO(data)) as zf, h5py.File(io.BytesIO(zf.read(W))) as f:
        kernels = []
        f.visititems(lambda n, o: kernels.append("/" + n) if n.endswith(f"{sub}/vars/0") else None)
    assert len(kernels) == 1, kernels
    kernel = kernels[0]
    assert errors(data) == []
    bad = edit(data, weights=replace(kernel, np.zeros((3, 2, 4), "f4")))
    assert issues(bad) == [("KF422", W, kernel)]
    gone = edit(data, weights=lambda f: f.__delitem__(kernel.replace("/0", "/1")))
    assert issues(gone) == [("KF420", W, kernel.replace("/0", "/1"))]


def test_nested_models_and_shared_layers() -> None:
    data = real("keras-3.15.1", "nested_functional_in_functional")
    path = "/layers/functional/layers/dense/vars/0"
    bad = edit(data, weights=replace(path, np.zeros((1, 1), "f4")))
    assert issues(bad) == [("KF422", W, path)]
    shared = real("keras-3.15.1", "shared_layer")
    assert errors(shared) == []


def test_missing_group_extra_dataset_and_subgroup() -> None:
    data = real("keras-3.15.1", "mlp_bn_dropout")
    bn = "/layers/batch_normalization/vars"
    gone = edit(data, weights=lambda f: f.__delitem__("layers/batch_normalization"))
    assert issues(gone) == [("KF420", W, bn)]
    extra = edit(data, weights=lambda f: f.create_dataset(bn + "/4", data=np.ones(8, "f4")))
    assert issues(extra) == [("KF421", W, bn + "/4")]
    named = edit(data, weights=lambda f: f.create_dataset(bn + "/extra", data=np.ones(8, "f4")))
    assert issues(named) == [("KF421", W, bn + "/extra")]
    sub = edit(data, weights=lambda f: f.create_group(bn + "/nested"))
    assert issues(sub) == [("KF421", W, bn + "/nested")]


def test_unreferenced_groups_reported_once_at_the_top() -> None:
    data = real("keras-3.15.1", "mlp_bn_dropout")

    def add(f: h5py.File) -> None:
        f.create_dataset("layers/ghost/vars/0", data=np.ones(2, "f4"))
        f.create_dataset("layers/ghost/vars/1", data=np.ones(2, "f4"))
        f.create_dataset("stray/a/b", data=np.ones(2, "f4"))

    assert issues(edit(data, weights=add)) == [
        ("KF423", W, "/layers/ghost"),
        ("KF423", W, "/stray"),
    ]


def test_keras2_metrics_are_not_unreferenced() -> None:
    data = real("tf.keras-2.14.1", "mlp_bn_dropout")
    assert not any(c == "KF423" for c, _, _ in issues(data))


def test_wrong_keras_version_still_finds_the_layout() -> None:
    """tf.keras 2.14 stores layers under _layer_checkpoint_dependencies; a metadata.json
    claiming Keras 3 must not turn the file into a flood of findings."""
    data = real("tf.keras-2.14.1", "guide_functional")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, payload in members:
            if name == "metadata.json":
                payload = b'{"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}'
            zf.writestr(name, payload)
    assert errors(buf.getvalue()) == []


def test_name_attribute_and_dtype_warnings() -> None:
    data = real("keras-3.15.1", "dense_no_bias")
    with zipfile.ZipFile(io.BytesIO(data)) as zf, h5py.File(io.BytesIO(zf.read(W))) as f:
        groups: list[str] = []
        f.visititems(
            lambda n, o: groups.append("/" + n) if n.endswith("vars") and "0" in o else None
        )
    group = groups[0]
    renamed = edit(data, weights=lambda f: f[group].attrs.__setitem__("name", "other"))
    assert ("KF425", W, group) in issues(renamed)
    kernel = np.asarray(
        h5py.File(io.BytesIO(zipfile.ZipFile(io.BytesIO(data)).read(W)))[group + "/0"]
    )
    halved = edit(data, weights=replace(group + "/0", kernel.astype("f2")))
    assert issues(halved) == [("KF427", W, group + "/0")]


def test_bfloat16_without_marker_is_explained_by_the_policy() -> None:
    data = real("keras-3.0.1", "bfloat16_weights")
    assert not any(c == "KF418" for c, _, _ in issues(data))


def test_quantized_layers_are_skipped() -> None:
    data = real("keras-3.15.1", "dense_no_bias")

    def quantize(doc: dict[str, Any]) -> None:
        for layer in doc["config"]["layers"]:
            if layer["class_name"] == "Dense":
                layer["config"]["dtype"] = {
                    "module": "keras",
                    "class_name": "QuantizedDTypePolicy",
                    "config": {"mode": "int8", "source_name": "float32"},
                    "registered_name": None,
                }

    def add_scale(f: h5py.File) -> None:
        for name in list(f["layers"]):
            if "vars" in f["layers"][name] and "0" in f["layers"][name]["vars"]:
                f.create_dataset(f"layers/{name}/vars/1", data=np.ones(3, "f4"))

    assert errors(edit(data, config=quantize, weights=add_scale)) == []


def test_optimizer_state() -> None:
    data = real("keras-3.15.1", "mlp_bn_dropout")
    assert not any(c == "KF426" for c, _, _ in issues(data))
    fewer = edit(data, weights=lambda f: f.__delitem__("optimizer/vars/13"))
    assert ("KF426", W, "/optimizer/vars") in issues(fewer)


def test_layer_config_errors_do_not_cascade_into_weights() -> None:
    data = real("keras-3.15.1", "mlp_bn_dropout")

    def zero(doc: dict[str, Any]) -> None:
        for layer in doc["config"]["layers"]:
            if layer["class_name"] == "Dense":
                layer["config"]["units"] = 0
                break

    assert [c for c, _, _ in issues(edit(data, config=zero))] == ["KF305"]
