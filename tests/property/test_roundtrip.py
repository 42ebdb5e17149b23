"""Properties: write -> read is lossless and write is byte-deterministic."""

from __future__ import annotations

import io
from typing import Any

import ml_dtypes
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kformat
from tests.conftest import assert_archives_equal, budget

_DTYPES = [
    np.dtype("float32"),
    np.dtype("float16"),
    np.dtype("float64"),
    np.dtype("int32"),
    np.dtype("int64"),
    np.dtype("uint8"),
    np.dtype("bool"),
    np.dtype(ml_dtypes.bfloat16),
]
_name = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
# HDF5 variable-length strings cannot hold NUL (write() refuses it).
_attr_text = st.text(
    st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=10
)
_json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**53), 2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
_json = st.recursive(
    _json_scalar,
    lambda c: st.one_of(
        st.lists(c, max_size=4), st.dictionaries(st.text(max_size=8), c, max_size=4)
    ),
    max_leaves=20,
)


@st.composite
def archives(draw: st.DrawFn) -> kformat.KerasArchive:
    layers = draw(st.lists(_name, min_size=1, max_size=4, unique=True))
    weights: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {"/vars": {"name": draw(_name)}}
    for layer in layers:
        groups[f"/layers/{layer}/vars"] = {"name": draw(_attr_text)}
        for i in range(draw(st.integers(0, 3))):
            dtype = draw(st.sampled_from(_DTYPES))
            shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
            base = "float32" if dtype == ml_dtypes.bfloat16 else dtype
            arr = draw(
                hnp.arrays(
                    base,
                    shape,
                    elements={"allow_nan": False} if np.dtype(base).kind == "f" else None,
                )
            )
            weights[f"/layers/{layer}/vars/{i}"] = arr.astype(dtype)
    config = {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "s", "extra": draw(_json)},
        "registered_name": None,
    }
    assets = draw(
        st.dictionaries(
            st.from_regex(r"assets/[a-z]{1,6}(/[a-z]{1,6})?\.txt", fullmatch=True),
            st.binary(max_size=32),
            max_size=2,
        )
    )
    meta = {"keras_version": "3.15.1", "date_saved": "2026-11-28@10:00:00"}
    return kformat.KerasArchive(config, meta, weights, groups, assets)


@settings(max_examples=budget(60))
@given(archives())
def test_write_read_round_trip(a: kformat.KerasArchive) -> None:
    buf = io.BytesIO()
    kformat.write(a, buf)
    buf.seek(0)
    b = kformat.read(buf)
    assert_archives_equal(a, b)
    # And read -> write gives the same bytes again (determinism).
    again = io.BytesIO()
    kformat.write(b, again)
    assert again.getvalue() == buf.getvalue()
