"""Every rule of spec/format.md is implemented: the table matches Appendix A, and each
code has at least one invalid case here or in the hostile corpus (conformance/hostile)."""

from __future__ import annotations

import copy
import dataclasses
import importlib.util
import io
import json
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h5py
import ml_dtypes
import numpy as np
import pytest

import kformat
from kformat import _h5, _h5_walk
from kformat._issues import Issue
from kformat._rules import RULES, Sink
from kformat.validate._driver import run

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "spec" / "format.md"
HOSTILE = ROOT / "conformance" / "hostile"

# The hostile recipes' kit: the base model and weights, byte-level builders.
_spec = importlib.util.spec_from_file_location(
    "hostile_common", ROOT / "conformance" / "recipes" / "hostile_common.py"
)
assert _spec is not None and _spec.loader is not None
mh = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("hostile_common", mh)
_spec.loader.exec_module(mh)


def appendix_a() -> dict[str, tuple[str, str, str]]:
    text = SPEC.read_text(encoding="utf-8")
    table = text[text.index("## Appendix A") : text.index("## Appendix B")]
    rows = re.findall(
        r"^\| (KF\d{3}) \| (error|warning) \| (\S+) \| [^|]* \| (.+?) \|$", table, re.M
    )
    kind = {"I": "invalid", "U": "unsafe", "N": "unsupported", "—": "invalid"}
    return {code: (sev, kind[cls], title) for code, sev, cls, title in rows}


def test_rule_table_matches_appendix_a() -> None:
    spec = appendix_a()
    assert len(spec) >= 80
    ours = {r.code: (r.severity, r.kind, r.title) for r in RULES.values()}
    assert ours == spec


def test_every_heading_is_in_the_table() -> None:
    headings = re.findall(r"^#### (KF\d{3}) \((error|warning)\)", SPEC.read_text(), re.M)
    assert {c: s for c, s in headings} == {c: r.severity for c, r in RULES.items()}


# --------------------------------------------------------------------------- helpers


def zip_of(config: Any = None, weights: bytes | None = None, **kw: Any) -> bytes:
    return mh.keras_zip(config=config, weights=weights, **kw)


def issues_of(data: bytes | Path, **limits: int) -> list[Issue]:
    lim = dataclasses.replace(kformat.DEFAULT_LIMITS, **limits)
    source: Any = io.BytesIO(data) if isinstance(data, bytes) else data
    return run(source, limits=lim).issues


def found(
    issues: list[Issue], code: str, member: str | None = None, path: str | None = None
) -> bool:
    return any(
        i.code == code
        and (member is None or i.member == member)
        and (path is None or i.path == path)
        for i in issues
    )


def h5_with(build: Callable[[h5py.File], None]) -> bytes:
    return mh.base_weights(extra=build)


