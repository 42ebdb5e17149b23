"""``kformat.diff`` reports exactly the change a test made (a renamed layer, one weight
perturbed, one layer added) and nothing else, on files of every writer generation;
``kformat.patch`` edits and converts, and refuses (leaving the output untouched) a
result that would not validate."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kformat
from kformat import weight_paths
from kformat.__main__ import main
from kformat._inspect import _generation
from tests.conftest import KERAS_FILES

WRITERS = ("keras-3.0.1", "keras-3.0.5", "keras-3.15.1", "tf.keras-2.14.1", "tf_keras-2.21.0")


def _files(case: str) -> list[Any]:
    return [
        pytest.param(KERAS_FILES / w / case / "model.keras", id=w)
        for w in WRITERS
        if (KERAS_FILES / w / case / "model.keras").exists()
    ]


def _assert_only(d: kformat.Diff, **expected: Any) -> None:
    got = {"layers": d.layers, "config": d.config, "weights": d.weights, "metadata": d.metadata}
    for key, value in got.items():
        assert len(value) == expected.get(key, 0), (key, value)


@pytest.mark.parametrize("src", _files("guide_functional"))
def test_rename_is_one_layer_change(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "renamed.keras"
    warnings = kformat.patch(src, out, rename_layers={"dense": "head"})
    assert [i.code for i in warnings] == [i.code for i in kformat.iter_issues(src)]
    config = kformat.read(out).config
    text = json.dumps(config)
    assert '"head"' in text and '["dense", 0, 0]' not in text and '"name": "dense"' not in text
    d = kformat.diff(src, out)
    _assert_only(d, layers=1)
    assert d.layers[0] == kformat._diff.LayerChange("renamed", "dense", "Dense", "head")
    assert d.weights_equal == len(kformat.read(src).weights)
    groups = kformat.read(out).groups
    named = {attrs.get("name") for attrs in groups.values()}
    assert "dense" not in named  # Keras 3.6+ vars groups carry the name: renamed too


@pytest.mark.parametrize("src", _files("guide_sequential"))
def test_one_weight_perturbed(src: Path, tmp_path: Path) -> None:
    archive = kformat.read(src)
    path = next(
        p for p in archive.weights if p.endswith("/vars/0") and archive.weights[p].ndim == 2
    )
    new = np.array(archive.weights[path])
    new[1, 0] += 0.25
    out = tmp_path / "perturbed.keras"
    kformat.patch(src, out, set_weights={path: new})
    d = kformat.diff(src, out)
    _assert_only(d, weights=1)
    (w,) = d.weights
    assert (w.kind, w.path, w.new_path) == ("values", path, None)
    assert w.max_abs == pytest.approx(0.25, rel=1e-6)
    assert w.max_rel == pytest.approx(0.25 / abs(float(archive.weights[path][1, 0])), rel=1e-5)
    assert kformat.diff(src, out, weights_tolerance=0.25).same
    assert kformat.diff(src, out, only=("architecture", "metadata")).same


def _insert_dense(archive: kformat.KerasArchive, after: str, name: str) -> kformat.KerasArchive:
    """``archive`` (a Sequential) with a Dense layer ``name`` of the same width inserted
    after ``after``: every later layer of the same class moves to a new HDF5 path."""
    config = copy.deepcopy(archive.config)
    assert config is not None
    layers = config["config"]["layers"]
    i = next(k for k, e in enumerate(layers) if e["config"]["name"] == after)
    width = layers[i]["config"]["units"]
    entry = copy.deepcopy(layers[i])
    entry["config"]["name"] = name
    entry["build_config"] = {"input_shape": [None, width]}
    if "name" in entry:
        entry["name"] = name
    layers.insert(i + 1, entry)
    gen = _generation(archive)
    old = {o.name: o.path for o in weight_paths.object_paths(archive.config, gen) if o.path}  # type: ignore[arg-type]
    new = {o.name: o.path for o in weight_paths.object_paths(config, gen) if o.path}
    moves = sorted(((old[n], new[n]) for n in old), key=lambda m: -len(m[0]))

    def moved(path: str) -> str:
        for a, b in moves:
            if path == a or path.startswith(a + "/"):
                return b + path[len(a) :]
        return path

    weights = {moved(p): archive.weights[p] for p in archive.weights}
    groups = {moved(p): dict(g) for p, g in archive.groups.items()}
    rng = np.random.default_rng(7)
    weights[f"{new[name]}/vars/0"] = rng.standard_normal((width, width)).astype(np.float32)
    weights[f"{new[name]}/vars/1"] = np.zeros(width, np.float32)
    template = archive.groups.get(f"{old[after]}/vars", {})
    groups[f"{new[name]}/vars"] = {"name": name} if "name" in template else {}
    for parent in (new[name], new[name].rsplit("/", 1)[0]):
        groups.setdefault(parent, {})
    return kformat.KerasArchive(config, archive.metadata, weights, groups, archive.assets)


@pytest.mark.parametrize("src", _files("guide_sequential"))
def test_one_layer_added(src: Path, tmp_path: Path) -> None:
    archive = kformat.read(src)
    out = tmp_path / "added.keras"
    kformat.write(_insert_dense(archive, "layer1", "extra"), out)
    kformat.check(out)
    d = kformat.diff(src, out)
    _assert_only(d, layers=1, weights=2)
    assert d.layers[0] == kformat._diff.LayerChange("added", "extra", "Dense")
    assert {(w.kind, w.layer) for w in d.weights} == {("added", "extra")}
    # layer2 and layer3 moved to new HDF5 paths, and are matched by layer all the same
    assert d.weights_equal == len(archive.weights)
    back = kformat.diff(out, src)
    assert [c.kind for c in back.layers] == ["removed"] and len(back.weights) == 2


def test_config_and_metadata_pointers(tmp_path: Path) -> None:
    src = KERAS_FILES / "keras-3.15.1/guide_functional/model.keras"
    archive = kformat.read(src)
    config = copy.deepcopy(archive.config)
    assert config is not None
    config["config"]["layers"][1]["config"]["activation"] = "relu"
    config["compile_config"]["loss"] = "mean_absolute_error"
    changed = kformat.KerasArchive(
        config, {**(archive.metadata or {}), "note": "x"}, archive.weights, archive.groups
    )
    out = tmp_path / "c.keras"
    kformat.write(changed, out)
    d = kformat.diff(src, out)
    assert [(c.category, c.pointer, c.old, c.new, c.layer) for c in d.config] == [
        ("architecture", "/config/layers/1/config/activation", "linear", "relu", "dense"),
        ("compile", "/compile_config/loss", "mean_squared_error", "mean_absolute_error", None),
    ]
    assert [(c.pointer, c.old, c.new) for c in d.metadata] == [("/note", "<absent>", "x")]
    assert len(kformat.diff(src, out, only=["compile"]).config) == 1
    assert kformat.diff(src, out, only=["weights"]).same


def test_cli_diff_exit_codes_and_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = KERAS_FILES / "tf_keras-2.21.0/guide_functional/model.keras"
    out = tmp_path / "r.keras"
    assert main(["patch", str(src), "-o", str(out), "--rename-layer", "dense=head"]) == 0
    assert main(["diff", str(src), str(src)]) == 0
    assert "same" in capsys.readouterr().out
    assert main(["diff", str(src), str(out)]) == 1
    assert "layer renamed: dense -> head (Dense)" in capsys.readouterr().out
    assert main(["diff", "--format", "github", str(src), str(out)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("::warning file=") and "layer renamed" in lines[0]
    assert main(["diff", "--format", "json", "--only", "weights", str(src), str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["same"] is True
    assert main(["diff", str(src), str(tmp_path / "missing.keras")]) == 2
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    assert main(["diff", str(bad), str(src)]) == 2


def test_patch_converts_between_layouts(tmp_path: Path) -> None:
    src = KERAS_FILES / "keras-3.15.1/guide_functional/model.keras"
    directory, h5 = tmp_path / "model", tmp_path / "w.weights.h5"
    sharded = tmp_path / "s.weights.json"
    kformat.patch(src, directory)
    kformat.patch(directory, h5)
    kformat.patch(h5, sharded, max_shard_size=2e-7)  # 214 bytes a shard
    assert kformat.read(directory).layout == "directory"
    assert len(list(tmp_path.glob("s_*.weights.h5"))) > 2
    assert kformat.diff(src, directory).same
    assert kformat.diff(h5, sharded).same
    assert kformat.diff(src, sharded, only=["weights"]).same
    back = tmp_path / "back.weights.h5"
    kformat.patch(sharded, back)  # un-shard
    assert kformat.diff(h5, back).same
    with pytest.raises(ValueError, match="weights-only"):
        kformat.patch(h5, tmp_path / "x.keras")
    rebuilt = tmp_path / "rebuilt.keras"
    assert main(["patch", str(sharded), "-o", str(rebuilt), "--config-from", str(src)]) == 0
    assert kformat.diff(src, rebuilt).same
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    with pytest.raises(kformat.InvalidArchiveError):  # weights of another model: refused
        kformat.patch(
            h5,
            tmp_path / "y.keras",
            config_from=KERAS_FILES / "keras-3.15.1/guide_sequential/model.keras",
        )


def test_patch_refuses_an_invalid_result(tmp_path: Path) -> None:
    src = KERAS_FILES / "keras-3.15.1/guide_functional/model.keras"
    out = tmp_path / "out.keras"
    kformat.patch(src, out, set_metadata={"note": "first"})
    before = out.read_bytes()
    with pytest.raises(kformat.InvalidArchiveError, match="KF420") as err:
        kformat.patch(src, out, delete_weights=["/layers/dense/vars/0"])
    assert err.value.code == "KF420" and err.value.issues
    assert out.read_bytes() == before and os.listdir(tmp_path) == ["out.keras"]
    with pytest.raises(ValueError, match="shape"):
        kformat.patch(src, out, set_weights={"/layers/dense/vars/1": np.zeros(2, np.float32)})
    with pytest.raises(ValueError, match="without loss"):
        kformat.patch(src, out, set_weights={"/layers/dense/vars/1": np.array([0.1])})
    with pytest.raises(KeyError):
        kformat.patch(src, out, rename_layers={"nope": "x"})
    with pytest.raises(ValueError, match="already has"):
        kformat.patch(src, out, rename_layers={"dense": "input"})
    assert out.read_bytes() == before


def test_patch_edits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = KERAS_FILES / "keras-3.15.1/guide_functional/model.keras"
    work = tmp_path / "m.keras"
    work.write_bytes(src.read_bytes())
    bias = np.array([0.5], np.float32)
    np.save(tmp_path / "bias.npy", bias)
    np.savez(tmp_path / "k.npz", kernel=np.ones((32, 1), np.float32))
    argv = ["patch", str(work), "-o", str(work), "--drop-optimizer", "-q"]
    argv += ["--set-weight", f"/layers/dense/vars/1={tmp_path / 'bias.npy'}"]
    argv += ["--set-weight", f"/layers/dense/vars/0={tmp_path / 'k.npz'}:kernel"]
    assert main([*argv, "--set-metadata", 'note={"by": "test"}']) == 1  # KF211: strings only
    assert "KF211" in capsys.readouterr().err
    assert main([*argv, "--set-metadata", "note=by test"]) == 0  # in place
    a = kformat.read(work)
    assert not any(p.startswith("/optimizer") for p in [*a.weights, *a.groups])
    assert a.metadata is not None and a.metadata["note"] == "by test"
    assert a.weights["/layers/dense/vars/1"].tolist() == [0.5]
    assert a.weights["/layers/dense/vars/0"].sum() == 32
    kformat.check(work)
    nested = KERAS_FILES / "keras-3.15.1/nested_sequential_in_functional/model.keras"
    out = tmp_path / "n.keras"
    kformat.patch(nested, out, rename_layers={"inner_seq/dense": "first"})
    d = kformat.diff(nested, out)
    assert [(c.kind, c.name, c.new_name) for c in d.layers] == [
        ("renamed", "inner_seq/dense", "first")
    ]
    _assert_only(d, layers=1)
    assert kformat.read(out).groups["/layers/sequential/layers/dense/vars"] == {"name": "first"}
    # A nested model renamed together with one of its layers: inner first, found as two renames.
    both = tmp_path / "both.keras"
    kformat.patch(nested, both, rename_layers={"inner_seq": "encoder", "inner_seq/dense": "first"})
    d = kformat.diff(nested, both)
    assert sorted((c.name, c.new_name) for c in d.layers) == [
        ("inner_seq", "encoder"),
        ("inner_seq/dense", "first"),
    ]
    _assert_only(d, layers=2)
    assert d.weights_equal == len(kformat.read(nested).weights)
    assert main(["patch", str(src), "-o", str(out), "--rename-layer", "dense"]) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


def test_hostile_names_reach_no_output_raw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A class and layer name that clear the screen and forge a workflow command, and
    a bidi override, through inspect (every format), diff (every format) and plot."""
    import re

    from tests.unit.test_cli_output_safety import EVIL, UNSAFE, _archive_with
    from tests.unit.test_validate_cli import clean_archive

    good, evil = tmp_path / "good.keras", tmp_path / "evil.keras"
    kformat.write(clean_archive(), good)
    kformat.write(_archive_with(EVIL + "\ud800", "dense" + EVIL), evil)
    runs = [["inspect", "--format", f, str(evil)] for f in ("text", "json", "markdown")]
    runs += [["diff", "--format", f, str(good), str(evil)] for f in ("text", "json", "github")]
    runs += [["plot", str(evil), "-o", str(tmp_path / "evil.dot")]]
    for argv in runs:
        main(argv)
        captured = capsys.readouterr()
        assert not UNSAFE.search(captured.out + captured.err), argv
        if argv[:3] == ["diff", "--format", "github"]:
            lines = captured.out.splitlines()
            assert lines and all(re.match(r"::(warning|notice) file=[^:]*::", x) for x in lines)
    assert not UNSAFE.search((tmp_path / "evil.dot").read_text())
