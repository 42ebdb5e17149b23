"""The hostile cases of conformance/hostile/ (built by make_hostile.py): one fault each.

Grouped by area like spec/format.md: container (KF1xx), JSON documents (KF2xx),
config semantics (KF3xx), weights (KF4xx), safety (KF5xx), sharded (KF6xx).
``advisory`` names the CVE / GHSA / Keras change a case reproduces, or the
SECURITY-NOTES row when there is no identifier.
"""

from __future__ import annotations

import warnings
import zipfile
import zlib
from typing import Any

import h5py
import numpy as np
from make_hostile import (
    META,
    Case,
    Symlink,
    base_config,
    base_weights,
    canary,
    case,
    cfg_bytes,
    dense,
    expect,
    functional_config,
    keras_zip,
    ktensor,
    lambda_payload,
    patch,
    pickle_payload,
    set_central,
    set_path,
    with_layer,
    zip_bytes,
)

ZIP_NOTES = "SECURITY-NOTES: zip path traversal / absolute / backslash / symlink members"
BOMB_NOTES = "keras-team/keras#23010, #23101 (zip decompression bombs)"
JSON_NOTES = "SECURITY-NOTES: JSON recursion bombs, huge configs, non-UTF-8, duplicate keys"
GRAPH_NOTES = "SECURITY-NOTES: cyclic or dangling inbound_nodes"
W = "model.weights.h5"
C = "config.json"


