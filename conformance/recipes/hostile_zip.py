"""Hostile cases: zips two readers see differently (KF114-KF116), names that
normalise into traversal or carry invisible controls (KF103, KF104), and the
whole-archive inflate budget (KF108). Bombs are shown with lowered limits; the
full-size ones are generated at test time (tests/unit/test_container_budget.py).
"""

from __future__ import annotations

import io
import struct
import zipfile

from hostile_common import (
    BOMB_NOTES,
    EPOCH,
    META,
    C,
    Case,
    W,
    base_config,
    base_weights,
    case,
    cfg_bytes,
    expect,
    keras_zip,
    simple,
    zip_bytes,
)

DIFF_NOTES = "zip parser differentials: readers that disagree on which members a file holds"
NAME_NOTES = "Unicode names: NFKC-equivalent traversal, bidi and C1 controls"

_END = struct.Struct("<4sHHHHIIH")


def _end_offset(data: bytes) -> int:
    pos = data.rfind(b"PK\x05\x06")
    assert pos >= 0
    return pos


def _local_offset(data: bytes, name: bytes) -> int:
    pos = data.find(b"PK\x03\x04")
    while pos >= 0:
        (name_len,) = struct.unpack_from("<H", data, pos + 26)
        if data[pos + 30 : pos + 30 + name_len] == name:
            return pos
        pos = data.find(b"PK\x03\x04", pos + 4)
    raise AssertionError(name)


def _set_local(data: bytes, name: bytes, offset: int, fmt: str, *values: int) -> bytes:
    """Overwrite fields of ``name``'s local header (offset from the header start)."""
    out = bytearray(data)
    struct.pack_into(fmt, out, _local_offset(data, name) + offset, *values)
    return bytes(out)


@case
def zip_trailing_data() -> Case:
    return simple(
        "zip_trailing_data",
        "bytes after the end-of-central-directory record",
        keras_zip() + b"#!/bin/sh\nrm -rf ~\n",
        expect("KF114"),
        advisory=DIFF_NOTES,
    )


@case
def zip_concatenated() -> Case:
    evil = keras_zip(config=cfg_bytes(base_config()).replace(b'"units": 3', b'"units": 7'))
    return simple(
        "zip_concatenated",
        "two archives back to back: streaming readers see the first, zipfile the second",
        evil + keras_zip(),
        expect("KF114"),
        advisory=DIFF_NOTES,
    )


@case
def zip_second_end_record() -> Case:
    data = keras_zip()
    end = _end_offset(data)
    record = bytearray(data[end : end + _END.size])
    real = bytearray(record)
    struct.pack_into("<H", real, 20, _END.size)  # the comment holds a copy of the record
    return simple(
        "zip_second_end_record",
        "the archive comment holds a second end record that also ends the file",
        data[:end] + bytes(real) + bytes(record),
        expect("KF114"),
        advisory=DIFF_NOTES,
    )


@case
def zip_hidden_member() -> Case:
    """A member whose local header and data are in the file but whose directory
    entry was removed: a streaming reader extracts it, zipfile does not."""
    data = keras_zip(extra=[("assets/hidden.sh", b"#!/bin/sh\n")])
    central = data.rfind(b"PK\x01\x02", 0, data.rfind(b"assets/hidden.sh"))
    end = _end_offset(data)
    entry_len = end - central
    fields = list(_END.unpack(data[end : end + _END.size]))
    fields[3] -= 1
    fields[4] -= 1
    fields[5] -= entry_len
    out = data[:central] + _END.pack(*fields)
    return simple(
        "zip_hidden_member",
        "a local header and data no central-directory entry lists",
        out,
        expect("KF114"),
        advisory=DIFF_NOTES,
    )


@case
def zip_entry_count_mismatch() -> Case:
    data = keras_zip()
    end = _end_offset(data)
    out = bytearray(data)
    struct.pack_into("<HH", out, end + 8, 2, 2)
    return simple(
        "zip_entry_count_mismatch",
        "the end record counts 2 entries, the central directory holds 3",
        bytes(out),
        expect("KF116"),
        advisory=DIFF_NOTES,
    )


@case
def zip_entry_count_flood() -> Case:
    data = keras_zip()
    end = _end_offset(data)
    out = bytearray(data)
    struct.pack_into("<HH", out, end + 8, 60_000, 60_000)
    return simple(
        "zip_entry_count_flood",
        "the end record declares 60,000 entries (refused before the directory is parsed)",
        bytes(out),
        expect("KF108"),
        advisory=BOMB_NOTES,
    )


