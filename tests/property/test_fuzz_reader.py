"""Fuzzing: mutated bytes of real files let only KFormatError out of read()."""

from __future__ import annotations

import contextlib
import io
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

import kformat
from tests.conftest import EXAMPLE, budget

SEED = EXAMPLE.read_bytes()


def _read(data: bytes) -> None:
    with contextlib.suppress(kformat.KFormatError):
        kformat.read(io.BytesIO(data))


_settings = settings(max_examples=budget(100))


@_settings
@given(
    st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), min_size=1, max_size=8)
)
def test_byte_flips(flips: list[tuple[int, int]]) -> None:
    data = bytearray(SEED)
    for pos, value in flips:
        data[pos] = value
    _read(bytes(data))


@_settings
@given(st.integers(0, len(SEED)))
def test_truncation(n: int) -> None:
    _read(SEED[:n])


@_settings
@given(st.integers(0, 2), st.booleans(), st.binary(max_size=64))
def test_member_deletion_duplication_and_json_corruption(
    which: int, duplicate: bool, junk: bytes
) -> None:
    with zipfile.ZipFile(io.BytesIO(SEED)) as zf:
        members = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    name, data = members[which]
    if name.endswith(".json"):
        members[which] = (name, data[: len(data) // 2] + junk)
    elif duplicate:
        members.append((name, data))
    else:
        del members[which]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as out:
        for n, d in members:
            out.writestr(n, d)
    _read(buf.getvalue())