def simple(
    name: str,
    fault: str,
    data: bytes,
    *expects: dict[str, Any],
    advisory: str | None = None,
    limits: dict[str, int] | None = None,
) -> Case:
    return Case(
        name, fault, list(expects), {"model.keras": data}, advisory=advisory, limits=limits or {}
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
    """A 600 MiB DEFLATED config.json that stores a few bytes (SECURITY-NOTES: Keras
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


def _config_case(
    name: str,
    fault: str,
    config: bytes,
    *expects: dict[str, Any],
    advisory: str | None = JSON_NOTES,
    limits: dict[str, int] | None = None,
) -> Case:
    return simple(name, fault, keras_zip(config=config), *expects, advisory=advisory, limits=limits)


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


# --------------------------------------------------------------------------- config semantics


def _fn_case(
    name: str,
    fault: str,
    config: dict[str, Any],
    *expects: dict[str, Any],
    advisory: str | None = GRAPH_NOTES,
) -> Case:
    data = keras_zip(config=config, weights=base_weights(functional=True))
    return simple(name, fault, data, *expects, advisory=advisory)


@case
def graph_dangling_reference() -> Case:
    bad = set_path(functional_config(), "config/layers/2/inbound_nodes/0/args/0", ktensor("ghost"))
    return _fn_case(
        "graph_dangling_reference",
        "inbound node names a layer that does not exist",
        bad,
        expect("KF301", C, "/config/layers/2/inbound_nodes/0/args/0/config/keras_history"),
    )


@case
def graph_duplicate_name() -> Case:
    bad = set_path(functional_config(), "config/layers/2/name", "h")
    bad["config"]["output_layers"] = ["h", 0, 0]
    return _fn_case(
        "graph_duplicate_name",
        "two layers named 'h'",
        bad,
        expect("KF302", C, "/config/layers/2/name"),
    )


@case
def graph_cycle() -> Case:
    bad = set_path(functional_config(), "config/layers/1/inbound_nodes/0/args/0", ktensor("out"))
    return _fn_case(
        "graph_cycle",
        "h consumes out, out consumes h",
        bad,
        expect("KF303", C, "/config/layers/1/inbound_nodes/0"),
    )


@case
def graph_node_index_out_of_range() -> Case:
    bad = set_path(
        functional_config(), "config/layers/2/inbound_nodes/0/args/0", ktensor("h", node=7)
    )
    return _fn_case(
        "graph_node_index_out_of_range",
        "reference to call 7 of a layer called once",
        bad,
        expect("KF304", C, "/config/layers/2/inbound_nodes/0/args/0/config/keras_history"),
    )


@case
def graph_input_not_input_layer() -> Case:
    bad = set_path(functional_config(), "config/input_layers", ["h", 0, 0])
    return _fn_case(
        "graph_input_not_input_layer",
        "model input is a Dense layer",
        bad,
        expect("KF315", C, "/config/input_layers"),
        advisory=None,
    )


@case
def sequential_input_layer_misplaced() -> Case:
    second = base_config()["config"]["layers"][0]
    second["config"]["name"] = "input_layer_1"
    bad = with_layer(base_config(), second)
    return _config_case(
        "sequential_input_layer_misplaced",
        "second InputLayer at the end",
        cfg_bytes(bad),
        expect("KF316", C, "/config/layers/4"),
        advisory=None,
    )


@case
def layer_units_zero() -> Case:
    bad = set_path(base_config(), "config/layers/1/config/units", 0)
    return _config_case(
        "layer_units_zero",
        "Dense(units=0)",
        cfg_bytes(bad),
        expect("KF305", C, "/config/layers/1/config/units"),
        advisory=None,
    )


@case
def layer_units_absurd() -> Case:
    bad = set_path(base_config(), "config/layers/3/config/units", 10**12)
    return _config_case(
        "layer_units_absurd",
        "Dense(units=10**12): 12 TB of implied kernel",
        cfg_bytes(bad),
        expect("KF308", C, "/config/layers/3/config"),
        advisory="SECURITY-NOTES: absurd declared sizes (units = 10**12)",
    )


@case
def layer_axis_out_of_range() -> Case:
    bn = {
        "module": "keras.layers",
        "class_name": "BatchNormalization",
        "config": {"name": "bn", "axis": 5, "epsilon": 0.001},
        "registered_name": None,
        "build_config": {"input_shape": [None, 2]},
    }
    return _config_case(
        "layer_axis_out_of_range",
        "BatchNormalization axis 5 on rank-2 input",
        cfg_bytes(with_layer(base_config(), bn)),
        expect("KF309", C, "/config/layers/4/config"),
        advisory=None,
    )


@case
def builtin_foreign_registered_name() -> Case:
    bad = set_path(base_config(), "config/layers/1/registered_name", "evil>Dense")
    return _config_case(
        "builtin_foreign_registered_name",
        "keras.layers.Dense claiming a custom registered_name",
        cfg_bytes(bad),
        expect("KF307", C, "/config/layers/1"),
        advisory="keras-team/keras#22729",
    )


@case
def shared_object_id_mismatch() -> Case:
    cfg = base_config()
    cfg["config"]["layers"][1]["shared_object_id"] = 140000000000001
    cfg["config"]["layers"][2]["shared_object_id"] = 140000000000001
    return _config_case(
        "shared_object_id_mismatch",
        "a Dense and a Dropout share one id: Keras returns the Dense for both",
        cfg_bytes(cfg),
        expect("KF311", C, "/config/layers/2/shared_object_id"),
        advisory=None,
    )


@case
def layer_unknown_key() -> Case:
    bad = set_path(base_config(), "config/layers/1/config/units_per_head", 3)
    return _config_case(
        "layer_unknown_key",
        "Dense with a key Keras rejects",
        cfg_bytes(bad),
        expect("KF312", C, "/config/layers/1/config/units_per_head"),
        advisory=None,
    )


@case
def layer_required_key_missing() -> Case:
    cfg = base_config()
    del cfg["config"]["layers"][1]["config"]["units"]
    return _config_case(
        "layer_required_key_missing",
        "Dense without units",
        cfg_bytes(cfg),
        expect("KF313", C, "/config/layers/1/config"),
        advisory=None,
    )


# --------------------------------------------------------------------------- weights


def _weights_case(
    name: str,
    fault: str,
    weights: bytes,
    *expects: dict[str, Any],
    advisory: str | None = None,
    limits: dict[str, int] | None = None,
) -> Case:
    return simple(
        name, fault, keras_zip(weights=weights), *expects, advisory=advisory, limits=limits
    )


def _extra(build: Any) -> bytes:
    return base_weights(extra=build)


H5_LINKS = "CVE-2026-1669 (external storage and links), keras-team/keras d5a88bdb13"


@case
def h5_not_hdf5() -> Case:
    return _weights_case(
        "h5_not_hdf5", "weights member is not HDF5", b"\x89HDF not really" * 64, expect("KF401", W)
    )


@case
def h5_soft_link() -> Case:
    return _weights_case(
        "h5_soft_link",
        "soft link to another group",
        _extra(lambda f: f.__setitem__("alias", h5py.SoftLink("/layers/dense"))),
        expect("KF402", W, "/alias"),
        advisory=H5_LINKS,
    )


@case
def h5_soft_link_intermediate() -> Case:
    def build(f: h5py.File) -> None:
        f["layers/dense_2"] = h5py.SoftLink("/layers/dense")

    return _weights_case(
        "h5_soft_link_intermediate",
        "soft link as an intermediate path component (/layers/dense_2/vars/0 resolves through it)",
        _extra(build),
        expect("KF402", W, "/layers/dense_2"),
        advisory=H5_LINKS,
    )


@case
def h5_external_link() -> Case:
    return _weights_case(
        "h5_external_link",
        "external link to /etc/passwd.h5",
        _extra(lambda f: f.__setitem__("leak", h5py.ExternalLink("/etc/passwd", "/"))),
        expect("KF403", W, "/leak"),
        advisory="CVE-2026-1669",
    )


@case
def h5_external_storage() -> Case:
    def build(f: h5py.File) -> None:
        f.create_dataset(
            "layers/leak/vars/0", shape=(64,), dtype="u1", external=[("/etc/passwd", 0, 64)]
        )

    return _weights_case(
        "h5_external_storage",
        "dataset whose raw data is /etc/passwd",
        _extra(build),
        expect("KF405", W, "/layers/leak/vars/0"),
        advisory="CVE-2026-1669 / GHSA-3m4q-jmj6-r34q",
    )


def _virtual(f: h5py.File) -> None:
    """A virtual dataset mapping /etc/passwd, created without a modification
    time (h5py's create_virtual_dataset always records one)."""
    layout = h5py.VirtualLayout(shape=(4,), dtype="f4")
    layout[:] = h5py.VirtualSource("/etc/passwd", "data", shape=(4,))
    dcpl = layout._get_dcpl(f.filename)
    dcpl.set_obj_track_times(False)
    group = f.require_group("layers/leak/vars")
    space = h5py.h5s.create_simple((4,))
    h5py.h5d.create(group.id, b"0", h5py.h5t.py_create(np.dtype("f4")), space, dcpl=dcpl)


@case
def h5_virtual_dataset() -> Case:
    return _weights_case(
        "h5_virtual_dataset",
        "virtual dataset mapping another file",
        _extra(_virtual),
        expect("KF406", W, "/layers/leak/vars/0"),
        advisory="CVE-2026-12480",
    )


@case
def h5_filter_plugin() -> Case:
    def build(f: h5py.File) -> None:
        f.create_dataset(
            "layers/blosc/vars/0",
            data=np.ones(16, "f4"),
            chunks=(16,),
            compression=32001,
            allow_unknown_filter=True,
        )

    return _weights_case(
        "h5_filter_plugin",
        "filter 32001 (a plugin loaded as a shared library)",
        _extra(build),
        expect("KF407", W, "/layers/blosc/vars/0"),
        advisory="SECURITY-NOTES: filter plugins beyond the built-ins",
    )


@case
def h5_string_dataset() -> Case:
    return _weights_case(
        "h5_string_dataset",
        "variable-length strings as a weight",
        _extra(lambda f: f.create_dataset("layers/dense/vars/2", data=np.array([b"x" * 8]))),
        expect("KF408", W, "/layers/dense/vars/2"),
    )


@case
def h5_object_reference() -> Case:
    def build(f: h5py.File) -> None:
        ref = f["layers/dense/vars/0"].ref
        f.create_dataset("layers/refs/vars/0", data=np.array([ref], dtype=h5py.ref_dtype))

    return _weights_case(
        "h5_object_reference",
        "object references (the HDF5 analogue of pickled object arrays)",
        _extra(build),
        expect("KF408", W, "/layers/refs/vars/0"),
        advisory="SECURITY-NOTES: object dtypes",
    )


@case
def h5_shape_bomb() -> Case:
    return _weights_case(
        "h5_shape_bomb",
        "contiguous dataset declaring 2 GiB, storing nothing",
        _extra(lambda f: f.create_dataset("layers/bomb/vars/0", shape=(1 << 28,), dtype="f8")),
        expect("KF409", W, "/layers/bomb/vars/0"),
        advisory="CVE-2026-0897",
    )


@case
def h5_declared_petabyte() -> Case:
    return _weights_case(
        "h5_declared_petabyte",
        "chunked dataset declaring 8 PiB",
        _extra(
            lambda f: f.create_dataset(
                "layers/bomb/vars/0", shape=(1 << 50,), dtype="f8", chunks=(1024,)
            )
        ),
        expect("KF410", W, "/layers/bomb/vars/0"),
        advisory="CVE-2026-0897",
    )


@case
def h5_too_deep() -> Case:
    return _weights_case(
        "h5_too_deep",
        "groups nested 70 deep",
        _extra(lambda f: f.create_group("/".join(["g"] * 70))),
        expect("KF411", W),
    )


@case
def h5_hard_link_alias() -> Case:
    return _weights_case(
        "h5_hard_link_alias",
        "one dataset reachable from two paths",
        _extra(lambda f: f.__setitem__("layers/dense_1/vars/2", f["layers/dense/vars/0"])),
        expect("KF412", W),
    )


@case
def h5_legacy_model() -> Case:
    def build(f: h5py.File) -> None:
        f.attrs["model_config"] = '{"class_name": "Sequential"}'
        f.attrs["keras_version"] = "2.15.0"

    return _weights_case(
        "h5_legacy_model",
        "legacy full-model HDF5 as the weights member",
        _extra(build),
        expect("KF413", W),
    )


@case
def h5_attribute_flood() -> Case:
    def build(f: h5py.File) -> None:
        g = f["layers/dense/vars"]
        for i in range(100):
            g.attrs[f"a{i:03}"] = i

    return _weights_case(
        "h5_attribute_flood",
        "100 attributes on one group",
        _extra(build),
        expect("KF414", W, "/layers/dense/vars"),
    )


@case
def weights_variable_missing() -> Case:
    return _weights_case(
        "weights_variable_missing",
        "Dense bias dataset removed",
        base_weights(skip=("/layers/dense/vars/1",)),
        expect("KF420", W, "/layers/dense/vars/1"),
    )


@case
def weights_variable_extra() -> Case:
    return _weights_case(
        "weights_variable_extra",
        "third dataset in a Dense vars group",
        _extra(lambda f: f.create_dataset("layers/dense/vars/2", data=np.ones(3, "f4"))),
        expect("KF421", W, "/layers/dense/vars/2"),
    )


@case
def weights_shape_mismatch() -> Case:
    def build(f: h5py.File) -> None:
        del f["layers/dense/vars/0"]
        f.create_dataset("layers/dense/vars/0", data=np.ones((5, 3), "f4"))

    return _weights_case(
        "weights_shape_mismatch",
        "kernel (5, 3) for input dim 4",
        base_weights(extra=build),
        expect("KF422", W, "/layers/dense/vars/0"),
    )


# --------------------------------------------------------------------------- safety


def _layer_with(config_extra: dict[str, Any]) -> dict[str, Any]:
    cfg = base_config()
    cfg["config"]["layers"][1]["config"].update(config_extra)
    return cfg


@case
def lambda_bytecode() -> Case:
    """canary: the bytecode would create /tmp/kformat-canary-lambda."""
    layer = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {
            "name": "lambda",
            "function": {
                "class_name": "__lambda__",
                "config": {"code": lambda_payload("lambda"), "defaults": None, "closure": None},
            },
            "arguments": {},
        },
        "registered_name": None,
    }
    return _config_case(
        "lambda_bytecode",
        "Lambda layer carrying marshalled bytecode",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF501", C, "/config/layers/4/config/function"),
        advisory="CVE-2024-3660",
    )


@case
def lambda_bytecode_nested() -> Case:
    """canary: bytecode 40 levels down inside a custom layer's config."""
    node: Any = {
        "class_name": "__lambda__",
        "config": {"value": [lambda_payload("lambda-nested"), None, None]},
    }
    path = ""
    for i in range(40):
        node = {f"k{i}": node}
        path = f"/k{i}" + path
    layer = {
        "module": None,
        "class_name": "Holder",
        "config": {"name": "holder", "deep": node},
        "registered_name": "Custom>Holder",
    }
    return _config_case(
        "lambda_bytecode_nested",
        "__lambda__ nested 40 dicts deep",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF501", C, "/config/layers/4/config/deep" + path),
        advisory="CVE-2024-3660",
    )


@case
def lambda_tf_keras_function_type() -> Case:
    layer = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "config": {
            "name": "lambda",
            "function": [lambda_payload("lambda-tfk"), None, None],
            "function_type": "lambda",
            "arguments": {},
        },
        "registered_name": None,
    }
    return _config_case(
        "lambda_tf_keras_function_type",
        "tf.keras Lambda (function_type 'lambda')",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF501", C, "/config/layers/4/config/function"),
        advisory="CVE-2024-3660, CVE-2025-9905",
    )


