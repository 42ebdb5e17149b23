"""Fuzzing the validator with hostile config values (spec §3, §4, §5, §9, §12).

Real configs (Keras 3 and tf.keras files of the conformance corpus) are
mutated where an attacker would: types swapped, huge and negative numbers,
non-finite floats, lone surrogates, hostile ``__numpy__`` dtypes, deep
nesting, wrong layer references. Properties: ``kformat.iter_issues`` and
``check_config`` return ``Issue`` objects only, never raise, and finish (a
generous alarm guards against hangs; no timing is asserted).

``KFORMAT_FUZZ_EXAMPLES=5000`` runs a longer campaign.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import os
import signal
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kformat
from kformat._issues import Issue
from kformat.validate._preflight import check_config
from tests.conftest import FUZZ_SEEDS

SEEDS = FUZZ_SEEDS


def _members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(i.filename, zf.read(i.filename)) for i in zf.infolist()]


SEED_MEMBERS = [_members(p) for p in SEEDS]
SEED_CONFIGS = [json.loads(dict(m)["config.json"]) for m in SEED_MEMBERS]

_settings = settings(
    max_examples=int(os.environ.get("KFORMAT_FUZZ_EXAMPLES", "150")),
    derandomize=not os.environ.get("KFORMAT_FUZZ_EXAMPLES"),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _nest(depth: int, leaf: Any, kind: str) -> Any:
    for _ in range(depth):
        leaf = {"a": leaf} if kind == "object" else [leaf]
    return leaf


def _numpy(dtype: Any, value: Any = None) -> dict[str, Any]:
    return {"class_name": "__numpy__", "config": {"value": value or [1, 2], "dtype": dtype}}


HOSTILE_DTYPES = [
    "S1800000000",
    "U1000000000",
    "object",
    "O",
    "V8",
    "(2,3)float32",
    "(100000,100000)f8",
    "float32,int8",
    "<f8",
    "M8[s]",
    "",
    7,
    None,
]

hostile_values = st.one_of(
    st.sampled_from(
        [
            10**4000,
            -(10**4000),
            2**63,
            -(2**63) - 1,
            2**64,
            -1,
            -(10**9),
            10**12,
            float("inf"),
            float("-inf"),
            float("nan"),
            1e308,
            -0.0,
            "\ud800",
            "a\udfffb",
            "\x1b[2J\x07",
            "../../etc/passwd",
            "1e999",
            "",
            True,
            False,
            None,
            [],
            {},
            ["ghost", 0, 0],
            ["ghost", -1, 10**20],
            [None, -4],
            {"class_name": "__lambda__", "config": {"value": ["AA==", None, None]}},
            {"class_name": "Lambda", "config": {"function": "x"}},
            {"class_name": "__keras_tensor__", "config": {"keras_history": ["x", -1, 0]}},
            {"class_name": "__keras_tensor__", "config": {"shape": [-1], "dtype": "object"}},
            {"class_name": "__bytes__", "config": {"value": 3}},
            {"class_name": "__slice__", "config": {"start": "\ud800"}},
            {"class_name": 3, "config": {}},
            {"module": ["x"], "class_name": "Dense", "config": {}, "registered_name": {}},
        ]
    ),
    st.builds(_numpy, st.sampled_from(HOSTILE_DTYPES)),
    st.builds(_numpy, st.just("float32"), st.sampled_from([[[1], [2, 3]], ["x"], [None], [{}]])),
    st.builds(
        _nest,
        st.integers(1, 120),
        st.sampled_from([0, "s", {}, []]),
        st.sampled_from(["object", "array"]),
    ),
    st.integers(),
    st.floats(),
    st.text(max_size=6),
)

# Keys whose values the checks read; a mutation targets them often.
KEYS = [
    "units",
    "dtype",
    "name",
    "keras_history",
    "inbound_nodes",
    "build_config",
    "input_shape",
    "batch_shape",
    "shared_object_id",
    "axis",
    "class_name",
    "module",
    "registered_name",
    "config",
    "layers",
    "input_layers",
    "output_layers",
    "kernel_size",
    "filters",
    "num_heads",
    "rate",
]


def _paths(config: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[tuple[Any, ...], Any]] = [((), config)]
    while stack:
        parts, node = stack.pop()
        out.append(parts)
        if isinstance(node, dict):
            stack.extend(((*parts, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend(((*parts, i), v) for i, v in enumerate(node))
    out.sort(key=lambda p: [str(x) for x in p])
    return out


def _objects(config: Any) -> Iterator[tuple[Any, ...]]:
    for parts in _paths(config):
        node = config
        for p in parts:
            node = node[p]
        if isinstance(node, dict):
            yield parts


def _get(config: Any, parts: tuple[Any, ...]) -> Any:
    for p in parts:
        config = config[p]
    return config


mutation = st.tuples(
    st.sampled_from(["replace", "set_key", "wrap", "swap_type", "stringify"]),
    st.integers(0, 10**6),
    st.sampled_from(KEYS),
    hostile_values,
)


def _mutate(config: Any, how: str, pick: int, key: str, value: Any) -> Any:
    paths = _paths(config)
    target = paths[1:][pick % (len(paths) - 1)] if len(paths) > 1 else ()
    if how == "set_key":
        objects = list(_objects(config))
        obj = _get(config, objects[pick % len(objects)])
        obj[key] = value
        return config
    if not target:
        return value
    parent = _get(config, target[:-1])
    old = parent[target[-1]]
    if how == "replace":
        new = value
    elif how == "wrap":
        new = [old] if pick % 2 else {"value": old}
    elif how == "swap_type":
        if isinstance(old, float) and not math.isfinite(old):
            new = 0
        else:
            new = {
                int: str,
                str: lambda v: [v],
                float: int,
                bool: str,
                list: lambda v: {str(i): x for i, x in enumerate(v)},
                dict: lambda v: list(v.values()),
            }.get(type(old), lambda v: 0)(old)
    else:
        new = json.dumps(old)
    parent[target[-1]] = new
    return config


class _Hang(Exception):
    pass


@contextlib.contextmanager
def _hang_guard(seconds: int = 60) -> Iterator[None]:
    """Turn a hang into a failure (a guard, not a timing assertion)."""

    def fire(signum: int, frame: Any) -> None:
        raise _Hang(f"no result after {seconds} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _rezip(members: list[tuple[str, bytes]], config: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            zf.writestr(info, config if name == "config.json" else data)
    return buf.getvalue()


@_settings
@given(st.integers(0, max(len(SEEDS) - 1, 0)), st.lists(mutation, min_size=1, max_size=3))
def test_hostile_config_values_give_issues_only(which: int, mutations: list[Any]) -> None:
    config = copy.deepcopy(SEED_CONFIGS[which])
    for how, pick, key, value in mutations:
        config = _mutate(config, how, pick, key, copy.deepcopy(value))
    with _hang_guard():
        direct = check_config(config)
        assert all(isinstance(i, Issue) for i in direct)
        try:
            text = json.dumps(config).encode("utf-8", "surrogatepass")
        except ValueError:  # an integer json cannot write (> 4,300 digits)
            return
        data = _rezip(SEED_MEMBERS[which], text)
        issues = list(kformat.iter_issues(io.BytesIO(data)))
    assert all(isinstance(i, Issue) and i.code.startswith("KF") for i in issues)
