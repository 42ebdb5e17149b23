"""The sharded weights index ``<base>.weights.json`` (spec §8, rules KF6xx).

Keras 3.10+ ``save_weights(path, max_shard_size=GiB)`` writes the index plus
``<base>_NNNNN.weights.h5`` shards (keras-team/keras: saving_lib.py
``ShardedH5IOStore``). Shard names in an index are confined to plain file
names beside it: the index can never name a file elsewhere.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from kformat import _json
from kformat._limits import Limits
from kformat.errors import InvalidArchiveError, UnsafeArchiveError

__all__ = ["ShardIndex", "ShardPlan", "check_shard_name", "parse_index", "plan_shards"]

_SHARD_NAME = re.compile(r"^[^/\\\x00]+\.weights\.h5$")
GIB = 1024**3


def check_shard_name(name: object) -> str | None:
    """Why ``name`` may not appear in an index, or ``None`` (rule KF603)."""
    if not isinstance(name, str):
        return f"shard name must be a string, got {type(name).__name__}"
    if name in (".", "..") or name.startswith(".."):
        return f"shard name {name!r} refers to a parent folder"
    if not _SHARD_NAME.match(name) or ":" in name:
        return f"shard name {name!r} must be a plain file name ending in .weights.h5"
    return None


@dataclasses.dataclass(frozen=True)
class ShardIndex:
    """A checked index: ``vars`` group path to the shards holding its datasets."""

    weight_map: dict[str, tuple[str, ...]]
    total_size: float
    shard_names: tuple[str, ...]


def parse_index(data: bytes, *, member: str, limits: Limits) -> ShardIndex:
    """Parse and check a ``.weights.json`` index (no file is opened here)."""
    doc = _json.parse(
        data,
        member=member,
        max_bytes=limits.max_config_bytes,
        max_depth=limits.max_json_depth,
        max_nodes=limits.max_json_nodes,
    )
    if doc.duplicate_keys:
        raise InvalidArchiveError(
            "duplicate key in the index", member=member, path=doc.duplicate_keys[0], code="KF205"
        )
    value = doc.value
    if not isinstance(value, dict) or not isinstance(value.get("weight_map"), dict):
        raise InvalidArchiveError(
            "index must be an object with a 'weight_map' object",
            member=member,
            path="",
            code="KF601",
        )
    meta = value.get("metadata", {})
    total = meta.get("total_size", 0) if isinstance(meta, dict) else None
    if not isinstance(total, (int, float)) or isinstance(total, bool) or total < 0:
        raise InvalidArchiveError(
            "metadata.total_size must be a number >= 0",
            member=member,
            path="/metadata",
            code="KF601",
        )
    weight_map: dict[str, tuple[str, ...]] = {}
    names: set[str] = set()
    for key, shards in value["weight_map"].items():
        where = _json.pointer(["weight_map", key])
        if not key.startswith("/") or key.endswith("/") or "//" in key:
            raise InvalidArchiveError(
                f"weight_map key {key!r} is not an absolute HDF5 group path",
                member=member,
                path=where,
                code="KF601",
            )
        if not isinstance(shards, list) or not shards:
            raise InvalidArchiveError(
                "weight_map value must be a non-empty list of shard names",
                member=member,
                path=where,
                code="KF601",
            )
        for i, shard in enumerate(shards):
            why = check_shard_name(shard)
            if why is not None:
                raise UnsafeArchiveError(why, member=member, path=f"{where}/{i}", code="KF603")
            names.add(shard)
        weight_map[key] = tuple(shards)
    if len(names) > limits.max_shards:
        raise UnsafeArchiveError(
            f"index names {len(names)} shards, above the limit of {limits.max_shards}",
            member=member,
            code="KF609",
        )
    return ShardIndex(weight_map, float(total), tuple(sorted(names)))


def _dataset_order(path: str) -> tuple[str, int, str]:
    group, _, leaf = path.rpartition("/")
    return (group, int(leaf) if leaf.isdigit() else -1, leaf)


@dataclasses.dataclass(frozen=True)
class ShardPlan:
    """Which datasets and groups go in which shard, and the index to write."""

    shards: list[tuple[dict[str, np.ndarray[Any, Any]], dict[str, Mapping[str, Any]]]]
    index: dict[str, Any]


def plan_shards(
    weights: Mapping[str, np.ndarray[Any, Any]],
    groups: Mapping[str, Mapping[str, Any]],
    *,
    base: str,
    max_shard_size: float,
) -> ShardPlan:
    """Split weights into shards of at most ``max_shard_size`` GiB, as Keras does:
    a new shard starts before a dataset that would overflow the current one.

    Raises:
        ValueError: ``max_shard_size`` is not positive, or one weight alone is
            larger than it (Keras refuses the same).
    """
    if not (
        isinstance(max_shard_size, (int, float))
        and max_shard_size > 0
        and math.isfinite(max_shard_size)
    ):
        raise ValueError(f"max_shard_size must be a positive number of GiB, got {max_shard_size!r}")
    limit = max_shard_size * GIB
    items: list[tuple[tuple[str, int, str], str, bool]] = [
        (_dataset_order(p), p, True) for p in weights
    ] + [((g, -2, ""), g, False) for g in groups]
    items.sort()
    shards: list[tuple[dict[str, np.ndarray[Any, Any]], dict[str, Mapping[str, Any]]]] = [({}, {})]
    size = 0.0
    total = 0.0
    weight_map: dict[str, list[str]] = {}
    names = [f"{base}_{0:05}.weights.h5"]
    for _, path, is_dataset in items:
        if not is_dataset:
            shards[-1][1][path] = groups[path]
            continue
        arr = np.asarray(weights[path])
        nbytes = float(arr.size * arr.dtype.itemsize)
        if nbytes > limit:
            raise ValueError(
                f"weight {path} is {nbytes:.0f} bytes, above max_shard_size ({limit:.0f} bytes)"
            )
        if size + nbytes > limit and shards[-1][0]:
            shards.append(({}, {}))
            names.append(f"{base}_{len(shards) - 1:05}.weights.h5")
            size = 0.0
        shards[-1][0][path] = arr
        size += nbytes
        total += nbytes
        gpath = path.rsplit("/", 1)[0]
        listed = weight_map.setdefault(gpath, [])
        if names[-1] not in listed:
            listed.append(names[-1])
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    return ShardPlan(shards, index)
