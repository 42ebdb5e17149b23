"""No string from a file reaches a terminal or an annotation raw: escapes, truncation, a report cap.

A class name that clears the screen and forges a GitHub workflow command, a
bidi override, a lone surrogate and a hostile zip member name go through every
report format (and ``kformat info``); no output may hold a control character,
a bidi control or a line the file chose.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest

import kformat
from kformat.__main__ import main as kformat_main
from kformat._display import MAX_CHARS, clean, emit
from kformat.validate._cli import build_parser, main
from kformat.validate._report import MAX_ISSUES
from tests.unit.test_validate_cli import clean_archive

EVIL = "\x1b[2J\r\n::error file=x::pwned\u202e"
#: what may never be printed: C0 (bar the newline ending each line), DEL, C1,
#: bidi controls, line/paragraph separators, surrogates
UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _archive_with(class_name: str, layer_name: str) -> kformat.KerasArchive:
    archive = clean_archive()
    config = json.loads(json.dumps(archive.config))
    config["config"]["layers"][1]["class_name"] = class_name
    config["config"]["layers"][1]["config"]["name"] = layer_name
    return kformat.KerasArchive(config, archive.metadata, archive.weights, archive.groups)


def _with_member(path: Path, name: str) -> None:
    """Append a zip member called ``name`` (the container rules refuse it by name)."""
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), b"x")


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    path = tmp_path / "evil.keras"
    kformat.write(_archive_with(EVIL + "\ud800", "dense" + EVIL), path)
    _with_member(path, "assets/" + EVIL.replace("/", "_"))
    return path


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_clean_escapes_controls_bidi_and_surrogates() -> None:
    assert clean(EVIL) == "\\x1b[2J\\r\\n::error file=x::pwned\\u202e"
    assert clean("a\x00b\x7f\x85\u2066\u2069\udc80") == "a\\x00b\\x7f\\x85\\u2066\\u2069\\udc80"
    assert clean("plain name_1 / Ünïcødé") == "plain name_1 / Ünïcødé"
    long = "x" * (MAX_CHARS + 50)
    assert clean(long) == "x" * MAX_CHARS + "…"
    assert clean("\x1b" * 1000, 10) == "\\x1b" * 10 + "…"


@pytest.mark.parametrize("fmt", ["text", "github", "json", "sarif"])
def test_no_control_characters_in_any_format(
    hostile: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--format", fmt, str(hostile)]) == 1
    captured = capsys.readouterr()
    for stream in (captured.out, captured.err):
        assert not UNSAFE.search(stream)
    assert "\\x1b[2J\\r\\n" in captured.out.replace("\\\\", "\\")  # shown, escaped
    assert "\\ud800" in captured.out.replace("\\\\", "\\")  # the lone surrogate too
    if fmt == "github":
        lines = captured.out.splitlines()
        assert all(re.match(r"::(error|warning|notice) file=[^:]*::", line) for line in lines)
        # the forged command stays inside a message, never at the start of a line
        assert not any(line.startswith("::error file=x::") for line in lines)
    if fmt in ("json", "sarif"):
        for text in _strings(json.loads(captured.out)):
            assert not UNSAFE.search(text), text


def test_info_escapes_names(hostile: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """kformat.read accepts the archive (names are not its business)."""
    for fmt in ("text", "json"):
        code = kformat_main(["info", "--format", fmt, str(hostile)])
        captured = capsys.readouterr()
        assert not UNSAFE.search(captured.out + captured.err)
        if code == 0:
            assert "\\x1b" in captured.out.replace("\\\\", "\\")
        else:  # refused for its member name: the error is escaped as well
            assert "\\x1b" in captured.err


def test_long_names_are_truncated(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "long.keras"
    kformat.write(_archive_with("C" * 100_000, "n" * 100_000), path)
    main([str(path)])  # KF310 names the class
    out = capsys.readouterr().out
    assert "C" * 100_000 not in out and "…" in out
    assert max(map(len, out.splitlines())) < 4 * MAX_CHARS


def test_report_lists_at_most_max_issues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = clean_archive()
    config = json.loads(json.dumps(archive.config))
    for layer in config["config"]["layers"]:
        layer["class_name"] = "Nope"  # KF310 for each
    path = tmp_path / "many.keras"
    kformat.write(kformat.KerasArchive(config, archive.metadata, archive.weights), path)
    assert main(["--strict", "--max-issues", "0", str(path)]) == 1  # KF310 are warnings
    total = len([line for line in capsys.readouterr().out.splitlines() if ": KF" in line])
    assert total > 2
    assert main(["--strict", "--max-issues", "2", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len([line for line in lines if ": KF" in line]) == 2
    assert lines[-2] == f"{path}: ... and {total - 2} more issues not listed (--max-issues)"
    assert lines[-1] == f"{path}: invalid ({total} warnings)"  # counts cover every issue
    assert main(["--max-issues", "2", "--format", "json", str(path)]) == 0
    entry = json.loads(capsys.readouterr().out)["files"][0]
    assert len(entry["issues"]) == 2 and entry["issues_not_listed"] == total - 2
    assert entry["warnings"] == total
    assert main(["--max-issues", "2", "--format", "github", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("::notice file=")
    assert MAX_ISSUES == 200 and build_parser().parse_args(["x"]).max_issues == MAX_ISSUES


def test_emit_escapes_what_the_stream_cannot_encode() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii")
    assert emit("Ünï …\n", stream)
    assert raw.getvalue() == b"\\xdcn\\xef \\u2026\n"


def test_file_names_are_escaped_but_long_paths_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / ("d" * 150)
    folder.mkdir()
    kformat.write(clean_archive(), folder / ("f" * 150 + ".keras"))
    kformat.write(clean_archive(), folder / "a\x1b[2J\rb.keras")  # found by the directory walk
    for fmt in ("text", "github", "json", "sarif"):
        assert main(["--format", fmt, str(folder)]) == 0
        out = capsys.readouterr().out
        assert not UNSAFE.search(out)
        if fmt == "text":
            assert f"{folder / ('f' * 150 + '.keras')}: valid" in out  # > MAX_CHARS, kept whole
            assert f"{folder}/a\\x1b[2J\\rb.keras: valid" in out
