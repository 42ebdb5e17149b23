"""Files of the directory and sharded layouts, opened without following links
(spec §2.8, §8): regular single-link files only, sizes checked by ``lstat``,
bytes read in chunks and charged to the archive's inflate budget."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kformat._io import Budget
from kformat._limits import Limits
from kformat._zip import check_member_name
from kformat.errors import UnsafeArchiveError

__all__ = ["read_small", "regular_file", "scan_asset_tree"]


def regular_file(
    path: Path, member: str, code: str = "KF105", *, single_link: bool = False
) -> os.stat_result:
    """lstat ``path`` and refuse anything but a regular file (no symlinks; with
    ``single_link``, no second hard link either, spec §2.8)."""
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeArchiveError(
            "symbolic link (links may point outside the model)", member=member, code=code
        )
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeArchiveError("not a regular file", member=member, code=code)
    if single_link and st.st_nlink > 1:
        raise UnsafeArchiveError(
            f"file has {st.st_nlink} hard links (another name may be outside the model)",
            member=member,
            code=code,
        )
    return st


def read_small(
    path: Path,
    member: str,
    max_bytes: int,
    budget: Budget | None = None,
    *,
    single_link: bool = False,
) -> bytes:
    """A regular file's bytes, at most ``max_bytes``; the bytes really read
    (not ``st_size``: a sparse or growing file) are charged to ``budget``."""
    st = regular_file(path, member, single_link=single_link)
    if st.st_size > max_bytes:
        raise UnsafeArchiveError(
            f"file is {st.st_size} bytes, above the limit of {max_bytes}",
            member=member,
            code="KF108",
        )
    charge = budget is not None and not budget.charged(member)
    chunks = []
    total = 0
    with open(path, "rb") as f:
        while total <= max_bytes:
            chunk = f.read(min(1 << 20, max_bytes + 1 - total))
            if not chunk:
                break
            total += len(chunk)
            if charge and budget is not None:
                budget.charge(len(chunk), member)
            chunks.append(chunk)
    if total > max_bytes:
        raise UnsafeArchiveError(
            f"file grew above the limit of {max_bytes} bytes while read",
            member=member,
            code="KF108",
        )
    if budget is not None:
        budget.done(member)
    return b"".join(chunks)


def scan_asset_tree(root: Path, limits: Limits, budget: Budget) -> dict[str, Path]:
    """Every file under ``assets/``, checked but not read: real directories and
    single-link regular files only, safe names (KF103), bounded nesting, count
    and sizes (KF108). The files are read when accessed (spec §2.8)."""
    top = root / "assets"
    st = top.lstat()
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise UnsafeArchiveError(
            "assets must be a real directory, not a link or file", member="assets/", code="KF105"
        )
    files: dict[str, Path] = {}
    total = 0
    stack = [(top, "assets/")]
    while stack:
        folder, prefix = stack.pop()
        # Listed whole first: a refusal below must not leave the iterator open.
        with os.scandir(folder) as listing:
            entries = list(listing)
        for entry in entries:
            member = prefix + entry.name
            why = check_member_name(member)
            if why is not None:
                raise UnsafeArchiveError(why, member=member, code="KF103")
            if entry.is_symlink():
                raise UnsafeArchiveError(
                    "symbolic link inside assets/", member=member, code="KF105"
                )
            if entry.is_dir(follow_symlinks=False):
                if member.count("/") > limits.max_h5_depth:
                    raise UnsafeArchiveError("assets nested too deep", member=member, code="KF108")
                stack.append((Path(entry.path), member + "/"))
                continue
            st = regular_file(Path(entry.path), member, single_link=True)
            if st.st_size > limits.max_asset_bytes:
                raise UnsafeArchiveError(
                    f"file is {st.st_size} bytes, above the limit of {limits.max_asset_bytes}",
                    member=member,
                    code="KF108",
                )
            total += st.st_size
            if len(files) >= limits.max_members or total > limits.max_total_bytes:
                raise UnsafeArchiveError(
                    "assets exceed the archive limits", member=member, code="KF108"
                )
            if total > budget.limit - budget.used:
                raise UnsafeArchiveError(
                    f"assets hold more than max_inflated_bytes={budget.limit} bytes",
                    member=member,
                    code="KF108",
                )
            files[member] = Path(entry.path)
    return files
