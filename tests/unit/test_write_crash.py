"""Crash safety of ``kformat.write`` (spec §10.5): kills, scratch names, locking."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import kformat
from kformat import _atomic
from tests.conftest import small_archive

ROOT = Path(__file__).resolve().parents[2]
HEX = "0123456789abcdef"
fcntl = pytest.importorskip("fcntl")  # POSIX: fork, SIGKILL and flock
pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="kill tests need fork and SIGKILL")


@pytest.fixture(scope="module")
def campaign() -> dict[str, Any]:
    """25 random kills per layout plus one right after every file-system call of a
    rewrite; KFORMAT_KILL_TESTS=N asks for N random kills instead (a longer run)."""
    kills = os.environ.get("KFORMAT_KILL_TESTS", "25")
    done = subprocess.run(
        [sys.executable, "-m", "tests.unit._kill_writer", kills, "0"],
        cwd=ROOT,
        capture_output=True,
        timeout=1800,  # a hang guard only
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize(
    "layout", ["keras", "weights_h5", "sharded", "directory", "directory_fallback"]
)
def test_kill_leaves_old_or_new_and_next_write_cleans_up(
    campaign: dict[str, Any], layout: str
) -> None:
    records = campaign[layout]["records"]
    assert len(records) >= 25
    outcomes = set()
    for r in records:
        target = "v1" if r["before"] == "v0" else "v0"
        where = f"kill at event {r['kill_at']}: {r}"
        # The old or the new version, complete; never absent, partial or mixed.
        allowed = {r["before"], target}
        if layout == "directory_fallback":
            # Without an atomic exchange the old tree may sit aside for a moment.
            allowed.add(f"absent, aside {r['before']}")
        assert r["after_kill"] in allowed, where
        outcomes.add("old" if r["after_kill"] == r["before"] else r["after_kill"])
        # The next write succeeds and leaves exactly what a first write leaves.
        assert r["next_write"] == "ok", where
        assert r["after_next"] == target, where
        assert r["stray_after_next"] == [], where
        assert r["same_as_fresh"], where
    # The campaign reached both sides of the final rename.
    assert "old" in outcomes and (outcomes - {"old"}), outcomes
    if layout == "directory_fallback":
        assert any(o.startswith("absent") for o in outcomes), outcomes


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_sweep_removes_only_this_destinations_scratch_names(tmp_path: Path) -> None:
    dest = tmp_path / "model.keras"
    kformat.write(small_archive(), dest)
    ours = [f".model.keras.kformat-tmp-{HEX}", f".model.keras.kformat-old-{HEX}"]
    others = [
        f".model.keras.kformat-tmp-{HEX}x",  # not our exact pattern
        f".model.keras.kformat-tmp-{HEX[:15]}",
        f".model.keras.kformat-tmp-{HEX.upper()}",
        f".other.keras.kformat-tmp-{HEX}",  # another destination's
        f".model.keras.kformat-tmp-{HEX}_00000.weights.h5x",
        f"model.keras.kformat-tmp-{HEX}",
        ".model.keras.abcd1234.tmp",
        "notes.txt",
    ]
    for name in [*ours, *others]:
        (tmp_path / name).write_bytes(b"x")
    os.mkdir(tmp_path / f".model.keras.kformat-tmp-{'1' * 16}")  # a killed directory write
    (tmp_path / f".model.keras.kformat-tmp-{'1' * 16}" / "f").write_bytes(b"x")
    os.symlink(tmp_path / "notes.txt", tmp_path / f".model.keras.kformat-tmp-{'2' * 16}")
    kformat.write(small_archive(), dest)
    assert _names(tmp_path) == sorted([*others, "model.keras"])
    assert (tmp_path / "notes.txt").read_bytes() == b"x"  # a link is removed, not followed


def test_lock_is_exclusive_and_removed(tmp_path: Path) -> None:
    dest = tmp_path / "m.weights.h5"
    lock = tmp_path / ".m.weights.h5.kformat-lock"
    with _atomic.destination_lock(dest):
        fd = os.open(lock, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    assert _names(tmp_path) == []


_WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    import kformat
    from tests.conftest import small_archive

    dest, k = sys.argv[1], int(sys.argv[2])
    a = small_archive()
    for i in range(8):
        v = (k + i) % 2
        w = {p: (np.asarray(x) + 10 * v + 1).astype(x.dtype) for p, x in a.weights.items()}
        arch = kformat.KerasArchive(None, weights=w, groups=a.groups)
        kformat.write(arch, dest, max_shard_size=(48 / 1024**3, 1.0)[v])
    """
)


