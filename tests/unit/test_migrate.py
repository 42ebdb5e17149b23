"""``kformat.migrate``: Keras 2 files (tf.keras 2.14, tf_keras 2.21; .keras, legacy HDF5,
Windows-saved) into Keras 3 files that compute the writer's recorded outputs, and back.

The reference is what the real writer computed (``outputs.npz`` of the corpus), the migrated
file is run with ``reference_runtime`` as a Keras 3 file; the real-Keras oracle is
tests/oracle/test_migrate_oracle.py.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kformat
import reference_runtime as rr
from kformat.__main__ import main
from kformat.errors import UnsupportedFeatureError
from tests import _corpus_case as corpus
from tests.conftest import KERAS_FILES

ROOT = KERAS_FILES.parent
KERAS2_FILES = ROOT / "keras2_files"
WRITERS = ("tf.keras-2.14.1", "tf_keras-2.21.0")
# Keras 2 .keras cases of the main corpus that exercise one migration rule each.
KERAS_CASES = (
    "nested_functional_in_functional",  # node numbers of a nested model, output_layers
    "nested_sequential_in_functional",
    "mha_cross",  # _query_dense paths, query/value_shape -> shapes_dict
    "batchnorm_axis",  # list axis
    "functional_ops",  # TFOpLambda -> keras.ops
    "activations_all",  # Keras 2 hard_sigmoid Activation (tf_keras: all activations)
    "shared_layer",  # a layer called twice
    "attention_masks",  # tensor references nested in call kwargs
)
# Rules both writers exercise the same way: one writer is enough.
ONE_WRITER = (
    "mixed_float16",  # Policy dicts
    "bfloat16_weights",  # bare opaque bfloat16 datasets
)


def _cases() -> list[Any]:
    out = []
    for writer in WRITERS:
        for made in sorted((KERAS2_FILES / writer).glob("*/made.json")):
            out.append(pytest.param(made.parent, id=f"{writer}/{made.parent.name}"))
        for name in KERAS_CASES + (ONE_WRITER if writer == WRITERS[0] else ()):
            out.append(pytest.param(KERAS_FILES / writer / name, id=f"{writer}/{name}"))
    return out


@pytest.mark.parametrize("case", _cases())
def test_migrated_file_computes_the_writers_outputs(case: Path, tmp_path: Path) -> None:
    made = corpus.made(case)
    dest = tmp_path / "migrated.keras"
    report = kformat.migrate(case / made["model_file"], dest)
    assert report.target == "keras3" and report.changes
    migrated = kformat.read(dest)
    assert migrated.metadata is not None and migrated.metadata["keras_version"].startswith("3.")
    assert migrated.config is not None and "engine" not in json.dumps(migrated.config)
    assert not any("_layer_checkpoint_dependencies" in p or "\\" in p for p in migrated.weights)
    model = rr.load_model(dest)
    corpus.assert_outputs(
        model(corpus.feed(case, made)),
        case,
        made,
        rtol=max(made["rtol"], 1e-5),
        atol=max(made["atol"], 1e-6),
    )


@pytest.mark.parametrize(
    "case", [pytest.param(KERAS2_FILES / w / "windows_functional_mixed", id=w) for w in WRITERS]
)
def test_check_runs_both_files_and_reports_the_difference(case: Path, tmp_path: Path) -> None:
    report = kformat.migrate(case / "model.keras", tmp_path / "m.keras", check=True)
    assert report.source_kind == "keras2-windows"
    assert report.checked_outputs == 1 and report.max_abs_diff is not None
    assert report.max_abs_diff <= 1e-6
    assert any("Windows" in c for c in report.changes)


def test_check_refuses_files_whose_outputs_differ(tmp_path: Path) -> None:
    from kformat._migrate import _check

    case = KERAS2_FILES / WRITERS[0] / "legacy_functional_mixed"
    other = KERAS2_FILES / WRITERS[0] / "windows_functional_mixed"  # same model, other weights
    kformat.migrate(other / "model.keras", tmp_path / "other.keras")
    with pytest.raises(UnsupportedFeatureError, match="outputs differ"):
        _check.compare(case / "model.h5", tmp_path / "other.keras")


def test_legacy_hdf5_and_windows_files_are_named_by_read_and_validate() -> None:
    legacy = KERAS2_FILES / WRITERS[0] / "legacy_sequential_cnn" / "model.h5"
    misnamed = KERAS2_FILES / WRITERS[0] / "legacy_named_keras" / "model.keras"
    windows = KERAS2_FILES / WRITERS[1] / "windows_functional_mixed" / "model.keras"
    for path, code in ((legacy, "KF413"), (misnamed, "KF413"), (windows, "KF438")):
        with pytest.raises(UnsupportedFeatureError, match="kformat migrate") as info:
            kformat.read(path)
        assert info.value.code == code
        assert code in {i.code for i in kformat.iter_issues(path)}


@pytest.mark.parametrize(
    "case", ["legacy_functional_mixed", "legacy_named_keras", "windows_functional_mixed"]
)
def test_runtime_loads_legacy_and_windows_files_directly(case: str) -> None:
    folder = KERAS2_FILES / WRITERS[1] / case
    made = corpus.made(folder)
    model = rr.load_model(folder / made["model_file"])
    corpus.assert_outputs(
        model(corpus.feed(folder, made)),
        folder,
        made,
        rtol=max(made["rtol"], 1e-5),
        atol=max(made["atol"], 1e-6),
    )


def _keras2_archive(case: str, change: Any) -> kformat.KerasArchive:
    """A real tf.keras 2.14 file with its config changed by ``change(config)``."""
    a = kformat.read(KERAS_FILES / WRITERS[0] / case / "model.keras")
    assert a.config is not None
    config = copy.deepcopy(a.config)
    change(config)
    return kformat.KerasArchive(
        config=config, metadata=a.metadata, weights=a.weights.materialize(), groups=a.groups
    )


def _layer(config: dict[str, Any], index: int) -> dict[str, Any]:
    layer: dict[str, Any] = config["config"]["layers"][index]
    return layer


def _custom(c: dict[str, Any]) -> None:
    _layer(c, 1).update(module="my_pkg.layers", class_name="Scale", registered_name="my>Scale")


def _lambda(c: dict[str, Any]) -> None:
    _layer(c, 1).update(class_name="Lambda")


def _bn_axes(c: dict[str, Any]) -> None:
    _layer(c, 1)["config"]["axis"] = [1, 2]


def _tf_op(c: dict[str, Any]) -> None:
    _layer(c, 1)["config"]["function"] = "linalg.matmul"


def _training(c: dict[str, Any]) -> None:
    _layer(c, 1)["inbound_nodes"][0][0][3]["training"] = True  # Monte-Carlo style call


def _dropped_class(c: dict[str, Any]) -> None:
    _layer(c, 1)["class_name"] = "DenseFeatures"


@pytest.mark.parametrize(
    ("case", "change", "layer", "reason"),
    [
        ("guide_functional", _custom, "dense", "custom class"),
        ("guide_functional", _lambda, "dense", "bytecode"),
        ("batchnorm_axis", _bn_axes, "bn_axis1_eps", "several axes"),
        ("functional_ops", _tf_op, "tf.math.add", "linalg.matmul"),
        ("guide_functional", _dropped_class, "dense", "Keras 3 dropped"),
        ("guide_functional", _training, "dense", "training=True"),
    ],
)
def test_refusals_name_the_layer_the_reason_and_write_nothing(
    tmp_path: Path, case: str, change: Any, layer: str, reason: str
) -> None:
    src = tmp_path / "keras2.keras"
    kformat.write(_keras2_archive(case, change), src)
    dest = tmp_path / "out.keras"
    with pytest.raises(UnsupportedFeatureError) as info:
        kformat.migrate(src, dest)
    message = str(info.value)
    assert f"layer {layer!r}" in message and reason in message and ";" in message
    assert not dest.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["keras2.keras"]


def test_keras3_files_are_not_migrated_again(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFeatureError, match="Keras 3 loads it as it is"):
        kformat.migrate(
            KERAS_FILES / "keras-3.15.1" / "guide_functional" / "model.keras", tmp_path / "m.keras"
        )


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = KERAS2_FILES / WRITERS[0] / "legacy_sequential_cnn" / "model.h5"
    assert main(["migrate", str(src), str(tmp_path / "m.keras"), "--check"]) == 0
    out = capsys.readouterr().out
    assert "legacy-h5 (Keras 2.14.0) -> keras3" in out and "check: 1 output(s) equal" in out
    assert main(["migrate", str(src), str(tmp_path / "m.h5")]) == 2
    bad = tmp_path / "keras2.keras"
    kformat.write(_keras2_archive("guide_functional", _lambda), bad)
    assert main(["migrate", str(bad), str(tmp_path / "n.keras")]) == 1
    assert "not migrated" in capsys.readouterr().err


def _legacy_h5(path: Path, config: bytes | None) -> Path:
    import h5py

    with h5py.File(path, "w") as f:
        if config is not None:
            f.attrs["model_config"] = config.decode("utf-8", errors="surrogatepass")
        f.create_group("model_weights").attrs["layer_names"] = np.array([], dtype="S1")
    return path


@pytest.mark.parametrize(
    ("config", "code"),
    [
        (b"[" * 300 + b"]" * 300, "KF203"),  # deeper than max_json_depth
        (b'{"class_name": "Sequential", "class_name": "Model"}', "KF207"),  # duplicate key
        (b"{not json", "KF202"),
        (None, "KF413"),  # weights only: no model to migrate
    ],
)
def test_hostile_legacy_model_config_is_refused_by_the_json_rules(
    tmp_path: Path, config: bytes | None, code: str
) -> None:
    src = _legacy_h5(tmp_path / "legacy.h5", config)
    with pytest.raises(kformat.KFormatError) as info:
        kformat.migrate(src, tmp_path / "out.keras")
    assert info.value.code == code
    assert not (tmp_path / "out.keras").exists()


def test_legacy_hdf5_goes_through_the_safe_walk(tmp_path: Path) -> None:
    import h5py

    src = _legacy_h5(tmp_path / "linked.h5", b'{"class_name": "Sequential", "config": []}')
    with h5py.File(src, "a") as f:
        f["model_weights/elsewhere"] = h5py.SoftLink("/etc/passwd")
    with pytest.raises(kformat.UnsafeArchiveError) as info:
        kformat.migrate(src, tmp_path / "out.keras")
    assert info.value.code == "KF402"
