"""Hostile cases: HDF5 types h5py misreads, budgets of a whole weights file, libhdf5 hangs.

Each bomb is small here: the limit it trips is lowered in ``case.json``; the
full-size versions are generated at test time (tests/unit/test_h5_bounds.py).
"""

from __future__ import annotations

import h5py
import numpy as np
from hostile_common import Case, W, _extra, _weights_case, base_weights, case, expect

_BOMB = "decoded-size bombs within the per-dataset rules (chunked, compressed, unwritten)"


def _raw_dataset(f: h5py.File, path: str, tid: h5py.h5t.TypeID, data: np.ndarray) -> None:
    """A dataset of an HDF5 type h5py cannot create from a NumPy dtype."""
    group = f.require_group(path.rsplit("/", 1)[0])
    space = h5py.h5s.create_simple(data.shape)
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_obj_track_times(False)  # no timestamps: the bytes are deterministic
    dset = h5py.h5d.create(group.id, path.rsplit("/", 1)[1].encode(), tid, space, dcpl=dcpl)
    dset.write(h5py.h5s.ALL, h5py.h5s.ALL, data)


@case
def h5_enum_dataset() -> Case:
    def build(f: h5py.File) -> None:
        kinds = h5py.enum_dtype({"RED": 0, "GREEN": 1, "BLUE": 7}, basetype="i1")
        f.create_dataset("layers/enum/vars/0", data=np.array([0, 1, 7], "i1"), dtype=kinds)

    return _weights_case(
        "h5_enum_dataset",
        "enumeration dataset (not a number type; only h5py's boolean enum is)",
        _extra(build),
        expect("KF408", W, "/layers/enum/vars/0"),
    )


@case
def h5_bitfield_dataset() -> Case:
    def build(f: h5py.File) -> None:
        _raw_dataset(f, "layers/bits/vars/0", h5py.h5t.STD_B8LE, np.arange(4, dtype="u1"))

    return _weights_case(
        "h5_bitfield_dataset",
        "bitfield dataset (h5py reads it as uint8)",
        _extra(build),
        expect("KF408", W, "/layers/bits/vars/0"),
    )


@case
def h5_integer_bit_offset() -> Case:
    def build(f: h5py.File) -> None:
        tid = h5py.h5t.STD_I16LE.copy()
        tid.set_precision(8)
        tid.set_offset(8)
        _raw_dataset(f, "layers/shifted/vars/0", tid, np.array([1, 2, 3, -4], "i2"))

    return _weights_case(
        "h5_integer_bit_offset",
        "int16 with bit offset 8 and precision 8: HDF5 means [1, 2, 3, -4], the bytes map "
        "to [256, 512, 768, -1024]",
        _extra(build),
        expect("KF408", W, "/layers/shifted/vars/0"),
    )


@case
def h5_vlen_attribute_large() -> Case:
    def build(f: h5py.File) -> None:
        # h5py stores str attributes as variable-length strings: the object
        # header records 16 bytes whatever the length (the text is in the heap).
        f["layers/dense/vars"].attrs["note"] = "A" * (80 * 1024)

    return _weights_case(
        "h5_vlen_attribute_large",
        "80 KiB variable-length string attribute (its recorded size is 16 bytes)",
        _extra(build),
        expect("KF414", W, "/layers/dense/vars"),
    )


@case
def h5_attribute_total_over_limit() -> Case:
    def build(f: h5py.File) -> None:
        for i, group in enumerate(("layers/dense/vars", "layers/dense_1/vars", "layers/dropout")):
            f[group].attrs["note"] = f"{i}" * 3000

    return _weights_case(
        "h5_attribute_total_over_limit",
        "attributes of the file decode to more than max_h5_attr_bytes (lowered here)",
        _extra(build),
        expect("KF414", W),
        limits={"max_h5_attr_bytes": 8192},
    )


