"""Hostile cases: weights (KF4xx), the directory form and sharded weights (KF6xx)."""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np
from hostile_common import (
    C,
    Case,
    Symlink,
    W,
    _extra,
    _weights_case,
    base_config,
    base_weights,
    case,
    cfg_bytes,
    expect,
)

# --------------------------------------------------------------------------- weights


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
        advisory="spec §14.4: filter plugins beyond the built-ins",
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
        advisory="spec §14.4: object dtypes",
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
        advisory="spec §14.4: symlink members",
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

    from hostile_common import _write_h5

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


SHARD = "spec §14.4: sharded weight index naming files outside its folder"
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