@case
def module_os_system() -> Case:
    """canary: Keras < 3.9 would import os and call system('touch …')."""
    layer = {
        "module": "os",
        "class_name": "system",
        "config": {"command": f"touch {canary('os')}"},
        "registered_name": None,
    }
    return _config_case(
        "module_os_system",
        "config names os.system",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF502", C, "/config/layers/4"),
        advisory="CVE-2025-1550",
    )


@case
def module_builtins_exec() -> Case:
    """canary: builtins.exec as an activation function."""
    act = {
        "module": "builtins",
        "class_name": "function",
        "config": "exec",
        "registered_name": "function",
        "arguments": f"open({canary('exec')!r}, 'w')",
    }
    return _config_case(
        "module_builtins_exec",
        "activation resolves to builtins.exec",
        cfg_bytes(_layer_with({"activation": act})),
        expect("KF502", C, "/config/layers/1/config/activation"),
        advisory="CVE-2025-1550",
    )


@case
def non_modeling_get_file() -> Case:
    init = {
        "module": "keras.utils",
        "class_name": "function",
        "config": "get_file",
        "registered_name": "function",
    }
    return _config_case(
        "non_modeling_get_file",
        "initializer is keras.utils.get_file (download and write a file)",
        cfg_bytes(_layer_with({"kernel_initializer": init})),
        expect("KF503", C, "/config/layers/1/config/kernel_initializer"),
        advisory="CVE-2025-8747 / GHSA-c9rc-mg46-23w3",
    )