@case
def zip_local_size_mismatch() -> Case:
    data = _set_local(keras_zip(), b"config.json", 18, "<II", 2, 2)
    return simple(
        "zip_local_size_mismatch",
        "config.json's local header declares 2 bytes, the directory the whole document",
        data,
        expect("KF115", C),
        advisory=DIFF_NOTES,
    )


@case
def zip_local_method_mismatch() -> Case:
    return simple(
        "zip_local_method_mismatch",
        "the local header says DEFLATED, the directory STORED",
        _set_local(keras_zip(), b"config.json", 8, "<H", 8),
        expect("KF115", C),
        advisory=DIFF_NOTES,
    )


class _Unseekable(io.RawIOBase):
    """A write-only stream zipfile cannot seek, so it writes data descriptors."""

    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.out += b
        return len(b)


def descriptor_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A deterministic zip whose local headers defer CRC and sizes to data descriptors."""
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.create_system = 3
            info.external_attr = 0o100600 << 16
            with zf.open(info, "w") as f:
                f.write(data)
    return bytes(stream.out)


@case
def zip_descriptor_mismatch() -> Case:
    config = cfg_bytes(base_config())
    data = descriptor_zip(
        [("metadata.json", cfg_bytes(META)), ("config.json", config), (W, base_weights())]
    )
    start = _local_offset(data, b"config.json") + 30 + len("config.json")
    descriptor = data.index(b"PK\x07\x08", start + len(config))
    out = bytearray(data)
    struct.pack_into("<II", out, descriptor + 8, 16, 16)  # stored and uncompressed sizes
    return simple(
        "zip_descriptor_mismatch",
        "config.json's data descriptor declares 16 bytes, the directory the whole document",
        bytes(out),
        expect("KF115", C),
        advisory=DIFF_NOTES,
    )


def _name_case(name: str, member: str, fault: str, code: str = "KF103") -> Case:
    return simple(
        name,
        fault,
        keras_zip(extra=[(member, b"pwned")]),
        expect(code, member),
        advisory=NAME_NOTES,
    )


@case
def member_name_fullwidth_traversal() -> Case:
    return _name_case(
        "member_name_fullwidth_traversal",
        "assets/\uff0e\uff0e\uff0f\uff0e\uff0e\uff0fevil.txt",
        "fullwidth dots and slash that NFKC normalises to ../../",
    )


@case
def member_name_bidi_override() -> Case:
    return _name_case(
        "member_name_bidi_override",
        "assets/vocab\u202etxt.exe",
        "right-to-left override in a member name (prints as assets/vocabexe.txt)",
    )


@case
def member_name_c1_control() -> Case:
    return _name_case(
        "member_name_c1_control",
        "assets/a\u009b2Jb.txt",
        "C1 control (CSI) in a member name",
    )


@case
def member_name_nfkc_duplicate() -> Case:
    data = keras_zip(extra=[("assets/a.txt", b"one"), ("assets/\uff41.txt", b"two")])
    return simple(
        "member_name_nfkc_duplicate",
        "assets/a.txt and a fullwidth assets/\uff41.txt: one file after NFKC normalisation",
        data,
        expect("KF104", "assets/\uff41.txt"),
        advisory=NAME_NOTES,
    )


@case
def assets_over_inflate_budget() -> Case:
    assets = [(f"assets/layers/vocab/part{i}.txt", b"\0" * 16384) for i in range(8)]
    members = [
        ("metadata.json", cfg_bytes(META)),
        ("config.json", cfg_bytes(base_config())),
        (W, base_weights()),
    ]
    stored = zip_bytes(members)
    deflated = zip_bytes(assets, method=zipfile.ZIP_DEFLATED)
    # Merge: the STORED main members, then the DEFLATED assets (each under the ratio limit).
    with zipfile.ZipFile(io.BytesIO(stored)) as a, zipfile.ZipFile(io.BytesIO(deflated)) as b:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for src in (a, b):
                for info in src.infolist():
                    zf.writestr(info, src.read(info.filename))
    return simple(
        "assets_over_inflate_budget",
        "eight 16 KiB DEFLATED assets, each under every per-member limit, together above "
        "max_inflated_bytes (lowered here)",
        out.getvalue(),
        expect("KF108"),
        advisory=BOMB_NOTES,
        limits={"max_inflated_bytes": 65536},
    )
