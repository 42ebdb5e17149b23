"""Fuzzing: mutated configs of real files let only KFormatError out of the runtime's loaders.

Seeds are the ``config.json`` of files real Keras wrote (conformance/keras_files)
and of the runtime corpus (conformance/runtime). Each example applies one to
three mutations at random places of the JSON tree: a value of another type,
a huge or negative number, deep nesting, a wrong layer reference or index, a
bad dtype, a lone surrogate, a deleted key. ``load_model`` (the zip with the
mutated ``config.json`` and the original weights), ``model_from_json`` and
``Model.from_config`` must either build a model or raise a ``KFormatError``
(spec §11); any other exception is a bug. The huge numbers are chosen so that
every allocation they imply is refused by a limit or fails at once, never
half-succeeds.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kformat
import reference_runtime as rr

ROOT = Path(__file__).resolve().parents[2] / "conformance"
SEED_FILES = sorted(
    [
        *(ROOT / "keras_files" / "keras-3.15.1").glob("*/model.keras"),
        *(ROOT / "keras_files" / "tf_keras-2.21.0").glob("*/model.keras"),
        *(ROOT / "runtime").glob("*/model.keras"),
    ]
)

TYPE_SWAPS: list[Any] = [None, True, "x", 0, -1, 1.5, [], {}, [1, 2], {"a": 1}]
HUGE = [10**4000, -(10**4000), 10**12, -(10**12), 2**63, 1e300, -1e300, "1e999"]
BAD_DTYPES = [
    "object",
    "O",
    "S1800000000",
    "V8",
    "(float32, (2,))",
    "float32, int8",
    "mixed_object",
    "",
    "\ud800",
]
REFS = ["missing_layer", "", 10**6, -1, "1e999", 10**4000]
KINDS = ["type", "huge", "nest", "ref", "dtype", "surrogate", "delete"]


@functools.cache
def _seed(index: int) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(SEED_FILES[index]) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    return json.loads(members["config.json"]), members


def _places(value: Any, parts: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """JSON paths of every node below the root."""
    out: list[tuple[Any, ...]] = []
    items: Any = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in items:
        out.append((*parts, key))
        out.extend(_places(child, (*parts, key)))
    return out


def _mutate(config: Any, place: tuple[Any, ...], kind: str, pick: int) -> Any:
    parent = config
    for key in place[:-1]:
        parent = parent[key]
    key = place[-1]
    old = parent[key]
    if kind == "delete":
        if isinstance(parent, dict):
            del parent[key]
        else:
            parent.pop(key)
        return config
    if kind == "type":
        new: Any = TYPE_SWAPS[pick % len(TYPE_SWAPS)]
    elif kind == "huge":
        new = HUGE[pick % len(HUGE)]
    elif kind == "nest":
        new = old
        for _ in range(40 + pick % 40):
            new = [new] if pick % 2 else {"class_name": "x", "config": new}
    elif kind == "ref":
        new = REFS[pick % len(REFS)]
    elif kind == "dtype":
        new = BAD_DTYPES[pick % len(BAD_DTYPES)]
    else:  # surrogate
        new = (old if isinstance(old, str) else "name") + "\ud800"
    parent[key] = copy.deepcopy(new)  # never share the tables' lists and dicts
    return config


@st.composite
def mutated_configs(draw: st.DrawFn) -> tuple[int, dict[str, Any]]:
    index = draw(st.integers(0, len(SEED_FILES) - 1))
    config = copy.deepcopy(_seed(index)[0])
    for _ in range(draw(st.integers(1, 3))):
        places = _places(config)
        if not places:
            break
        place = places[draw(st.integers(0, len(places) - 1))]
        config = _mutate(config, place, draw(st.sampled_from(KINDS)), draw(st.integers(0, 99)))
    return index, config


def _dumps(config: Any) -> str:
    # ensure_ascii keeps lone surrogates as \ud800 escapes: valid JSON text
    return json.dumps(config)


def _only_family(fn: Callable[[], Any]) -> None:
    """``fn`` builds, or raises a located ``KFormatError`` (spec §11)."""
    try:
        fn()
    except kformat.KFormatError as exc:
        assert exc.code is not None, repr(exc)
        assert exc.member is not None, repr(exc)


def _load_model(index: int, config: Any) -> None:
    members = dict(_seed(index)[1])
    members["config.json"] = _dumps(config).encode("ascii")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    buf.seek(0)
    rr.load_model(buf, compile=True)


def _from_config(config: Any) -> None:
    inner = config.get("config") if isinstance(config, dict) else None
    cls = rr.Sequential if config.get("class_name") == "Sequential" else rr.Model
    cls.from_config(inner if isinstance(inner, dict) else {})


_settings = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def test_seeds_load() -> None:
    """The unmutated seeds are real models (so mutations start from something that builds)."""
    assert len(SEED_FILES) > 20
    for index in range(0, len(SEED_FILES), 7):
        config, _ = _seed(index)
        dumped = json.dumps(config)
        if "custom" in dumped or "MyLayers>" in dumped:  # needs the corpus' custom class
            continue
        rr.models.model_from_json(_dumps(config))


@_settings
@given(mutated_configs())
def test_load_model_raises_only_the_family(case: tuple[int, dict[str, Any]]) -> None:
    index, config = case
    _only_family(lambda: _load_model(index, config))


@_settings
@given(mutated_configs())
def test_model_from_json_raises_only_the_family(case: tuple[int, dict[str, Any]]) -> None:
    _, config = case
    _only_family(lambda: rr.models.model_from_json(_dumps(config)))


@_settings
@given(mutated_configs())
def test_from_config_raises_only_the_family(case: tuple[int, dict[str, Any]]) -> None:
    _, config = case
    _only_family(lambda: _from_config(config))


@pytest.mark.parametrize(
    ("mutation", "code"),
    [
        ({"units": 10**4000}, "KF308"),
        ({"units": 10**12}, "KF308"),
        ({"units": 0}, "KF305"),
        ({"unknown_key": 1}, "KF312"),
    ],
)
def test_dense_config_errors_name_rule_and_pointer(mutation: dict[str, Any], code: str) -> None:
    index = next(i for i, p in enumerate(SEED_FILES) if p.parent.name == "guide_sequential")
    config = copy.deepcopy(_seed(index)[0])
    layers = config["config"]["layers"]
    at = next(i for i, e in enumerate(layers) if e["class_name"] == "Dense")
    layers[at]["config"].update(mutation)
    with pytest.raises(kformat.KFormatError) as info:
        rr.models.model_from_json(_dumps(config))
    assert info.value.code == code
    assert info.value.member == "config.json"
    assert info.value.path is not None and info.value.path.startswith(f"/config/layers/{at}")
