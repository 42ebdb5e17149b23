"""Validating many files: --jobs, --format jsonl, --resume, list/directory/URL inputs, ranged URL reads."""

from __future__ import annotations

import io
import json
import mmap
import os
import struct
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

import kformat
from benchmarks._models import dense_stack_archive
from kformat import _progress, _remote
from kformat._limits import DEFAULT_LIMITS
from kformat.validate import _pool
from kformat.validate._cli import main
from kformat.validate._driver import run, run_url
from kformat.validate._file_report import FileReport
from kformat.validate._schemas import load_schema
from tests.conftest import small_archive

fsspec = pytest.importorskip("fsspec")
from fsspec.implementations.memory import MemoryFileSystem  # noqa: E402

HOSTILE = Path(__file__).resolve().parents[2] / "conformance" / "hostile"
# Quick hostile cases: a libhdf5 crash (KF430), an inflate bomb, a hidden member, a shape bomb.
HOSTILE_CASES = ("h5_libhdf5_crash", "zip_bomb_deflate", "zip_hidden_member", "h5_shape_bomb")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tree: valid files, a broken one, hostile corpus files, an unzipped
    model directory, a sharded index with its shard, and a stray file."""
    root = tmp_path_factory.mktemp("registry")
    (root / "a" / "b").mkdir(parents=True)
    for i in range(3):
        kformat.write(dense_stack_archive(0, width=4, depth=1 + i), root / "a" / f"m{i}.keras")
    good = (root / "a" / "m0.keras").read_bytes()
    (root / "a" / "b" / "cut.keras").write_bytes(good[: len(good) // 2])
    for case in HOSTILE_CASES:
        (root / "a" / "b" / f"{case}.keras").write_bytes(
            (HOSTILE / case / "model.keras").read_bytes()
        )
    kformat.write(small_archive(), root / "unzipped", layout="directory")
    (root / "unzipped" / "assets").mkdir()
    (root / "unzipped" / "assets" / "extra.keras").write_bytes(good)  # inside a model: not searched
    kformat.write(small_archive(), root / "w.weights.h5", layout="weights_h5")
    (root / "notes.txt").write_text("not a model")
    return root


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def _file_validator() -> Draft202012Validator:
    schema = load_schema("report.schema.json")
    return Draft202012Validator({"$ref": "#/$defs/file", "$defs": schema["$defs"]})


def test_jobs_2_reports_what_jobs_1_reports(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(corpus), "--format", "jsonl", "--jobs", "1"]) == 1
    one = _lines(capsys.readouterr().out)
    assert main([str(corpus), "--format", "jsonl", "--jobs", "2"]) == 1
    out, err = capsys.readouterr()
    two = _lines(out)
    names = [e["file"] for e in one]
    assert sorted(names) == sorted(e["file"] for e in two)
    assert sorted(one, key=lambda e: e["file"]) == sorted(two, key=lambda e: e["file"])
    check = _file_validator()
    for entry in two:
        check.validate(entry)
    # The directory rule: the unzipped model is one input, not searched; the
    # .weights.h5 is found; the text file is not.
    assert str(corpus / "unzipped") in names
    assert str(corpus / "w.weights.h5") in names
    assert not any("extra.keras" in n or n.endswith(".txt") for n in names)
    by_name = {e["file"]: e for e in two}
    assert by_name[str(corpus / "a" / "m1.keras")]["valid"]
    crash = by_name[str(corpus / "a" / "b" / "h5_libhdf5_crash.keras")]
    assert "KF430" in {i["code"] for i in crash["issues"]}  # contained, not a dead pool
    assert len(two) == 3 + 1 + len(HOSTILE_CASES) + 2
    assert f"{len(two)} files: " in err and "files/s" in err


def test_json_and_text_keep_argument_order_with_jobs(
    corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(corpus / "a" / f"m{i}.keras") for i in (2, 0, 1)]
    assert main([*files, "--format", "json", "--jobs", "2"]) == 0
    report = json.loads(capsys.readouterr().out)
    Draft202012Validator(load_schema("report.schema.json")).validate(report)
    assert [f["file"] for f in report["files"]] == files
    assert main([*files, "--jobs", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == [f"{f}: valid" for f in files]
    assert lines[3].startswith("3 files: 3 valid, 0 with errors, 0 unreadable")


def test_resume_skips_exactly_the_reported_files(
    corpus: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = corpus / "a"
    assert main([str(a), "--format", "jsonl"]) == 1
    full = capsys.readouterr().out.splitlines()
    report = tmp_path / "r.jsonl"
    # Two complete lines and one an interrupted run cut short.
    report.write_text(full[0] + "\n" + full[1] + "\n" + full[2][:20])
    with open(report, "a") as out, monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", out)  # kformat validate ... --resume r.jsonl >> r.jsonl
        main([str(a), "--format", "jsonl", "--jobs", "2", "--resume", str(report)])
    lines = report.read_text().splitlines()
    assert lines[2] == full[2][:20]  # the cut line was closed, not joined to the next
    done = [json.loads(line)["file"] for line in lines[:2] + lines[3:]]
    assert sorted(done) == sorted(json.loads(line)["file"] for line in full)
    assert len(done) == len(set(done))  # nothing validated twice
    assert main([str(a), "--format", "text", "--resume", str(report)]) == 2  # jsonl only


def test_list_files_and_from_file(
    corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "list.txt"
    listing.write_text(f"# models\n{corpus / 'a' / 'm0.keras'}\n\n{corpus / 'unzipped'}\n")
    assert main([f"@{listing}", "--format", "jsonl"]) == 0
    assert [e["file"] for e in _lines(capsys.readouterr().out)] == [
        str(corpus / "a" / "m0.keras"),
        str(corpus / "unzipped"),
    ]
    assert main(["--from-file", str(listing), "--format", "jsonl", "-q"]) == 0
    assert len(_lines(capsys.readouterr().out)) == 2
    assert main(["--from-file", str(tmp_path / "missing.txt")]) == 2
    assert main([]) == 2


def _crash_on_cut(name: str, options: _pool.Options) -> tuple[FileReport, int]:
    if name.endswith("cut.keras"):
        os._exit(3)  # a worker dying mid-file (a signal, the OOM killer)
    return _pool.check(name, options)


def test_a_dead_worker_is_that_files_unreadable_result(corpus: Path) -> None:
    names = sorted(str(p) for p in (corpus / "a").glob("*.keras"))
    names.insert(1, str(corpus / "a" / "b" / "cut.keras"))
    options = _pool.Options(DEFAULT_LIMITS)
    got = {names[i]: r for i, r, _ in _pool.results(names, options, jobs=2, worker=_crash_on_cut)}
    assert sorted(got) == sorted(names)
    for name, report in got.items():
        if name.endswith("cut.keras"):
            assert report.unreadable == _pool.CRASHED
        else:
            assert report.unreadable is None
            assert report.issues == _pool.check(name, options)[0].issues


class _Counter:
    """Bytes read through ``countmem://``, shared with forked children (the HDF5 walk)."""

    shared = mmap.mmap(-1, 8)

    @classmethod
    def add(cls, n: int) -> None:
        cls.shared[:] = struct.pack("<Q", cls.value() + n)

    @classmethod
    def value(cls) -> int:
        return int(struct.unpack("<Q", cls.shared[:])[0])


