"""Fuzzing the validator and the reader over mutated real files.

Mutations: truncation, byte flips, member deletion and duplication, JSON
corruption (of the bytes and of the parsed structure), HDF5 link injection.
Properties: ``kformat.read`` lets only ``KFormatError`` escape; the validator
never raises for content and always returns issues — at least one error
whenever ``read`` refused the file.
"""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from typing import Any

import h5py
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import kformat
from tests.conftest import FUZZ_SEEDS, budget

SEEDS = FUZZ_SEEDS
SEED_BYTES = [p.read_bytes() for p in SEEDS]

# The loaded hypothesis profile scales the budget (--hypothesis-profile=long: ten
# times); KFORMAT_FUZZ_EXAMPLES=5000 sets it outright for a longer campaign.
_settings = settings(max_examples=int(os.environ.get("KFORMAT_FUZZ_EXAMPLES") or budget(60)))


def members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(i.filename, zf.read(i.filename)) for i in zf.infolist()]


def rezip(items: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # duplicate names on purpose
        with zipfile.ZipFile(buf, "w") as zf:
            for name, data in items:
                zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def check(data: bytes) -> None:
    """The two properties, for one mutated file."""
    refused = False
    try:
        kformat.read(io.BytesIO(data))
    except kformat.KFormatError as exc:
        refused = True
        assert str(exc)
    issues = list(kformat.iter_issues(io.BytesIO(data)))
    assert all(i.code.startswith("KF") and i.message for i in issues)
    if refused:
        assert any(i.severity == "error" for i in issues)
    # check() agrees with iter_issues: raises exactly when there is an error.
    try:
        kformat.check(io.BytesIO(data))
    except kformat.InvalidArchiveError as exc:
        assert exc.issues and any(i.severity == "error" for i in exc.issues)
    else:
        assert not any(i.severity == "error" for i in issues)


seed_index = st.integers(0, max(len(SEED_BYTES) - 1, 0))


@_settings
@given(seed_index, st.data())
def test_truncation(which: int, data: st.DataObject) -> None:
    seed = SEED_BYTES[which]
    check(seed[: data.draw(st.integers(0, len(seed)))])


@_settings
@given(seed_index, st.data())
def test_byte_flips(which: int, data: st.DataObject) -> None:
    seed = bytearray(SEED_BYTES[which])
    flips = data.draw(
        st.lists(
            st.tuples(st.integers(0, len(seed) - 1), st.integers(0, 255)), min_size=1, max_size=8
        )
    )
    for pos, value in flips:
        seed[pos] = value
    check(bytes(seed))


@_settings
@given(seed_index, st.integers(0, 9), st.sampled_from(["delete", "duplicate", "rename"]))
def test_member_deletion_duplication(which: int, index: int, how: str) -> None:
    items = members(SEED_BYTES[which])
    name, payload = items[index % len(items)]
    if how == "delete":
        del items[index % len(items)]
    elif how == "duplicate":
        items.append((name, payload))
    else:
        items[index % len(items)] = ("assets/../" + name, payload)
    check(rezip(items))


@_settings
@given(seed_index, st.binary(max_size=64), st.integers(0, 10_000))
def test_json_byte_corruption(which: int, junk: bytes, cut: int) -> None:
    items = members(SEED_BYTES[which])
    items = [
        (n, d[: cut % (len(d) + 1)] + junk + d[cut % (len(d) + 1) :] if n.endswith(".json") else d)
        for n, d in items
    ]
    check(rezip(items))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@_settings
@given(seed_index, st.data(), json_values)
def test_config_structure_corruption(which: int, data: st.DataObject, value: Any) -> None:
    """Replace any node of config.json with arbitrary JSON: semantics never crash."""
    items = members(SEED_BYTES[which])
    index = next(i for i, (n, _) in enumerate(items) if n == "config.json")
    config = json.loads(items[index][1])
    paths = _paths(config)
    target = data.draw(st.sampled_from(paths[1:] if len(paths) > 1 else paths))
    node: Any = config
    for part in target[:-1]:
        node = node[part]
    if target:
        node[target[-1]] = value
    else:
        config = value
    items[index] = ("config.json", json.dumps(config).encode())
    check(rezip(items))


@_settings
@given(
    seed_index,
    st.sampled_from(["soft", "external", "alias", "dataset", "group"]),
    st.sampled_from(["/layers", "/layers/x", "/vars", "/optimizer", "/layers/dense/vars/9"]),
)
def test_hdf5_link_injection(which: int, kind: str, where: str) -> None:
    items = members(SEED_BYTES[which])
    index = next(i for i, (n, _) in enumerate(items) if n == "model.weights.h5")
    buf = io.BytesIO(items[index][1])
    with h5py.File(buf, "r+") as f:
        if where in f:
            del f[where]
        if kind == "soft":
            f[where] = h5py.SoftLink("/")
        elif kind == "external":
            f[where] = h5py.ExternalLink("/etc/passwd", "/")
        elif kind == "alias":
            first = next(iter(f.values()), None)
            if first is not None:
                f[where] = first
        elif kind == "dataset":
            f.create_dataset(where, data=np.zeros(3, "f4"))
        else:
            f.create_group(where)
    items[index] = ("model.weights.h5", buf.getvalue())
    check(rezip(items))
