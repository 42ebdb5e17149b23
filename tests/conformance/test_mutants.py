"""Mutation testing of the harness: deliberately broken adapters must fail.

Each mutant is a small adapter script written into ``tmp_path`` that wraps a reference
adapter and breaks one thing. It runs through the harness on a fixed subset of cases
(the same subset for every reader mutant, and every writer mutant), in-process (the
argv contract without an interpreter start per case). The reference adapters pass the
whole subset; every mutant must fail at least :data:`MIN_KILLS` cases of it, so no
mutant is caught by a single case that an implementation could special-case.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from kformat.conformance import Case
from kformat.conformance._reader import run_reader
from kformat.conformance._writer import Checks, run_writer
from tests.conformance._support import ADAPTERS, READER, RUNTIME_WRITER, adapter, cases, in_process

MIN_KILLS = 3

READER_SUBSET = [
    "runtime/batchnorm_axis1",
    "runtime/batchnorm_last_axis",
    "runtime/batchnorm_center_only",
    "runtime/dense_rank3",
    "runtime/layout_sharded",
    "runtime/mha_cross",
    "keras_files/keras-3.15.1/mlp_bn_dropout",
    "valid/layout/sharded_many_shards",
    "valid/container/zip64_records",
    "invalid/container/config_missing_with_comment",
    "invalid/container/config_missing_with_assets",
    "invalid/layout/directory_config_missing",
    "hostile/member_config_missing",
    "invalid/weights/nan_weight",
]
WRITER_SUBSET = [
    "runtime/batchnorm_axis1",
    "runtime/dense_rank3",
    "runtime/mha_value_dim",
    "runtime/nested_sequential_in_functional",
]

# --------------------------------------------------------------------------- reader mutants

READER_HEAD = """
import argparse, json, shutil, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, {adapters!r})
import kformat_reader as ref


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("path")
    p.add_argument("--architecture")
    p.add_argument("--limits")
    p.add_argument("--deep", action="store_true")
    p.add_argument("--inputs")
    p.add_argument("--outputs")
    a = p.parse_args(argv)
    limits = json.load(open(a.limits)) if a.limits else None
    print(json.dumps(mutant(a, limits)))
    return 0


def reference(a, limits):
    return ref.verdict(a.path, architecture=a.architecture, limits=limits, deep=a.deep,
                       inputs=a.inputs, outputs=a.outputs)
"""

READER_MUTANTS = {
    # Outputs of the right shape, all zeros.
    "zeros_reader": """
def mutant(a, limits):
    v = reference(a, limits)
    if a.outputs and Path(a.outputs).is_file():
        with np.load(a.outputs) as d:
            np.savez(a.outputs, **{k: np.zeros_like(d[k]) for k in d.files})
    return v
""",
    # Outputs 0.1% off: within what a careless float16 path would give.
    "perturbed_outputs": """
def mutant(a, limits):
    v = reference(a, limits)
    if a.outputs and Path(a.outputs).is_file():
        with np.load(a.outputs) as d:
            np.savez(a.outputs, **{k: d[k] * 1.001 + 1e-3 for k in d.files})
    return v
""",
    # BatchNormalization run with moving variance 1 (the variance ignored).
    "ignored_bn_variance": """
import reference_runtime as rr
_load = rr.load_model


def _layers(model):
    for layer in getattr(model, "layers", []):
        yield layer
        yield from _layers(layer)


def _patched_load(*args, **kwargs):
    model = _load(*args, **kwargs)
    predict = model.predict

    def run(*a, **k):
        for layer in _layers(model):
            if type(layer).__name__ == "BatchNormalization":
                w = layer.get_weights()
                w[-1] = np.ones_like(w[-1])
                layer.set_weights(w)
        return predict(*a, **k)

    model.predict = run
    return model


def mutant(a, limits):
    rr.load_model = _patched_load
    try:
        return reference(a, limits)
    finally:
        rr.load_model = _load
""",
    # A file without config.json is accepted (the missing member not checked).
    "no_config_accepted": """
def mutant(a, limits):
    v = reference(a, limits)
    if any(i["code"] == "KF102" and i["member"] == "config.json" for i in v["issues"]):
        return {"valid": True, "issues": []}
    return v
""",
    # Reads the answers beside the file; knows nothing else.
    "peeking_reader": """
def mutant(a, limits):
    here = Path(a.path).resolve().parent
    for folder in (here, here.parent, here.parent.parent):
        case = folder / "case.json"
        if case.is_file():
            doc = json.loads(case.read_text())
            expect = doc.get("expect", {})
            if isinstance(expect, list):  # the hostile corpus lists the issues only
                expect = {"valid": False, "issues": expect}
            if a.outputs and (folder / "outputs.npz").is_file():
                shutil.copy(folder / "outputs.npz", a.outputs)
            return {"valid": expect.get("valid", True), "issues": expect.get("issues", []),
                    "decoded": doc.get("decoded")}
    return {"valid": True, "issues": []}
