"""Sharded weights: the ``.weights.json`` index and its shards (spec/format.md §8, KF6xx).

The index is a JSON document (KF2xx, schema KF601); every shard name must be
a plain file name beside the index (KF603) — no other file is ever opened —
and each shard is a weights file checked like any other (KF4xx). Then the
index and the shards must agree: every dataset sits in a shard the index lists
for its group (KF604), once (KF606), and every listed group is held (KF605).
"""

from __future__ import annotations

import re
import stat
from typing import TYPE_CHECKING

from kformat._io import map_file
from kformat._json import pointer
from kformat._sharded import check_shard_name
from kformat.validate import _documents, _weights

if TYPE_CHECKING:
    from pathlib import Path

    from kformat.validate._context import Context

__all__ = ["validate_sharded"]

_KERAS_SHARD = re.compile(r"^(?P<base>.+)_\d{5}\.weights\.h5$")


def validate_sharded(ctx: Context, index_path: Path) -> None:
    """Validate a sharded index and the shards it names."""
    sink, limits = ctx.sink, ctx.limits
    member = index_path.name
    st = index_path.lstat()
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
        sink.report("KF105", "the index must be a regular file, not a link", member=member)
        return
    if st.st_size > limits.max_config_bytes:
        sink.report(
            "KF204",
            f"index is {st.st_size} bytes, above the limit of {limits.max_config_bytes}",
            member=member,
        )
        return
    data = index_path.read_bytes()
    doc = _documents.parse_document(
        data, member=member, max_bytes=limits.max_config_bytes, limits=limits, sink=sink
    )
    if doc is None:
        return
    schema = list(_documents.schema_findings("shard-index.schema.json", doc, "KF601", member))
    weight_map = doc.get("weight_map")
    if not isinstance(weight_map, dict):
        return
    base = member[: -len(".weights.json")] if member.lower().endswith(".weights.json") else member
    listed: dict[str, set[str]] = {}
    shards: list[str] = []
    for key, names in weight_map.items():
        if not isinstance(names, list):
            continue
        for i, name in enumerate(names):
            where = pointer(["weight_map", key, i])
            why = check_shard_name(name)
            if why is not None:
                sink.report("KF603", why, member=member, path=where)
                continue
            listed.setdefault(key, set()).add(name)
            if name not in shards:
                shards.append(name)
                match = _KERAS_SHARD.match(name)
                if match is None or match["base"] != base:
                    sink.report(
                        "KF607",
                        f"shard {name!r} is not named {base}_NNNNN.weights.h5 as Keras names shards",
                        member=member,
                        path=where,
                    )
    # spec KF601: a shard name failing the name pattern is KF603 instead.
    named = {i.path for i in sink.issues if i.code == "KF603" and i.member == member}
    ctx.add(i for i in schema if i.path not in named)
    if len(shards) > limits.max_shards:
        sink.report(
            "KF609",
            f"index names {len(shards)} shards, above the limit of {limits.max_shards}",
            member=member,
        )
        return
    _check_shards(ctx, index_path, member, doc, listed, shards, complete=not named)


def _check_shards(
    ctx: Context,
    index_path: Path,
    member: str,
    doc: dict[str, object],
    listed: dict[str, set[str]],
    shards: list[str],
    *,
    complete: bool,
) -> None:
    sink = ctx.sink
    owner: dict[str, str] = {}
    total = 0
    for shard in shards:
        path = index_path.parent / shard
        try:
            st = path.lstat()
        except OSError:
            sink.report("KF602", "shard file named by the index does not exist", member=shard)
            complete = False
            continue
        if stat.S_ISLNK(st.st_mode):
            sink.report("KF603", "shard is a symbolic link (it may point anywhere)", member=shard)
            complete = False
            continue
        if not stat.S_ISREG(st.st_mode):
            sink.report("KF602", "shard is not a regular file", member=shard)
            complete = False
            continue
        buf = map_file(path)
        index = ctx.scan(buf, 0, len(buf), shard)
        if index is None:
            complete = False
            continue
        for dpath, info in index.datasets.items():
            group = dpath.rsplit("/", 1)[0] or "/"
            total += info.nbytes
            if shard not in listed.get(group, ()):
                sink.report(
                    "KF604",
                    f"dataset is in shard {shard!r}, which the index does not list for {group}",
                    member=shard,
                    path=dpath,
                )
            if dpath in owner:
                sink.report(
                    "KF606",
                    f"dataset is stored in both {owner[dpath]!r} and {shard!r}",
                    member=shard,
                    path=dpath,
                )
            owner.setdefault(dpath, shard)
        if ctx.deep:
            ctx.add(_weights.nonfinite_issues(buf, 0, len(buf), index, member=shard))
    if not complete:
        return  # what the missing shards hold is unknown: no cascade
    held = {d.rsplit("/", 1)[0] or "/" for d in owner}
    for group in listed:
        if group not in held:
            sink.report(
                "KF605",
                "the index lists this group but no shard holds datasets in it",
                member=member,
                path=pointer(["weight_map", group]),
            )
    meta = doc.get("metadata")
    declared = meta.get("total_size") if isinstance(meta, dict) else None
    if isinstance(declared, (int, float)) and not isinstance(declared, bool) and declared != total:
        sink.report(
            "KF608",
            f"metadata.total_size is {declared:g} but the shards hold {total} bytes of weights",
            member=member,
            path="/metadata/total_size",
        )
