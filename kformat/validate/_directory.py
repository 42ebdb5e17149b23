"""The unzipped model directory (``model.save(path, zipped=False)``; spec/format.md §2.8).

The same member rules as the zip, with "member" meaning "file": nothing is
followed through a symbolic link, no file may have a second hard link (its
other name may be outside the model), every file is size-checked by ``lstat``
before it is read, and ``assets/`` is walked with the archive's limits, its
names checked like member names, and its declared sizes against the inflate
budget (the assets themselves are never read).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from kformat._h5 import H5Index
from kformat._io import Buffer, map_file
from kformat._read import CONFIG, METADATA, WEIGHTS, check_members
from kformat._zip import check_member_name
from kformat.validate import _weights
from kformat.validate._model import check_model

if TYPE_CHECKING:
    from kformat.validate._context import Context

__all__ = ["validate_directory"]


def _read_file(ctx: Context, path: Path, member: str, cap: int) -> bytes | None:
    try:
        st = path.lstat()
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode):
        ctx.sink.report("KF105", "symbolic link (links may point outside the model)", member=member)
        return None
    if not stat.S_ISREG(st.st_mode):
        ctx.sink.report("KF105", "not a regular file", member=member)
        return None
    if st.st_nlink > 1:
        ctx.sink.report("KF105", _hard_link(st), member=member)
        return None
    if st.st_size > cap:
        ctx.sink.report(
            "KF108", f"file is {st.st_size} bytes, above the limit of {cap}", member=member
        )
        return None
    with open(path, "rb") as f:
        return f.read(cap + 1)


def validate_directory(ctx: Context, root: Path) -> None:
    entries = {e.name: e for e in os.scandir(root)}
    check_members(
        [n + ("/" if e.is_dir(follow_symlinks=False) else "") for n, e in entries.items()],
        ctx.sink,
        directory=True,
    )
    limits = ctx.limits
    config_data = (
        _read_file(ctx, root / CONFIG, CONFIG, limits.max_config_bytes)
        if CONFIG in entries
        else None
    )
    metadata_data = (
        _read_file(ctx, root / METADATA, METADATA, limits.max_metadata_bytes)
        if METADATA in entries
        else None
    )
    index: H5Index | None = None
    buf: Buffer = b""
    if WEIGHTS in entries:
        st = (root / WEIGHTS).lstat()
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISREG(st.st_mode):
            ctx.sink.report("KF105", "weights must be a regular file, not a link", member=WEIGHTS)
        elif st.st_nlink > 1:
            ctx.sink.report("KF105", _hard_link(st), member=WEIGHTS)
        else:
            buf = map_file(root / WEIGHTS)
            index = ctx.scan(buf, 0, len(buf), WEIGHTS)
    asset_names: set[str] | None = set()
    if "assets" in entries:
        asset_names = _check_asset_tree(ctx, root / "assets")
    check_model(ctx, config_data, metadata_data, index, asset_names)
    if ctx.deep and index is not None:
        ctx.add(_weights.nonfinite_issues(buf, 0, len(buf), index, member=WEIGHTS))


def _hard_link(st: os.stat_result) -> str:
    return f"file has {st.st_nlink} hard links (another name may be outside the model)"


def _check_asset_tree(ctx: Context, top: Path) -> set[str] | None:
    """Check the tree; the names of its regular files, ``None`` when it could
    not be listed in full."""
    names: set[str] = set()
    st = top.lstat()
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        ctx.sink.report(
            "KF105", "assets must be a real directory, not a link or file", member="assets/"
        )
        return None
    limits = ctx.limits
    count = total = 0
    stack = [(top, "assets/", 1)]
    while stack:
        folder, prefix, depth = stack.pop()
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            member = prefix + entry.name
            count += 1
            if count > limits.max_members:
                ctx.sink.report(
                    "KF108", f"more than {limits.max_members} asset files", member="assets/"
                )
                return None
            why = check_member_name(member)
            if why is not None:
                # The name is reported escaped by the reporters; the entry is not followed.
                ctx.sink.report("KF103", why, member=member)
            elif entry.is_symlink():
                ctx.sink.report("KF105", "symbolic link inside assets/", member=member)
            elif entry.is_dir(follow_symlinks=False):
                if depth >= limits.max_h5_depth:
                    ctx.sink.report("KF108", "assets nested too deep", member=member)
                else:
                    stack.append((Path(entry.path), member + "/", depth + 1))
            elif not entry.is_file(follow_symlinks=False):
                ctx.sink.report("KF105", "not a regular file", member=member)
            else:
                st = entry.stat(follow_symlinks=False)
                names.add(member)
                total += st.st_size
                if st.st_nlink > 1:
                    ctx.sink.report("KF105", _hard_link(st), member=member)
                elif st.st_size > limits.max_asset_bytes:
                    ctx.sink.report(
                        "KF108",
                        f"asset is above the limit of {limits.max_asset_bytes} bytes",
                        member=member,
                    )
    if total > limits.max_inflated_bytes:
        ctx.sink.report(
            "KF108",
            f"assets hold {total} bytes, above max_inflated_bytes={limits.max_inflated_bytes}",
            member="assets/",
        )
    return names