@case
def policy_enable_unsafe() -> Case:
    obj = {
        "module": "keras.config",
        "class_name": "function",
        "config": "enable_unsafe_deserialization",
        "registered_name": "function",
    }
    return _config_case(
        "policy_enable_unsafe",
        "config calls enable_unsafe_deserialization()",
        cfg_bytes(_layer_with({"bias_initializer": obj})),
        expect("KF504", C, "/config/layers/1/config/bias_initializer"),
        advisory="CVE-2025-9906 / GHSA-36fq-jgmw-4r9c",
    )


@case
def policy_safe_mode_null() -> Case:
    layer = {
        "module": "my_layers",
        "class_name": "Wrapped",
        "config": {"name": "wrapped", "safe_mode": None},
        "registered_name": "Custom>Wrapped",
    }
    return _config_case(
        "policy_safe_mode_null",
        "custom layer config setting safe_mode=None",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF504", C, "/config/layers/4/config/safe_mode"),
        advisory="CVE-2026-12481",
    )


@case
def vocabulary_file_path() -> Case:
    layer = {
        "module": "keras.layers",
        "class_name": "StringLookup",
        "config": {"name": "lookup", "vocabulary": "/etc/passwd", "num_oov_indices": 1},
        "registered_name": None,
    }
    return _config_case(
        "vocabulary_file_path",
        "StringLookup vocabulary read from /etc/passwd",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF505", C, "/config/layers/4/config/vocabulary"),
        advisory="CVE-2025-12058",
    )


