"""The HDF5 fork server (kformat/_h5_server.py): the same answers as a child of the
caller, for clean and hostile files, with hangs and crashes contained (spec §6.11)."""

from __future__ import annotations

import dataclasses
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

import kformat
from kformat import _h5_isolate, _h5_server

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ROOT / "conformance" / "hostile"
pytestmark = pytest.mark.skipif(not _h5_isolate.CAN_ISOLATE, reason="isolation needs fork (Linux)")


def _cases() -> list[Path]:
    hostile = sorted(p for p in HOSTILE.iterdir() if p.name.startswith("h5_"))
    real = sorted((ROOT / "conformance" / "keras_files" / "keras-3.15.1").glob("*/model.keras"))
    return hostile + real[:6]


def _manifest(archive: kformat.KerasArchive) -> list[tuple[str, Any, str]]:
    w = archive.weights
    return sorted((p, w.info(p).shape, str(w.info(p).dtype)) for p in w)


def _answer(case: Path) -> tuple[Any, ...]:
    """What read and the validator say of one case (its own limits applied)."""
    limits = kformat.DEFAULT_LIMITS
    source = case
    meta = case / "case.json"
    if meta.exists():
        doc = json.loads(meta.read_text())
        limits = dataclasses.replace(limits, **doc.get("limits", {}))
        source = case / doc["source"]
    try:
        archive = kformat.read(source, limits=limits)
        read = ("ok", _manifest(archive))
    except kformat.KFormatError as exc:
        read = ("error", exc.code)
    issues = sorted({(i.code, i.path) for i in kformat.iter_issues(source, limits=limits)})
    return read, issues


def _with_server(monkeypatch: pytest.MonkeyPatch, on: bool) -> None:
    monkeypatch.setattr(_h5_isolate, "SERVER_ABOVE", 0 if on else 1 << 62)
    monkeypatch.setattr(_h5_isolate, "SERVER_AFTER", 0 if on else 1 << 62)


def test_server_and_direct_child_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every HDF5 hostile case (the libhdf5 loop and crash included) and real files."""
    cases = _cases()
    _with_server(monkeypatch, False)
    direct = {c.name: _answer(c) for c in cases}
    _with_server(monkeypatch, True)
    served = {c.name: _answer(c) for c in cases}
    assert served == direct
    assert served["h5_heap_hang"][0] == ("error", "KF429")
    assert served["h5_libhdf5_crash"][0] == ("error", "KF430")


def test_server_survives_clean_files_and_is_replaced_after_a_hostile_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _with_server(monkeypatch, True)
    clean = sorted((ROOT / "conformance" / "keras_files" / "keras-3.15.1").glob("*/model.keras"))
    kformat.read(clean[0])
    assert _h5_server._server is not None
    first = _h5_server._server[0]
    kformat.read(clean[1])
    assert _h5_server._server is not None and _h5_server._server[0] is first  # reused
    crash = HOSTILE / "h5_libhdf5_crash" / "model.keras"
    with pytest.raises(kformat.KFormatError) as info:
        kformat.read(crash)
    assert info.value.code == "KF430"
    first.wait(timeout=10)  # the crashed server is gone ...
    kformat.read(clean[0])  # ... and a new one answers the next request
    assert _h5_server._server is not None and _h5_server._server[0] is not first


def test_a_stuck_server_is_killed_at_the_stall_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_server(monkeypatch, True)
    case = HOSTILE / "h5_heap_hang"
    limits = dataclasses.replace(
        kformat.DEFAULT_LIMITS, **json.loads((case / "case.json").read_text())["limits"]
    )
    kformat.read(sorted(ROOT.glob("conformance/keras_files/keras-3.15.1/*/model.keras"))[0])
    assert _h5_server._server is not None
    stuck = _h5_server._server[0]
    with pytest.raises(kformat.KFormatError) as info:
        kformat.read(case / "model.keras", limits=limits)
    assert info.value.code == "KF429"
    assert stuck.poll() is not None  # killed and reaped, not left spinning
    assert _h5_server._server is None


def test_in_memory_archives_reach_the_server_through_a_memfd(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not hasattr(os, "memfd_create"):
        pytest.skip("no memfd_create")
    _with_server(monkeypatch, True)
    path = sorted(ROOT.glob("conformance/keras_files/keras-3.15.1/*/model.keras"))[0]
    from_stream = kformat.read(io.BytesIO(path.read_bytes()))
    from_file = kformat.read(path)
    assert _manifest(from_stream) == _manifest(from_file)
    for p in from_file.weights:
        assert (from_stream.weights[p] == from_file.weights[p]).all()