@case
def h5_hard_link_flood() -> Case:
    def build(f: h5py.File) -> None:
        target = f["layers/dense/vars/0"]
        flood = f.create_group("flood")
        for i in range(300):
            flood[f"l{i:03}"] = target

    return _weights_case(
        "h5_hard_link_flood",
        "300 hard links to one dataset: every link counts against max_h5_objects (lowered here)",
        _extra(build),
        expect("KF411", W),
        expect("KF412", W),
        limits={"max_h5_objects": 200},
    )


@case
def h5_gzip_decoded_over_limit() -> Case:
    def build(f: h5py.File) -> None:
        for i in range(4):
            f.create_dataset(
                f"layers/zip{i}/vars/0",
                data=np.zeros((512, 256), "f4"),
                chunks=(64, 256),
                compression="gzip",
                compression_opts=9,
            )

    return _weights_case(
        "h5_gzip_decoded_over_limit",
        "four gzip datasets, each within the 1000x rule, decode to 2 MiB in all "
        "(max_h5_decoded_bytes lowered to 1 MiB)",
        _extra(build),
        expect("KF431", W),
        advisory=_BOMB,
        limits={"max_h5_decoded_bytes": 1 << 20},
    )


@case
def h5_unwritten_chunks() -> Case:
    def build(f: h5py.File) -> None:
        dset = f.create_dataset(
            "layers/sparse/vars/0", shape=(512, 1024), dtype="f4", chunks=(2, 1024)
        )
        dset[:2] = 1.0  # one 8 KiB chunk of 256 written; HDF5 fills the rest on read

    return _weights_case(
        "h5_unwritten_chunks",
        "2 MiB chunked dataset with one chunk written (max_h5_decoded_bytes lowered to 1 MiB)",
        _extra(build),
        expect("KF431", W),
        advisory=_BOMB,
        limits={"max_h5_decoded_bytes": 1 << 20},
    )


def heap_hang_weights() -> bytes:
    """Keras-like weights whose first global-heap object claims 255 bytes.

    The ``name`` attributes of ``vars`` groups are variable-length strings in
    a global heap collection (``GCOL``: 16-byte header, then per object a
    2-byte index, 2-byte reference count, 4 reserved bytes, 8-byte size, the
    data padded to 8 bytes). With the first object's size (5, "dense") set to
    255, HDF5 1.14.6 loops in ``H5Aread`` (found by mutating the heap's bytes
    one at a time under a deadline; the collection-size field does the same).
    """
    data = bytearray(base_weights())
    gcol = data.find(b"GCOL")
    assert gcol > 0, "h5py wrote no global heap"
    data[gcol + 24] = 0xFF
    return bytes(data)


@case
def h5_heap_hang() -> Case:
    return _weights_case(
        "h5_heap_hang",
        "global-heap object size changed from 5 to 255: libhdf5 loops reading the vars name attribute "
        "(h5_stall_ms lowered to 1 s)",
        heap_hang_weights(),
        expect("KF429", W),
        advisory="libhdf5 loops on corrupted heap metadata",
        limits={"h5_stall_ms": 1000},
    )


def crash_weights() -> bytes:
    """Keras-like weights whose first ``name`` attribute has a mangled type.

    An attribute message holds the padded name, then the datatype message:
    version/class byte ``0x19`` (version 1, variable-length) and three bytes
    of class bit fields (string, padding, character set). Setting the first
    bit-field byte to 0xFF makes HDF5 1.14.6 dereference garbage and die of
    SIGSEGV reading the attribute (found by mutating single bytes of the file
    in forked children).
    """
    data = bytearray(base_weights())
    at = data.find(b"name\x00\x00\x00\x00\x19")
    assert at > 0, "h5py wrote no vlen 'name' attribute"
    data[at + 9] = 0xFF
    return bytes(data)


@case
def h5_libhdf5_crash() -> Case:
    return _weights_case(
        "h5_libhdf5_crash",
        "vars name attribute's variable-length type bits set to 0xFF: libhdf5 dies of SIGSEGV "
        "reading it",
        crash_weights(),
        expect("KF430", W),
        advisory="libhdf5 crashes on corrupted attribute metadata",
    )
