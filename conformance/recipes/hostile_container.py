"""Hostile cases: the zip container (KF1xx) and the JSON documents (KF2xx)."""

from __future__ import annotations

import warnings
import zipfile
import zlib

from hostile_common import (
    BOMB_NOTES,
    META,
    ZIP_NOTES,
    C,
    Case,
    W,
    _config_case,
    base_config,
    base_weights,
    case,
    cfg_bytes,
    dense,
    expect,
    keras_zip,
    patch,
    set_central,
    set_path,
    simple,
    with_layer,
    zip_bytes,
)

# --------------------------------------------------------------------------- container


@case
def zip_not_an_archive() -> Case:
    return simple(
        "zip_not_an_archive", "random bytes named .keras", bytes(range(256)) * 4, expect("KF101")
    )


@case
def zip_truncated() -> Case:
    data = keras_zip()
    return simple(
        "zip_truncated",
        "archive cut before its central directory",
        data[: len(data) // 2],
        expect("KF101"),
    )


@case
def member_config_missing() -> Case:
    return simple(
        "member_config_missing",
        "no config.json",
        keras_zip(drop=("config.json",)),
        expect("KF102", C),
    )


@case
def member_weights_missing() -> Case:
    return simple(
        "member_weights_missing", "no model.weights.h5", keras_zip(drop=(W,)), expect("KF102", W)
    )


def _name_case(name: str, member: str, fault: str, advisory: str) -> Case:
    return simple(
        name,
        fault,
        keras_zip(extra=[(member, b"pwned")]),
        expect("KF103", member),
        advisory=advisory,
    )


@case
def member_name_traversal() -> Case:
    return _name_case(
        "member_name_traversal",
        "assets/../../evil.txt",
        "member name climbs out of the extraction directory",
        "CVE-2025-12060, GHSA-hqp4-2352-xf5r",
    )


@case
def member_name_absolute() -> Case:
    return _name_case(
        "member_name_absolute", "/tmp/kformat-evil.txt", "absolute member name", "CVE-2026-12479"
    )


@case
def member_name_backslash() -> Case:
    return _name_case(
        "member_name_backslash",
        "assets\\..\\..\\evil.txt",
        "member name with backslashes (Windows traversal)",
        ZIP_NOTES,
    )


@case
def member_name_drive_letter() -> Case:
    return _name_case(
        "member_name_drive_letter",
        "C:/Windows/evil.txt",
        "member name with a drive letter",
        ZIP_NOTES,
    )


@case
def member_name_nul() -> Case:
    data = patch(
        keras_zip(extra=[("assets/a.txt#evil", b"x")]),
        b"assets/a.txt#evil",
        b"assets/a.txt\x00evil",
        2,
    )
    return simple(
        "member_name_nul",
        "NUL byte in a member name (zipfile cuts it)",
        data,
        expect("KF103", "assets/a.txt"),
        advisory=ZIP_NOTES,
    )


@case
def member_name_control_char() -> Case:
    return _name_case(
        "member_name_control_char",
        "assets/a\x1b[2Jb.txt",
        "terminal escape in a member name",
        ZIP_NOTES,
    )


@case
def member_duplicate_config() -> Case:
    evil = cfg_bytes(with_layer(base_config(), dense("evil", 2, 2)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile: "Duplicate name"
        data = keras_zip(extra=[("config.json", evil)])
    return simple(
        "member_duplicate_config",
        "two config.json members; readers disagree which wins",
        data,
        expect("KF104", C),
        advisory=ZIP_NOTES,
    )


@case
def member_symlink() -> Case:
    data = keras_zip(extra=[("assets/passwd", b"/etc/passwd")], modes={"assets/passwd": 0o120777})
    return simple(
        "member_symlink",
        "symbolic-link member pointing at /etc/passwd",
        data,
        expect("KF105", "assets/passwd"),
        advisory="CVE-2026-12479; " + ZIP_NOTES,
    )


@case
def member_fifo() -> Case:
    data = keras_zip(extra=[("assets/pipe", b"")], modes={"assets/pipe": 0o010600})
    return simple(
        "member_fifo",
        "FIFO (special file) member",
        data,
        expect("KF105", "assets/pipe"),
        advisory=ZIP_NOTES,
    )


@case
def member_unexpected() -> Case:
    return simple(
        "member_unexpected",
        "member outside the allowed set (extracted by Keras)",
        keras_zip(extra=[("run.sh", b"#!/bin/sh\n")]),
        expect("KF106", "run.sh"),
    )


@case
def member_encrypted() -> Case:
    data = keras_zip()
    flags = 0x1
    data = set_central(data, b"config.json", 8, "<H", flags)
    return simple("member_encrypted", "encryption flag on config.json", data, expect("KF107", C))


@case
def member_bzip2() -> Case:
    data = set_central(keras_zip(), b"config.json", 10, "<H", 12)
    return simple(
        "member_bzip2", "compression method 12 (bzip2) on config.json", data, expect("KF107", C)
    )


@case
def member_asset_over_limit() -> Case:
    data = keras_zip(extra=[("assets/layers/vocab/vocabulary.txt", b"a\n" * 2048)])
    return simple(
        "member_asset_over_limit",
        "asset larger than max_asset_bytes (lowered here)",
        data,
        expect("KF108", "assets/layers/vocab/vocabulary.txt"),
        advisory=BOMB_NOTES,
        limits={"max_asset_bytes": 1024},
    )


@case
def member_count_over_limit() -> Case:
    data = keras_zip(extra=[(f"assets/f{i}", b"") for i in range(8)])
    return simple(
        "member_count_over_limit",
        "more members than max_members (lowered here)",
        data,
        expect("KF108"),
        advisory=BOMB_NOTES,
        limits={"max_members": 8},
    )


@case
def zip_bomb_declared() -> Case:
    """A 600 MiB DEFLATED config.json that stores a few bytes (§14.4: Keras
    3.15.1 inflates such a member to 1.4 GB resident)."""
    raw = zlib.compress(b"{}", 9)[2:-4]
    data = zip_bytes(
        [("metadata.json", cfg_bytes(META)), ("config.json", b"{}"), (W, base_weights())],
        method=zipfile.ZIP_DEFLATED,
    )
    data = set_central(data, b"config.json", 24, "<I", 600 << 20)
    assert len(raw) < 100
    return simple(
        "zip_bomb_declared",
        "config.json declares 600 MiB, stores a few bytes",
        data,
        expect("KF109", C),
        advisory=BOMB_NOTES,
    )


@case
def zip_bomb_deflate() -> Case:
    data = keras_zip(extra=[("assets/zeros.bin", b"\0" * (16 << 20))], method=zipfile.ZIP_DEFLATED)
    return simple(
        "zip_bomb_deflate",
        "16 MiB of zeros deflated ~1000x",
        data,
        expect("KF109", "assets/zeros.bin"),
        advisory=BOMB_NOTES,
    )


@case
def member_crc_mismatch() -> Case:
    data = patch(keras_zip(), b'"Sequential"', b'"Sequentiax"')
    return simple(
        "member_crc_mismatch",
        "config.json bytes changed after the CRC was written",
        data,
        expect("KF110", C),
    )


@case
def member_stored_size_mismatch() -> Case:
    data = set_central(keras_zip(), b"config.json", 20, "<I", 10)
    return simple(
        "member_stored_size_mismatch",
        "STORED member whose two sizes differ",
        data,
        expect("KF110", C),
    )


@case
def member_data_past_end() -> Case:
    data = keras_zip()
    size = len(data)
    data = set_central(data, b"model.weights.h5", 20, "<I", size * 4)
    data = set_central(data, b"model.weights.h5", 24, "<I", size * 4)
    return simple(
        "member_data_past_end",
        "weights member declared longer than the file",
        data,
        expect("KF110", W),
    )


@case
def member_overlap() -> Case:
    data = keras_zip(config=cfg_bytes(META))
    # config.json's directory entry points at metadata.json's local header.
    data = set_central(data, b"config.json", 42, "<I", 0)
    return simple(
        "member_overlap",
        "two entries share data (overlapping-entry zip bomb)",
        data,
        expect("KF111"),
        advisory=BOMB_NOTES,
    )


@case
def member_local_name_mismatch() -> Case:
    data = keras_zip()
    local = data.index(b"config.json")  # first occurrence: the local header
    data = data[:local] + b"evilg.json1" + data[local + 11 :]
    return simple(
        "member_local_name_mismatch",
        "local header names another file than the central directory",
        data,
        expect("KF111", C),
        advisory=ZIP_NOTES,
    )


# --------------------------------------------------------------------------- documents


@case
def config_not_utf8() -> Case:
    return _config_case(
        "config_not_utf8",
        "config.json in Latin-1",
        cfg_bytes(base_config()).replace(b'"sequential"', b'"s\xe9quential"'),
        expect("KF201", C),
    )


@case
def config_bom() -> Case:
    return _config_case(
        "config_bom",
        "UTF-8 byte order mark",
        b"\xef\xbb\xbf" + cfg_bytes(base_config()),
        expect("KF201", C),
    )


@case
def config_invalid_json() -> Case:
    return _config_case(
        "config_invalid_json", "truncated JSON", cfg_bytes(base_config())[:-7], expect("KF202", C)
    )


@case
def config_huge_integer() -> Case:
    text = cfg_bytes(base_config()).replace(b'"units": 3', b'"units": ' + b"9" * 5000)
    return _config_case(
        "config_huge_integer", "5000-digit integer literal", text, expect("KF202", C)
    )


@case
def config_recursion_bomb() -> Case:
    return _config_case(
        "config_recursion_bomb",
        "20,000 nested arrays",
        b"[" * 20_000 + b"]" * 20_000,
        expect("KF203", C),
    )


@case
def config_over_limit() -> Case:
    return _config_case(
        "config_over_limit",
        "config.json above max_config_bytes (lowered here)",
        cfg_bytes(base_config()),
        expect("KF204", C),
        limits={"max_config_bytes": 512},
    )


@case
def config_duplicate_key() -> Case:
    text = cfg_bytes(base_config()).replace(b'"units": 3,', b'"units": 3, "units": 100000000,')
    return _config_case(
        "config_duplicate_key",
        "a key repeated: parsers keep different values",
        text,
        expect("KF205", C, "/config/layers/1/config/units"),
    )


@case
def config_not_object() -> Case:
    return _config_case(
        "config_not_object",
        "config.json is an array",
        b"[1, 2, 3]",
        expect("KF207", C),
        advisory=None,
    )


@case
def config_schema_violation() -> Case:
    bad = set_path(base_config(), "config/layers/1/class_name", 17)
    return _config_case(
        "config_schema_violation",
        "class_name is a number",
        cfg_bytes(bad),
        expect("KF210", C, "/config/layers/1/class_name"),
        advisory=None,
    )


@case
def metadata_schema_violation() -> Case:
    data = keras_zip(metadata={"keras_version": 3.15, "date_saved": "yesterday"})
    return simple(
        "metadata_schema_violation",
        "keras_version is a number",
        data,
        expect("KF211", "metadata.json", "/keras_version"),
    )