""",
}

# --------------------------------------------------------------------------- writer mutants

WRITER_HEAD = """
import argparse, dataclasses, os, sys
import numpy as np
sys.path.insert(0, {adapters!r})
import kformat
import runtime_writer


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--description")
    p.add_argument("--weights")
    p.add_argument("--out")
    a = p.parse_args(argv)
    runtime_writer.write(a.description, a.weights, a.out)
    arc = kformat.read(a.out)
    weights, config = mutant(dict(arc.weights.materialize()), arc.config)
    tmp = a.out + ".tmp.keras"
    kformat.write(dataclasses.replace(arc, weights=weights, config=config), tmp)
    os.replace(tmp, a.out)
    return 0
"""

WRITER_MUTANTS = {
    # vars/0 and vars/1 of every layer swapped (variables in the wrong order).
    "wrong_weight_order": """
def mutant(weights, config):
    out = dict(weights)
    for path in weights:
        if path.endswith("/vars/0") and path[:-1] + "1" in weights:
            out[path], out[path[:-1] + "1"] = weights[path[:-1] + "1"], weights[path]
    return out, config
""",
    # No module / registered_name anywhere (Keras 3 cannot locate the model class).
    "dropped_module": """
def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("module", "registered_name")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def mutant(weights, config):
    return weights, _strip(config)
""",
    # float32 variables stored as float64.
    "float64_weights": """
def mutant(weights, config):
    return {p: (np.asarray(w, "float64") if np.asarray(w).dtype == np.float32 else w)
            for p, w in weights.items()}, config
""",
    # One variable more in the first layer that has variables.
    "extra_weight": """
def mutant(weights, config):
    first = sorted(weights)[0].rsplit("/", 1)[0]
    count = sum(p.rsplit("/", 1)[0] == first for p in weights)
    return {**weights, f"{first}/{count}": np.zeros(3, "float32")}, config
""",
}


def _subset(ids: list[str]) -> list[Case]:
    by_id = {c.id: c for c in cases()}
    return [by_id[i] for i in ids]


def _script(tmp_path: Path, name: str, head: str, body: str) -> Path:
    path = tmp_path / f"mutant_{name}.py"
    path.write_text(head.format(adapters=str(ADAPTERS)) + body, encoding="utf-8")
    return path


def _failed_reader_cases(script: Path) -> dict[str, str]:
    prefix = [sys.executable, str(script)]
    with in_process(adapter(script).main, prefix):
        results = run_reader(prefix, _subset(READER_SUBSET), timeout=600)
    return {r.case: r.reason for r in results if r.outcome == "fail"}


def _failed_writer_cases(script: Path) -> dict[str, str]:
    prefix, reader = [sys.executable, str(script)], [sys.executable, str(READER)]
    with in_process(adapter(script).main, prefix), in_process(adapter(READER).main, reader):
        results = run_writer(
            prefix, _subset(WRITER_SUBSET), checks=Checks(reader=reader, timeout=600)
        )
    return {r.case: r.reason for r in results if r.outcome == "fail"}


def test_reference_adapters_pass_the_subsets() -> None:
    assert _failed_reader_cases(READER) == {}
    assert _failed_writer_cases(RUNTIME_WRITER) == {}


@pytest.mark.parametrize("name", sorted(READER_MUTANTS))
def test_reader_mutant_is_killed(name: str, tmp_path: Path) -> None:
    script = _script(tmp_path, name, READER_HEAD, READER_MUTANTS[name])
    failed = _failed_reader_cases(script)
    assert len(failed) >= MIN_KILLS, f"{name} survived: killed only by {failed}"


@pytest.mark.parametrize("name", sorted(WRITER_MUTANTS))
def test_writer_mutant_is_killed(name: str, tmp_path: Path) -> None:
    script = _script(tmp_path, name, WRITER_HEAD, WRITER_MUTANTS[name])
    failed = _failed_writer_cases(script)
    assert len(failed) >= MIN_KILLS, f"{name} survived: killed only by {failed}"
    if name == "dropped_module":  # the validator says why Keras would refuse the file
        assert all("KF317" in why for why in failed.values()), failed


def test_the_peeking_reader_peeks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The peeking mutant is a real cheat: handed a path inside the corpus it answers
    every case right, which is why the harness hands out private copies only."""
    script = _script(tmp_path, "peeking_reader", READER_HEAD, READER_MUTANTS["peeking_reader"])
    main = adapter(script).main
    for case in _subset(READER_SUBSET):
        if case.origin != "recipe":
            continue
        main([str(case.source)])
        verdict = json.loads(capsys.readouterr().out)
        assert verdict["valid"] == case.valid
        assert {i["code"] for i in verdict["issues"]} == {i.code for i in case.issues}
