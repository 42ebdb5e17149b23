"""HDF5 dataset and attribute types: what a weight may be (spec §6.3, rule KF408).

h5py names a NumPy dtype for an HDF5 type by class and size alone, and kformat
memory-maps contiguous data with that dtype, so a type whose bits do not sit
where NumPy expects them (a bit offset, a shorter precision, a non-IEEE float
layout) would read as other numbers: an int16 with ``offset=8`` holding
``[1, 2, 3, -4]`` maps to ``[256, 512, 768, -1024]``. The checks here therefore
ask the low-level type API (``h5py.h5t``) for the class, bit layout and byte
order before trusting that dtype.

The extended dtypes (bfloat16, float8, int4) come from ``ml_dtypes``, whose
import costs about a second; it is imported only when a file or an array
actually needs one of them.
"""

from __future__ import annotations

import functools
import importlib
from typing import Any

import h5py
import numpy as np

__all__ = ["EXTENDED_NAMES", "check_layout", "extended_dtypes", "extended_name"]

EXTENDED_NAMES = (
    "bfloat16",
    "float8_e4m3fn",
    "float8_e5m2",
    "float8_e4m3fnuz",
    "float8_e5m2fnuz",
    "float8_e4m3b11fnuz",
    "int4",
    "uint4",
)

# IEEE 754 binary16/32/64: (sign pos, exponent pos, exponent bits, mantissa
# pos, mantissa bits) as H5Tget_fields reports them, and the exponent bias.
_IEEE_FIELDS = {
    2: ((15, 10, 5, 0, 10), 15),
    4: ((31, 23, 8, 0, 23), 127),
    8: ((63, 52, 11, 0, 52), 1023),
}
_ORDERS = (h5py.h5t.ORDER_LE, h5py.h5t.ORDER_BE)


@functools.cache
def extended_dtypes() -> dict[str, np.dtype[Any]]:
    """Name -> dtype of the extended types this ``ml_dtypes`` provides (empty without it).

    Cached: the import happens once, on the first file or array that needs it.
    """
    try:
        mod = importlib.import_module("ml_dtypes")
    except ImportError:
        return {}
    return {name: np.dtype(getattr(mod, name)) for name in EXTENDED_NAMES if hasattr(mod, name)}


def extended_name(dtype: np.dtype[Any]) -> str | None:
    """The ml_dtypes name of ``dtype``, or ``None`` for plain NumPy dtypes.

    Every ml_dtypes type is a NumPy ``V`` kind with its own scalar type, so
    plain dtypes (and raw ``void`` bytes) never trigger the import.
    """
    if dtype.kind != "V" or dtype.type is np.void:
        return None
    for name, ext in extended_dtypes().items():
        if ext == dtype:
            return name
    return None


def _number_problem(tid: Any) -> str | None:
    """Why an integer or float HDF5 type would not decode as h5py's dtype."""
    size = tid.get_size()
    if tid.get_offset() != 0 or tid.get_precision() != size * 8:
        return (
            f"{size}-byte number with bit offset {tid.get_offset()} and precision "
            f"{tid.get_precision()} (h5py would misread it; only full-width types are weights)"
        )
    if size > 1 and tid.get_order() not in _ORDERS:
        return f"byte order {tid.get_order()} is neither little- nor big-endian"
    if tid.get_class() == h5py.h5t.FLOAT:
        expected = _IEEE_FIELDS.get(size)
        if expected is None:
            return f"{size}-byte float is not IEEE binary16, binary32 or binary64"
        fields, bias = expected
        if tuple(tid.get_fields()) != fields or tid.get_ebias() != bias:
            return f"{size}-byte float with a non-IEEE bit layout"
        if tid.get_norm() != h5py.h5t.NORM_IMPLIED:
            return f"{size}-byte float with a non-IEEE mantissa normalisation"
    return None


def check_layout(dset: Any, dtype: np.dtype[Any]) -> str | None:
    """Refusal reason for a dataset whose HDF5 type h5py's ``dtype`` misrepresents.

    Enum types are refused except h5py's boolean (``FALSE=0, TRUE=1`` on a
    1-byte integer, which h5py itself maps to ``bool``); bitfields always.
    Complex numbers are h5py's ``{r, i}`` compound of two floats.
    """
    tid = dset.id.get_type()
    cls = tid.get_class()
    if cls == h5py.h5t.ENUM:
        if dtype == np.bool_:
            return None
        return "enumeration type (only h5py's FALSE/TRUE boolean is a weight)"
    if cls == h5py.h5t.BITFIELD:
        return "bitfield type (not a number type)"
    if cls in (h5py.h5t.INTEGER, h5py.h5t.FLOAT):
        return _number_problem(tid)
    if cls == h5py.h5t.COMPOUND and dtype.kind == "c":
        for i in range(tid.get_nmembers()):
            member = tid.get_member_type(i)
            if member.get_class() != h5py.h5t.FLOAT:
                return "complex compound with a non-float member"
            problem = _number_problem(member)
            if problem is not None:
                return f"complex member: {problem}"
        if tid.get_size() != dtype.itemsize or tid.get_member_offset(1) != dtype.itemsize // 2:
            return "complex compound with padding between its members"
    return None
