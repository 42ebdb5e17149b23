"""Writing an HDF5 weights file the way Keras does (spec §6.1, §10.1)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import IO, Any

import h5py
import numpy as np

from kformat._h5_types import extended_name
from kformat.errors import UnsupportedFeatureError

__all__ = ["write_h5"]

_NUMERIC_KINDS = "biufc"


def _utf8_ok(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates
        return False
    return True


def _is_raw_opaque(dtype: np.dtype[Any]) -> bool:
    return dtype.kind == "V" and dtype.fields is None and dtype.subdtype is None


def write_h5(
    fileobj: IO[bytes] | io.RawIOBase,
    weights: Mapping[str, np.ndarray[Any, Any]],
    groups: Mapping[str, Mapping[str, Any]],
) -> None:
    """Write a weights file: every group in ``groups`` (with attributes) and the
    parents of every dataset, then contiguous uncompressed datasets, all in
    sorted order so the bytes are deterministic (spec §10.1)."""
    # Datasets of 1 KiB and more start on 64-byte boundaries of the image (and the
    # .keras writer aligns the image itself), so mapped weights are aligned arrays.
    with h5py.File(fileobj, "w", alignment_threshold=1024, alignment_interval=64) as f:
        for gpath in sorted(groups):
            grp = f if gpath == "/" else f.require_group(gpath)
            for key, value in sorted(groups[gpath].items()):
                if isinstance(value, str) and "\x00" in value:
                    # HDF5 strings end at NUL: the value could not round-trip.
                    raise ValueError(f"attribute {key!r} of {gpath} contains a NUL character")
                if isinstance(value, str) and not _utf8_ok(value):
                    raise ValueError(f"attribute {key!r} of {gpath} is not valid Unicode text")
                grp.attrs[key] = value
        for dpath in sorted(weights):
            arr = np.asarray(weights[dpath])
            # An extended dtype means the caller already imported ml_dtypes.
            ext = extended_name(arr.dtype)
            if ext is not None:
                ds = f.create_dataset(dpath, data=arr.view(f"V{arr.dtype.itemsize}"))
                ds.attrs["dtype"] = ext
            elif arr.dtype.kind in _NUMERIC_KINDS or _is_raw_opaque(arr.dtype):
                f.create_dataset(dpath, data=arr)
            else:
                raise UnsupportedFeatureError(
                    f"cannot write weights of dtype {arr.dtype}", path=dpath
                )