def test_concurrent_sharded_writers_never_mix(tmp_path: Path) -> None:
    """Two processes rewriting one index: writers of a destination take turns."""
    dest = tmp_path / "m.weights.json"
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(dest), str(k)], cwd=ROOT)
        for k in (0, 1)
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    got = kformat.read(dest)
    a = small_archive()
    offsets = {float(got.weights[p].ravel()[0]) - float(a.weights[p].ravel()[0]) for p in a.weights}
    assert len({round(o) for o in offsets}) == 1  # one version throughout
    index = json.loads(dest.read_text())
    listed = {s for shards in index["weight_map"].values() for s in shards}
    assert set(_names(tmp_path)) == {dest.name, *listed}


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(folder)): None if p.is_dir() else p.read_bytes()
        for p in sorted(folder.rglob("*"))
    }


def test_sharded_rewrite_without_hard_links(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the file system has no hard links, shards get their names by copy."""
    weights_only = kformat.KerasArchive(None, weights=small_archive().weights)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    kformat.write(weights_only, fresh / "m.weights.json", max_shard_size=48 / 1024**3)
    dest = tmp_path / "d"
    dest.mkdir()
    kformat.write(weights_only, dest / "m.weights.json", max_shard_size=1.0)

    def no_link(src: object, dst: object) -> None:
        raise OSError(errno.EPERM, "hard links not supported here")

    monkeypatch.setattr(os, "link", no_link)
    kformat.write(weights_only, dest / "m.weights.json", max_shard_size=48 / 1024**3)
    assert _snapshot(dest) == _snapshot(fresh)


def test_sharded_rewrite_is_byte_identical_to_a_first_write(tmp_path: Path) -> None:
    a = small_archive()
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    kformat.write(a, tmp_path / "one" / "m.weights.json", max_shard_size=48 / 1024**3)
    for size in (1.0, 60 / 1024**3, 48 / 1024**3):
        kformat.write(a, tmp_path / "two" / "m.weights.json", max_shard_size=size)
    assert _snapshot(tmp_path / "one") == _snapshot(tmp_path / "two")
    assert sorted(_snapshot(tmp_path / "one")) == [
        "m.weights.json",
        "m_00000.weights.h5",
        "m_00001.weights.h5",
    ]


@pytest.mark.parametrize("name", ["m.keras", "m.weights.h5", "m.weights.json", "m_dir"])
def test_failed_write_changes_nothing(tmp_path: Path, name: str) -> None:
    a = small_archive(assets=True)
    if name.startswith("m.weights"):
        a = kformat.KerasArchive(None, weights=a.weights, groups=a.groups)
    shard = 1.0 if name.endswith(".json") else None
    kformat.write(a, tmp_path / name, max_shard_size=shard)
    before = _snapshot(tmp_path)
    bad = kformat.KerasArchive(
        a.config, weights=a.weights, groups={**a.groups, "/vars": {"name": "a\x00b"}}
    )
    with pytest.raises(ValueError):
        kformat.write(bad, tmp_path / name, max_shard_size=shard)
    assert _snapshot(tmp_path) == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_exchange_swaps_two_directories(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_bytes(b"a")
    (b / "y").write_bytes(b"b")
    assert _atomic.EXCHANGE is not None
    assert _atomic.exchange(a, b)
    assert _names(a) == ["y"] and _names(b) == ["x"]


def test_directory_recovered_from_its_aside_copy(tmp_path: Path) -> None:
    """The state a kill between the fallback's two renames leaves behind."""
    dest = tmp_path / "model"
    kformat.write(small_archive(assets=True), dest)
    before = _snapshot(dest)
    os.rename(dest, tmp_path / f".model.kformat-old-{HEX}")
    os.mkdir(tmp_path / f".model.kformat-tmp-{'1' * 16}")  # the new tree, never swapped in
    assert _atomic.recover_directory(dest)
    assert _snapshot(dest) == before
    kformat.write(small_archive(), dest)
    assert _names(tmp_path) == ["model"]
    assert not kformat.read(dest).assets


def test_without_file_locks_writes_but_leaves_scratch_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where flock fails (some network file systems) a write still succeeds,
    but cannot tell a killed writer's scratch file from a live one's."""

    def no_locks(fd: int) -> None:
        raise OSError(errno.ENOLCK, "no locks available")

    dest = tmp_path / "m.keras"
    stale = tmp_path / f".m.keras.kformat-tmp-{HEX}"
    stale.write_bytes(b"x")
    monkeypatch.setattr(_atomic, "_flock", no_locks)
    kformat.write(small_archive(), dest)
    assert _names(tmp_path) == sorted([stale.name, "m.keras"])
    monkeypatch.undo()
    kformat.write(small_archive(), dest)
    assert _names(tmp_path) == ["m.keras"]