class _CountingFile:
    def __init__(self, f: Any) -> None:
        self._f = f

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        _Counter.add(len(data))
        return bytes(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)

    def __enter__(self) -> _CountingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._f.close()


class CountingMemoryFileSystem(MemoryFileSystem):  # type: ignore[misc]
    """memory:// that counts the bytes read from it."""

    protocol = "countmem"

    @classmethod
    def _strip_protocol(cls, path: str) -> str:
        if path.startswith("countmem://"):
            path = path[len("countmem://") :]
        return str(super()._strip_protocol(path))

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
        return _CountingFile(super()._open(path, mode, **kwargs))


def test_url_validation_fetches_metadata_not_weights(tmp_path: Path) -> None:
    fsspec.register_implementation("countmem", CountingMemoryFileSystem, clobber=True)
    local = tmp_path / "heavy.keras"
    kformat.write(dense_stack_archive(0, width=1024, depth=4), local)  # ~17 MB of weights
    data = local.read_bytes()
    MemoryFileSystem().pipe("/registry/heavy.keras", data)
    before = _Counter.value()
    result, fetched = run_url("countmem:///registry/heavy.keras")
    counted = _Counter.value() - before
    assert counted == fetched  # the buffer's own count includes the HDF5 child's reads
    assert fetched <= len(data) // 100, (fetched, len(data))
    assert result.issues == run(local).issues == []
    assert result.layout == "keras"
    # --deep reads every weight: the whole object, once.
    before = _Counter.value()
    _, fetched = run_url("countmem:///registry/heavy.keras", deep=True)
    assert _Counter.value() - before == fetched == len(data)


