"""The decoded form of a model file: members, config digest and weight manifest.

A case's ``decoded`` block (conformance/README.md, "Decoded form") is what a reader
should see in a file, independent of how it stores it:

* ``layout`` — ``keras``, ``directory``, ``weights_h5`` or ``sharded``;
* ``members`` — the member names (zip entries or files of the model directory), sorted;
  ``null`` for the weights-only layouts;
* ``config_sha256`` — SHA-256 of the canonical JSON of ``config.json`` (``null`` when absent);
* ``metadata`` — ``metadata.json`` as an object (``null`` when absent);
* ``weights`` — one entry per HDF5 dataset, sorted by path: ``path``, ``dtype`` (NumPy name:
  ``float32``, ``bfloat16``, ``void16`` for unmarked 2-byte opaque data), ``shape`` and the
  SHA-256 of the raw little-endian C-order bytes.

Canonical JSON is ``json.dumps(value, sort_keys=True, separators=(",", ":"),
ensure_ascii=True)`` (non-finite numbers as ``NaN`` / ``Infinity``), encoded as ASCII.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "canonical_json",
    "compare_decoded",
    "config_digest",
    "decode",
    "decoded_differences",
    "dtype_name",
    "weight_manifest",
]


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, ASCII escapes: the bytes a digest is taken over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode(
        "ascii"
    )


def config_digest(config: Any) -> str | None:
    """SHA-256 (hex) of the canonical JSON of ``config`` (``None`` for no config)."""
    return None if config is None else hashlib.sha256(canonical_json(config)).hexdigest()


def dtype_name(dtype: np.dtype[Any]) -> str:
    """The manifest's dtype name: NumPy's ``dtype.name`` (``bfloat16`` via ml_dtypes)."""
    return str(dtype.name)


def _le_bytes(array: np.ndarray[Any, Any]) -> bytes:
    arr = np.ascontiguousarray(array)
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("<"))
    return arr.tobytes()


def weight_manifest(weights: Mapping[str, np.ndarray[Any, Any]]) -> list[dict[str, Any]]:
    """``[{"path", "dtype", "shape", "sha256"}]`` sorted by path."""
    out = []
    for path in sorted(weights):
        arr = np.asarray(weights[path])
        out.append(
            {
                "path": path,
                "dtype": dtype_name(arr.dtype),
                "shape": [int(d) for d in arr.shape],
                "sha256": hashlib.sha256(_le_bytes(arr)).hexdigest(),
            }
        )
    return out


def decode(source: str | os.PathLike[str], *, limits: Any = None) -> dict[str, Any]:
    """The decoded form of ``source`` as kformat reads it.

    Raises:
        KFormatError: the file breaks a rule the reader enforces.
        OSError: the path cannot be opened.
    """
    from kformat import read

    archive = read(source, limits=limits)
    members: list[str] | None = None
    if archive.layout in ("keras", "directory"):
        members = ["config.json", "model.weights.h5", *archive.assets]
        if archive.metadata is not None:
            members.append("metadata.json")
        members.sort()
    return {
        "layout": archive.layout,
        "members": members,
        "config_sha256": config_digest(archive.config),
        "metadata": archive.metadata,
        "weights": weight_manifest(archive.weights),
    }


def compare_decoded(expected: Mapping[str, Any], got: Any) -> str | None:
    """``None`` when ``got`` matches ``expected``, else the first difference in words.

    Only the keys present in ``expected`` are compared.
    """
    found = decoded_differences(expected, got)
    return found[0] if found else None


def decoded_differences(expected: Mapping[str, Any], got: Any, limit: int = 5) -> list[str]:
    """Every difference of ``got`` from ``expected`` in words (at most ``limit`` about
    single weights); only the keys present in ``expected`` are compared."""
    if not isinstance(got, Mapping):
        return ["decoded form is not an object"]
    out = [
        f"decoded {key}: expected {expected[key]!r}, got {got.get(key)!r}"
        for key in ("layout", "members", "config_sha256", "metadata")
        if key in expected and expected[key] != got.get(key)
    ]
    if "weights" not in expected:
        return out
    want = {w["path"]: w for w in expected["weights"]}
    have_raw = got.get("weights")
    if not isinstance(have_raw, list):
        return [*out, "decoded weights: not a list"]
    have = {w.get("path"): w for w in have_raw if isinstance(w, Mapping)}
    missing = sorted(set(want) - set(have))
    extra = sorted(p for p in set(have) - set(want) if isinstance(p, str))
    if missing:
        out.append(f"weights missing: {', '.join(missing[:limit])}")
    if extra:
        out.append(f"unexpected weights: {', '.join(extra[:limit])}")
    wrong = []
    for path, w in want.items():
        h = have.get(path)
        if h is None:
            continue
        for field in ("dtype", "shape", "sha256"):
            if h.get(field) != w[field]:
                wrong.append(f"weight {path} {field}: expected {w[field]!r}, got {h.get(field)!r}")
    if len(wrong) > limit:
        wrong = [*wrong[:limit], f"... and {len(wrong) - limit} more weight differences"]
    return [*out, *wrong]
