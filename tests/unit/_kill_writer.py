"""Kill campaign for ``kformat.write``: run as ``python -m tests.unit._kill_writer``.

One process imports kformat once, then for every kill forks a child that
writes the other of two versions over the destination and SIGKILLs itself at
its N-th profiler event (a Python or C function call or return), so kill
points are deterministic for a seed and reach every step between two system
calls. After each kill the parent classifies what the destination holds, then
writes once more normally and lists the folder. One JSON document on stdout.

Used by tests/unit/test_write_crash.py; a separate process so that forking
never happens inside a test runner that may hold threads.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

import kformat
from tests.conftest import small_archive

LAYOUTS = {
    "keras": "model.keras",
    "weights_h5": "m.weights.h5",
    "sharded": "m.weights.json",
    "directory": "model",
    # The directory layout where no atomic exchange exists (rename aside, then in).
    "directory_fallback": "model",
}
# Version 0 spreads over two shards, version 1 fits one (spec §8.1 rolls over
# before a dataset that would overflow): a rewrite changes the shard count.
SHARD_GIB = (48 / 1024**3, 1.0)
_REPLACERS = {"replace", "rename", "link", "unlink", "rmdir", "renameat2", "renamex_np"}


def versions(layout: str) -> list[kformat.KerasArchive]:
    """Two archives whose every weight differs, with and without assets."""
    base = small_archive(assets=layout.startswith("directory"))
    out = []
    for k in (0, 1):
        weights = {p: (np.asarray(w) + 10 * k + 1).astype(w.dtype) for p, w in base.weights.items()}
        config = base.config if layout in ("keras", "directory", "directory_fallback") else None
        out.append(
            kformat.KerasArchive(
                config,
                metadata=base.metadata if config is not None else None,
                weights=weights,
                groups=base.groups,
                assets=base.assets if config is not None else {},
            )
        )
    return out


def write(archive: kformat.KerasArchive, dest: Path, layout: str, k: int) -> None:
    shard = SHARD_GIB[k] if layout == "sharded" else None
    kformat.write(archive, dest, max_shard_size=shard)


def classify(dest: Path, vs: list[kformat.KerasArchive]) -> str:
    """'v0', 'v1', 'absent', 'mixed' (weights of both) or 'unreadable'."""
    if not os.path.lexists(dest):
        return "absent"
    try:
        got = kformat.read(dest)
        weights = {p: np.asarray(w) for p, w in got.weights.items()}
        assets = dict(got.assets)
    except Exception as exc:  # any failure is an outcome here
        return f"unreadable:{type(exc).__name__}"
    which = set()
    for path, value in weights.items():
        hits = [
            k
            for k, v in enumerate(vs)
            if path in v.weights and np.array_equal(v.weights[path], value)
        ]
        which.add(hits[0] if hits else -1)
    if which == {0} or which == {1}:
        k = which.pop()
        if sorted(weights) == sorted(vs[k].weights) and assets == dict(vs[k].assets):
            return f"v{k}"
        return "incomplete"
    return "mixed"


def expected_files(dest: Path, layout: str) -> set[str]:
    """What the folder should hold after a successful write: the destination
    and, for the sharded layout, exactly the shards its index lists."""
    names = {dest.name}
    if layout == "sharded":
        index = json.loads(dest.read_text())
        names |= {s for shards in index["weight_map"].values() for s in shards}
    return names


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every name under ``folder`` with its bytes (``None`` for a folder)."""
    return {
        str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


def fresh(
    archive: kformat.KerasArchive, layout: str, k: int, root: Path
) -> dict[str, bytes | None]:
    """What a write into an empty folder produces."""
    scratch = Path(tempfile.mkdtemp(dir=root))
    try:
        write(archive, scratch / LAYOUTS[layout], layout, k)
        return snapshot(scratch)
    finally:
        shutil.rmtree(scratch)


def aside_outcome(dest: Path, vs: list[kformat.KerasArchive]) -> str:
    """With the destination absent: what the aside copy of the old tree holds."""
    asides = [p for p in dest.parent.iterdir() if p.name.startswith(f".{dest.name}.kformat-old-")]
    return "absent, aside " + ",".join(classify(p, vs) for p in asides) if asides else "absent"


def run_child(
    archive: kformat.KerasArchive, dest: Path, layout: str, k: int, kill_at: int
) -> tuple[str, int, list[int]]:
    """Fork; the child writes and SIGKILLs itself at event ``kill_at`` (0: never).
    Returns how it ended, the events it counted, and where file-system-changing
    calls were (for targeting kills)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        count = 0
        marks: list[int] = []

        def hook(frame: Any, event: str, arg: Any) -> None:
            nonlocal count
            count += 1
            if count == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            if event == "c_call" and getattr(arg, "__name__", "") in _REPLACERS:
                marks.append(count)

        try:
            sys.setprofile(hook)
            write(archive, dest, layout, k)
            sys.setprofile(None)
            os.write(write_fd, json.dumps([count, marks]).encode())
        finally:
            os._exit(0)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 1 << 16):
        chunks.append(chunk)
    os.close(read_fd)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return "killed", kill_at, []
    count, marks = json.loads(b"".join(chunks) or b"[0, []]")
    return "completed", count, marks


def campaign(layout: str, kills: int, seed: int, root: Path) -> dict[str, Any]:
    vs = versions(layout)
    if layout == "directory_fallback":
        from kformat import _atomic

        _atomic.EXCHANGE = None
    folder = root / layout
    folder.mkdir()
    dest = folder / LAYOUTS[layout]
    write(vs[0], dest, layout, 0)
    # Dry runs, one per direction, from the state a campaign step starts in:
    # how many events a rewrite takes and where its file-system calls are.
    dry = {}
    for source in (0, 1):
        write(vs[source], dest, layout, source)
        _, total, marks = run_child(vs[1 - source], dest, layout, 1 - source, 0)
        dry[source] = (total, marks)
    rng = np.random.default_rng(seed)
    # Right after every call that changes the file system, in both directions;
    # then random points over a whole write.
    points = [(src, m + 1) for src, (_, marks) in dry.items() for m in sorted(set(marks))]
    points += [(-1, int(x)) for x in rng.integers(1, dry[0][0] + 1, kills)]
    write(vs[0], dest, layout, 0)
    current = 0
    records = []
    for source, point in points:
        if source not in (-1, current):
            write(vs[source], dest, layout, source)
            current = source
        target = 1 - current
        ended, _, _ = run_child(vs[target], dest, layout, target, point)
        after_kill = classify(dest, vs)
        if after_kill == "absent":
            after_kill = aside_outcome(dest, vs)
        present = set(os.listdir(folder))
        try:
            stray_after_kill = sorted(present - expected_files(dest, layout))
        except (OSError, ValueError):
            stray_after_kill = sorted(present)
        # The next successful write must leave nothing but its own files.
        try:
            write(vs[target], dest, layout, target)
            next_write = "ok"
        except Exception as exc:
            next_write = f"{type(exc).__name__}: {exc}"
        stray_after_next = sorted(set(os.listdir(folder)) - expected_files(dest, layout))
        records.append(
            {
                "kill_at": point,
                "ended": ended,
                "before": f"v{current}",
                "after_kill": after_kill,
                "stray_after_kill": stray_after_kill,
                "next_write": next_write,
                "after_next": classify(dest, vs),
                "stray_after_next": stray_after_next,
                # Byte for byte what a first write gives: no stray file or
                # folder anywhere, Keras' shard names, deterministic bytes.
                "same_as_fresh": snapshot(folder) == fresh(vs[target], layout, target, root),
            }
        )
        current = target
    return {
        "events_per_write": dry[0][0],
        "fs_calls": sum(len(set(marks)) for _, marks in dry.values()),
        "records": records,
    }


def main() -> None:
    kills = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    layouts = sys.argv[3].split(",") if len(sys.argv) > 3 and sys.argv[3] else list(LAYOUTS)
    # A RAM-backed folder where there is one: fsync costs nothing there, and a
    # kill (unlike a power loss) leaves the same names on any file system.
    shm = Path("/dev/shm")
    where = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    root = Path(tempfile.mkdtemp(prefix="kformat-kill-", dir=where))
    try:
        result = {
            layout: campaign(layout, kills, seed + i, root) for i, layout in enumerate(layouts)
        }
    finally:
        shutil.rmtree(root, ignore_errors=True)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