def layer(cfg: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(cfg)
    out["config"]["layers"][1]["config"].update(changes)
    return out


# --------------------------------------------------------------------------- inline cases
# (code, member, path, builder) -- what the hostile corpus cannot hold: warnings,
# and faults that need a tmp directory or a patched HDF5 image.

W = "model.weights.h5"
C = "config.json"


def _kf112() -> list[Issue]:
    return issues_of(zip_of(drop=("metadata.json",)))


def _kf113() -> list[Issue]:
    return issues_of(zip_of(method=zipfile.ZIP_DEFLATED))


def _kf206() -> list[Issue]:
    text = mh.cfg_bytes(mh.base_config()).replace(b'"rate": 0.5', b'"rate": NaN')
    return issues_of(zip_of(config=text))


def _kf212() -> list[Issue]:
    return issues_of(
        zip_of(metadata={"keras_version": "nightly", "date_saved": "2026-01-01@00:00:00"})
    )


def _kf306() -> list[Issue]:
    return issues_of(zip_of(config=layer(mh.base_config(), activation="my_act")))


def _kf317() -> list[Issue]:
    config = mh.functional_config()
    del config["module"]
    issues = issues_of(zip_of(config=config, weights=mh.base_weights(functional=True)))
    # Only the top level: Keras loads layer entries without ``module`` (legacy dicts).
    layers_only = mh.functional_config()
    for entry in layers_only["config"]["layers"]:
        entry.pop("module", None)
    clean = issues_of(zip_of(config=layers_only, weights=mh.base_weights(functional=True)))
    assert not any(i.code == "KF317" for i in clean)
    registered = {**config, "registered_name": "my_pkg>MyModel"}
    assert not any(i.code == "KF317" for i in issues_of(zip_of(config=registered)))
    return issues


def _kf310() -> list[Issue]:
    conv = {
        "module": "keras.layers",
        "class_name": "ReversibleEmbedding",
        "config": {"name": "reversible_embedding", "input_dim": 4, "output_dim": 2},
        "registered_name": None,
    }
    return issues_of(zip_of(config=mh.with_layer(mh.base_config(), conv)))


def _kf440() -> list[Issue]:
    # An adapted StringLookup (no vocabulary in its config) without its asset.
    lookup = {
        "module": "keras.layers",
        "class_name": "StringLookup",
        "config": {"name": "string_lookup", "vocabulary": None, "vocabulary_size": 3},
        "registered_name": None,
    }
    return issues_of(zip_of(config=mh.with_layer(mh.base_config(), lookup)))


def _kf314() -> list[Issue]:
    policy = {
        "module": "keras.mixed_precision",
        "class_name": "Policy",
        "config": {"name": "mixed_float16"},
        "registered_name": None,
    }
    return issues_of(zip_of(config=layer(mh.base_config(), dtype=policy)))


def _kf404(monkeypatch: pytest.MonkeyPatch) -> list[Issue]:
    """HDF5 refuses to create such links; feed the walk a group that lists one."""

    class Links:
        def iterate(self, fn: Callable[[bytes, Any], None], info: bool = False) -> None:
            user_defined = type("Info", (), {"type": 64, "u": 0})()
            fn(b"..", user_defined)
            fn(b"udlink", user_defined)

    group = type("G", (), {"id": type("I", (), {"links": Links()})()})()
    sink = Sink(collect=True)
    walk = _h5_walk._Walk(W, kformat.DEFAULT_LIMITS, sink, 0)
    assert list(walk.children(group, "/")) == []
    return sink.issues


def _kf415(monkeypatch: pytest.MonkeyPatch) -> list[Issue]:
    """HDF5 1.14 itself refuses such a dataset on open ("invalid dataset size",
    KF401); kformat's own check stays for other HDF5 builds: feed it the index."""
    from kformat.validate import _weights

    info = _h5.DatasetInfo((64,), np.dtype("f4"), 1000, "contiguous", 256, {})
    index = _h5.H5Index(groups={"/layers/dense/vars": {}}, datasets={"/layers/dense/vars/0": info})
    monkeypatch.setattr(_h5, "load", lambda *a, **k: (index, {}))
    sink = Sink(collect=True)
    _weights.scan_weights(b"\0" * 1100, 0, 1100, member=W, limits=kformat.DEFAULT_LIMITS, sink=sink)
    return sink.issues


def _kf416() -> list[Issue]:
    return issues_of(
        zip_of(
            weights=h5_with(
                lambda f: f.create_dataset(
                    "layers/extra/vars/0", data=np.ones(8, "f4"), chunks=(4,)
                )
            )
        )
    )


def _kf417() -> list[Issue]:
    def build(f: h5py.File) -> None:
        ds = f.create_dataset("layers/extra/vars/0", data=np.zeros(4, "V1"))
        ds.attrs["dtype"] = "float8_e4m3fn"

    return issues_of(zip_of(weights=h5_with(build)))


def _kf418(tmp_path: Path) -> list[Issue]:
    p = tmp_path / "m.weights.h5"
    p.write_bytes(
        mh._write_h5(lambda f: f.create_dataset("layers/d/vars/0", data=np.zeros(4, "V2")))
    )
    return issues_of(p)


def _kf423() -> list[Issue]:
    return issues_of(
        zip_of(
            weights=h5_with(
                lambda f: f.create_dataset("layers/ghost/vars/0", data=np.ones(2, "f4"))
            )
        )
    )


def _kf424(tmp_path: Path) -> list[Issue]:
    def build(f: h5py.File) -> None:
        del f["layers/dense/vars/1"]
        f.create_dataset("layers/dense/vars/1", data=np.array([1, np.nan, np.inf], "f4"))

    p = tmp_path / "m.keras"
    p.write_bytes(zip_of(weights=h5_with(build)))
    return run(p, deep=True).issues


def _kf425() -> list[Issue]:
    return issues_of(
        zip_of(
            weights=h5_with(
                lambda f: f["layers/dense/vars"].attrs.__setitem__("name", "someone_else")
            )
        )
    )


def _kf426() -> list[Issue]:
    return issues_of(
        zip_of(
            weights=h5_with(lambda f: f.create_dataset("optimizer/vars/0", data=np.array(3, "i4")))
        )
    )


def _kf427() -> list[Issue]:
    def build(f: h5py.File) -> None:
        del f["layers/dense/vars/1"]
        f.create_dataset("layers/dense/vars/1", data=np.ones(3, "f2"))

    return issues_of(zip_of(weights=h5_with(build)))


def _kf428() -> list[Issue]:
    return issues_of(
        zip_of(weights=h5_with(lambda f: f["layers/dense"].attrs.__setitem__("note", "hello")))
    )


def _kf437(tmp_path: Path) -> list[Issue]:
    path = tmp_path / "model.weights.h5"  # an arbitrary HDF5 file, one dataset /x
    with h5py.File(path, "w") as f:
        f["x"] = np.arange(3.0)
    return issues_of(path)


def _kf509() -> list[Issue]:
    holder = {
        "module": "my_pkg",
        "class_name": "Holder",
        "config": {"name": "h", "where": "https://example.com/x"},
        "registered_name": "Custom>Holder",
    }
    return issues_of(zip_of(config=mh.with_layer(mh.base_config(), holder)))


def _sharded(tmp_path: Path, index: dict[str, Any], shards: dict[str, bytes]) -> list[Issue]:
    for name, data in shards.items():
        (tmp_path / name).write_bytes(data)
    p = tmp_path / "m.weights.json"
    p.write_text(json.dumps(index))
    return issues_of(p)


def _shard() -> bytes:
    return mh._write_h5(lambda f: f.create_dataset("layers/d/vars/0", data=np.zeros(4, "f4")))


def _kf601(tmp_path: Path) -> list[Issue]:
    return _sharded(
        tmp_path,
        {"weight_map": {"/layers/d/vars": ["m_00000.weights.h5"]}},
        {"m_00000.weights.h5": _shard()},
    )


def _kf607(tmp_path: Path) -> list[Issue]:
    index = {"metadata": {"total_size": 16}, "weight_map": {"/layers/d/vars": ["x.weights.h5"]}}
    return _sharded(tmp_path, index, {"x.weights.h5": _shard()})


def _kf608(tmp_path: Path) -> list[Issue]:
    index = {
        "metadata": {"total_size": 99},
        "weight_map": {"/layers/d/vars": ["m_00000.weights.h5"]},
    }
    return _sharded(tmp_path, index, {"m_00000.weights.h5": _shard()})


def _kf438() -> list[Issue]:
    # A tf.keras 2.14 file with the group names it gets when saved on Windows
    # (conformance/recipes/keras2_files.py reproduces them).
    path = ROOT / "conformance/keras2_files/tf.keras-2.14.1/windows_functional_mixed/model.keras"
    return list(kformat.iter_issues(path))


INLINE: list[tuple[str, str | None, str | None, Callable[..., list[Issue]]]] = [
    ("KF112", "metadata.json", None, _kf112),
    ("KF113", C, None, _kf113),
    ("KF206", C, "/config/layers/2/config/rate", _kf206),
    ("KF212", "metadata.json", "/keras_version", _kf212),
    ("KF306", C, "/config/layers/1/config/activation", _kf306),
    ("KF310", C, "/config/layers/4", _kf310),
    ("KF314", C, "/config/layers/1/config/dtype", _kf314),
    ("KF317", C, "", _kf317),
    ("KF404", W, "/..", _kf404),
    ("KF415", W, "/layers/dense/vars/0", _kf415),
    ("KF416", W, "/layers/extra/vars/0", _kf416),
    ("KF417", W, "/layers/extra/vars/0", _kf417),
    ("KF418", "m.weights.h5", "/layers/d/vars/0", _kf418),
    ("KF423", W, "/layers/ghost", _kf423),
    ("KF424", W, "/layers/dense/vars/1", _kf424),
    ("KF425", W, "/layers/dense/vars", _kf425),
    ("KF426", W, "/optimizer/vars", _kf426),
    ("KF427", W, "/layers/dense/vars/1", _kf427),
    ("KF428", W, "/layers/dense", _kf428),
    ("KF437", W, "/", _kf437),
    ("KF438", W, "/_layer_checkpoint_dependencies\\activation", _kf438),
    ("KF440", "assets/layers/string_lookup/vocabulary.txt", None, _kf440),
    ("KF509", C, "/config/layers/4/config/where", _kf509),
    ("KF601", "m.weights.json", "", _kf601),
    ("KF607", "m.weights.json", "/weight_map/~1layers~1d~1vars/0", _kf607),
    ("KF608", "m.weights.json", "/metadata/total_size", _kf608),
]


@pytest.mark.parametrize(("code", "member", "path", "build"), INLINE, ids=[c[0] for c in INLINE])
def test_inline_case(
    code: str,
    member: str | None,
    path: str | None,
    build: Callable[..., list[Issue]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    params = build.__code__.co_varnames[: build.__code__.co_argcount]
    args = {"tmp_path": tmp_path, "monkeypatch": monkeypatch}
    issues = build(*(args[p] for p in params))
    assert found(issues, code, member, path), [(i.code, i.member, i.path) for i in issues]
    assert all(i.severity == RULES[i.code].severity for i in issues)


def test_every_rule_has_an_invalid_case() -> None:
    covered = {code for code, *_ in INLINE}
    for case in HOSTILE.glob("*/case.json"):
        covered |= {e["code"] for e in json.loads(case.read_text())["expect"]}
    assert set(RULES) - covered == set()


def test_base_files_are_clean() -> None:
    """The recipe's base archives validate with no issue, so each case breaks one rule."""
    assert issues_of(zip_of()) == []
    fn = zip_of(config=mh.functional_config(), weights=mh.base_weights(functional=True))
    assert issues_of(fn) == []


def test_bfloat16_and_marked_extended_types_accepted() -> None:
    def build(f: h5py.File) -> None:
        ds = f.create_dataset(
            "layers/extra/vars/0", data=np.zeros(4, ml_dtypes.bfloat16).view("V2")
        )
        ds.attrs["dtype"] = "bfloat16"

    codes = {i.code for i in issues_of(zip_of(weights=h5_with(build)))}
    assert not codes & {"KF408", "KF417", "KF418", "KF428"}