@case
def tfsm_layer() -> Case:
    layer = {
        "module": "keras.layers",
        "class_name": "TFSMLayer",
        "config": {
            "name": "tfsm",
            "filepath": "/tmp/attacker_saved_model",
            "call_endpoint": "serve",
        },
        "registered_name": None,
    }
    return _config_case(
        "tfsm_layer",
        "TFSMLayer loading an outside SavedModel",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF507", C, "/config/layers/4"),
        expect("KF505", C, "/config/layers/4/config/filepath"),
        advisory="CVE-2026-1462 / GHSA-4f3f-g24h-fr8m",
    )


@case
def torch_module_wrapper() -> Case:
    """canary: the pickle would run os.system('touch …')."""
    import base64

    layer = {
        "module": "keras.layers",
        "class_name": "TorchModuleWrapper",
        "config": {
            "name": "torch",
            "module": base64.b64encode(pickle_payload("torch")).decode("ascii"),
        },
        "registered_name": None,
    }
    return _config_case(
        "torch_module_wrapper",
        "TorchModuleWrapper with a pickled payload",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF507", C, "/config/layers/4"),
        advisory="CVE-2025-49655",
    )


@case
def npz_weights() -> Case:
    """canary: an npz whose object array pickle would run os.system."""
    header = b"{'descr': '|O', 'fortran_order': False, 'shape': (), }"
    header += b" " * (63 - len(header) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
    npy += pickle_payload("npz")
    npz = zip_bytes([("__root__.npy", npy)])
    data = zip_bytes(
        [
            (
                "metadata.json",
                cfg_bytes({"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}),
            ),
            ("config.json", cfg_bytes(base_config())),
            ("model.weights.npz", npz),
        ]
    )
    return simple(
        "npz_weights",
        "model.weights.npz holding a pickled object array",
        data,
        expect("KF506", "model.weights.npz"),
        advisory="SECURITY-NOTES: npz weights holding pickled object arrays",
    )


@case
def typespec() -> Case:
    spec = {
        "class_name": "__typespec__",
        "spec_name": "TensorSpec",
        "module": "tensorflow.python.framework.tensor",
        "config": [[None, 4], "float32", None],
        "registered_name": None,
    }
    layer = {
        "module": "my_layers",
        "class_name": "Typed",
        "config": {"name": "typed", "spec": spec},
        "registered_name": "Custom>Typed",
    }
    return _config_case(
        "typespec",
        "__typespec__ naming a TensorFlow module",
        cfg_bytes(with_layer(base_config(), layer)),
        expect("KF508", C, "/config/layers/4/config/spec"),
        advisory="FORMAT-NOTES §7 requirement 1",
    )


# --------------------------------------------------------------------------- directory form


@case
def dir_config_symlink() -> Case:
    return Case(
        "dir_config_symlink",
        "unzipped model whose config.json links to /etc/passwd",
        [expect("KF105", C)],
        {
            "model/config.json": Symlink("/etc/passwd"),
            "model/metadata.json": cfg_bytes(
                {"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}
            ),
            "model/model.weights.h5": base_weights(),
        },
        source="model",
        advisory="SECURITY-NOTES: symlink members",
    )


@case
def dir_asset_symlink() -> Case:
    return Case(
        "dir_asset_symlink",
        "unzipped model whose assets/ holds a link to /etc/passwd",
        [expect("KF105", "assets/passwd")],
        {
            "model/config.json": cfg_bytes(base_config()),
            "model/metadata.json": cfg_bytes(
                {"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}
            ),
            "model/model.weights.h5": base_weights(),
            "model/assets/passwd": Symlink("/etc/passwd"),
        },
        source="model",
        advisory="CVE-2026-12479",
    )


# --------------------------------------------------------------------------- sharded


def _shard(paths: dict[str, tuple[int, ...]]) -> bytes:
    def build(f: h5py.File) -> None:
        for path, shape in sorted(paths.items()):
            f.create_dataset(path, data=np.zeros(shape, "f4"))

    from make_hostile import _write_h5

    return _write_h5(build)


def _sharded(
    name: str,
    fault: str,
    weight_map: dict[str, list[str]],
    shards: dict[str, bytes | Symlink],
    *expects: dict[str, Any],
    advisory: str | None = None,
    limits: dict[str, int] | None = None,
    total: float = 64.0,
) -> Case:
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    files: dict[str, bytes | Symlink] = {"model.weights.json": cfg_bytes(index), **shards}
    return Case(
        name,
        fault,
        list(expects),
        files,
        source="model.weights.json",
        advisory=advisory,
        limits=limits or {},
    )


SHARD = "SECURITY-NOTES: sharded weight index naming files outside its folder"
S0 = "model_00000.weights.h5"
DENSE = {"/layers/dense/vars/0": (4, 4)}


@case
def shard_traversal() -> Case:
    return _sharded(
        "shard_traversal",
        "shard name climbs out of the folder",
        {"/layers/dense/vars": ["../../../etc/model_00000.weights.h5"]},
        {},
        expect("KF603", "model.weights.json", "/weight_map/~1layers~1dense~1vars/0"),
        advisory=SHARD,
    )


@case
def shard_absolute() -> Case:
    return _sharded(
        "shard_absolute",
        "absolute shard path",
        {"/layers/dense/vars": ["/tmp/model_00000.weights.h5"]},
        {},
        expect("KF603", "model.weights.json", "/weight_map/~1layers~1dense~1vars/0"),
        advisory=SHARD,
    )


@case
def shard_symlink() -> Case:
    return _sharded(
        "shard_symlink",
        "shard is a symbolic link to /etc/passwd",
        {"/layers/dense/vars": [S0]},
        {S0: Symlink("/etc/passwd")},
        expect("KF603", S0),
        advisory=SHARD,
    )


@case
def shard_missing() -> Case:
    return _sharded(
        "shard_missing",
        "index names a shard that does not exist",
        {"/layers/dense/vars": [S0]},
        {},
        expect("KF602", S0),
    )


@case
def shard_unlisted_dataset() -> Case:
    shard = _shard({**DENSE, "/layers/hidden/vars/0": (2,)})
    return _sharded(
        "shard_unlisted_dataset",
        "shard holds a dataset the index does not list",
        {"/layers/dense/vars": [S0]},
        {S0: shard},
        expect("KF604", S0, "/layers/hidden/vars/0"),
        total=72.0,
    )


@case
def shard_listed_group_empty() -> Case:
    return _sharded(
        "shard_listed_group_empty",
        "index lists a group no shard holds",
        {"/layers/dense/vars": [S0], "/layers/ghost/vars": [S0]},
        {S0: _shard(DENSE)},
        expect("KF605", "model.weights.json", "/weight_map/~1layers~1ghost~1vars"),
    )


@case
def shard_duplicate_dataset() -> Case:
    s1 = "model_00001.weights.h5"
    return _sharded(
        "shard_duplicate_dataset",
        "the same dataset in two shards",
        {"/layers/dense/vars": [S0, s1]},
        {S0: _shard(DENSE), s1: _shard(DENSE)},
        expect("KF606", s1, "/layers/dense/vars/0"),
        total=128.0,
    )


@case
def shard_count_over_limit() -> Case:
    names = [f"model_{i:05}.weights.h5" for i in range(3)]
    return _sharded(
        "shard_count_over_limit",
        "more shards than max_shards (lowered here)",
        {"/layers/dense/vars": names},
        {n: _shard(DENSE) for n in names},
        expect("KF609", "model.weights.json"),
        limits={"max_shards": 2},
        total=192.0,
    )