def test_a_url_gets_the_findings_of_the_local_file(corpus: Path) -> None:
    """The ranged reader sees what the mapped file shows, hostile files included
    (a DEFLATED bomb streams through in chunks; a libhdf5 crash stays in its child)."""
    mem = MemoryFileSystem()
    local = [corpus / "a" / "m2.keras", corpus / "a" / "b" / "cut.keras", corpus / "w.weights.h5"]
    local += [corpus / "a" / "b" / f"{case}.keras" for case in HOSTILE_CASES]
    for path in local:
        mem.pipe(f"/same/{path.name}", path.read_bytes())
        remote, _ = run_url(f"memory:///same/{path.name}")
        expected = run(path)
        assert (remote.layout, remote.issues) == (expected.layout, expected.issues), path.name


def test_url_inputs_in_the_cli(corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mem = MemoryFileSystem()
    for i in range(3):
        mem.pipe(f"/cli/x/m{i}.keras", (corpus / "a" / f"m{i}.keras").read_bytes())
    mem.pipe("/cli/x/cut.keras", (corpus / "a" / "b" / "cut.keras").read_bytes())
    assert main(["memory:///cli/x", "--format", "jsonl", "--jobs", "2"]) == 1
    out, err = capsys.readouterr()
    entries = {e["file"]: e for e in _lines(out)}
    for name in ("config.json", "model.weights.h5"):  # an unzipped model: not its parts
        mem.pipe(f"/cli/y/model/{name}", (corpus / "unzipped" / name).read_bytes())
    assert main(["memory:///cli/y", "--format", "jsonl"]) == 2
    assert [e["file"] for e in _lines(capsys.readouterr().out)] == ["memory:///cli/y/model"]
    assert sorted(entries) == sorted(
        f"memory:///cli/x/{n}.keras" for n in ("m0", "m1", "m2", "cut")
    )
    assert entries["memory:///cli/x/m2.keras"]["valid"]
    assert not entries["memory:///cli/x/cut.keras"]["valid"]
    assert "bytes fetched" in err
    assert main(["memory:///cli/absent.keras"]) == 2
    assert main([(corpus / "a" / "m0.keras").as_uri()]) == 0


def test_url_without_fsspec_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)
    assert main(["s3://bucket/model.keras"]) == 2
    assert "pip install 'kformat[remote]'" in capsys.readouterr().err
    assert _remote.is_url("gs://b/x") and not _remote.is_url("C:/x") and not _remote.is_url("-")


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_only(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("tqdm")
    monkeypatch.setattr(_progress, "DELAY", 0.0)
    files = [str(corpus / "a" / f"m{i}.keras") for i in range(3)]
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    main([*files, "--format", "jsonl"])
    assert "validate: " in tty.getvalue() and "/3 [" in tty.getvalue()  # counted in files
    tty = _Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    main([*files, "--format", "jsonl", "-q"])
    assert tty.getvalue() == ""
