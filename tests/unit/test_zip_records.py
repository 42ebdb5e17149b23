"""Zips two readers see differently (spec §2.6, KF114-KF116), names after NFKC
normalisation (§2.3, KF103/KF104), and the directory form's hard links and
asset names (§2.8, KF105/KF103). The reader raises, the validator reports."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

import kformat
from kformat._zip import check_member_name
from tests.unit import container_bombs as cb


def codes(source: Path | io.BytesIO) -> list[str]:
    if isinstance(source, io.BytesIO):
        source.seek(0)
    return sorted({i.code for i in kformat.iter_issues(source) if i.severity == "error"})


def read_code(source: Path | io.BytesIO) -> str | None:
    if isinstance(source, io.BytesIO):
        source.seek(0)
    with pytest.raises(kformat.KFormatError) as err:
        kformat.read(source)
    return err.value.code


class _Unseekable(io.RawIOBase):
    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.out += b
        return len(b)


def descriptor_zip(method: int = zipfile.ZIP_STORED) -> bytes:
    """What zipfile writes to a pipe: CRC and sizes in data descriptors."""
    stream = _Unseekable()
    with zipfile.ZipFile(stream, "w", compression=method) as zf:
        for name, data in [
            ("metadata.json", cb.META),
            ("config.json", cb.CONFIG),
            ("model.weights.h5", cb.small_h5()),
        ]:
            with zf.open(name, "w") as f:
                f.write(data)
    return bytes(stream.out)


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_data_descriptors_that_agree_are_read(method: int) -> None:
    data = descriptor_zip(method)
    assert b"PK\x07\x08" in data
    archive = kformat.read(io.BytesIO(data))
    assert archive.weights["/layers/dense/vars/0"].shape == (4, 3)
    # The small weights do not match the config (KF4xx); the container is clean.
    assert [c for c in codes(io.BytesIO(data)) if c.startswith("KF1")] == []


def test_descriptor_crc_disagrees() -> None:
    data = bytearray(descriptor_zip())
    first = data.index(b"PK\x07\x08")
    data[first + 4] ^= 0xFF
    src = io.BytesIO(bytes(data))
    assert read_code(src) == "KF115"
    assert "KF115" in codes(src)


def test_prefix_without_records_allowed() -> None:
    """Bytes before the first member (a self-extractor stub) stay allowed (§2.6)."""
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        for name, payload in [("config.json", cb.CONFIG), ("model.weights.h5", cb.small_h5())]:
            zf.writestr(name, payload)
    archive = kformat.read(io.BytesIO(b"#!/bin/sh\nexit 0\n" + data.getvalue()))
    assert archive.config is not None


def test_zip64_locator_and_counts_must_agree(tmp_path: Path) -> None:
    good = tmp_path / "good.keras"
    cb.write_zip(good, cb.head(), zip64=True)
    assert kformat.read(good).config is not None
    for name, kwargs in [("shift", {"locator_shift": 8}), ("count", {"count32": 2})]:
        bad = tmp_path / f"{name}.keras"
        cb.write_zip(bad, cb.head(), zip64=True, **kwargs)  # type: ignore[arg-type]
        assert read_code(bad) == "KF116"
        assert codes(bad) == ["KF116"]


@pytest.mark.parametrize(
    "name",
    [
        "assets/\uff0e\uff0e\uff0fevil",  # fullwidth ../
        "assets/a\uff3c..\uff3cb",  # fullwidth backslash
        "\uff0fetc/passwd",  # fullwidth leading slash
        "assets/a\u202eb",  # bidi override
        "assets/a\u0085b",  # C1 next-line
        "assets/a\u2028b",  # line separator
    ],
)
def test_names_refused_after_normalisation(name: str) -> None:
    assert check_member_name(name) is not None
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as zf:
        for member, payload in [
            ("config.json", cb.CONFIG),
            ("model.weights.h5", cb.small_h5()),
            (name, b"x"),
        ]:
            zf.writestr(member, payload)
    assert read_code(data) == "KF103"


def test_plain_unicode_names_allowed() -> None:
    assert check_member_name("assets/x/caf\u00e9.txt") is None
    assert check_member_name("assets/\u8a5e\u5f59.txt") is None


def _model_dir(root: Path) -> Path:
    root.mkdir()
    (root / "config.json").write_bytes(cb.CONFIG)
    (root / "metadata.json").write_bytes(cb.META)
    (root / "model.weights.h5").write_bytes(cb.small_h5())
    (root / "assets").mkdir()
    return root


@pytest.mark.parametrize("target", ["assets/leak.txt", "config.json"])
def test_directory_hard_link_refused(tmp_path: Path, target: str) -> None:
    """A hard link exposes whatever file it shares an inode with (§2.8)."""
    secret = tmp_path / "outside-secret.txt"
    secret.write_bytes(b'{"secret": 1}')
    root = _model_dir(tmp_path / "model")
    (root / target).unlink(missing_ok=True)
    os.link(secret, root / target)
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        archive = kformat.read(root)
        dict(archive.assets)
    assert (err.value.code, err.value.member) == ("KF105", target)
    issues = [(i.code, i.member) for i in kformat.iter_issues(root) if i.severity == "error"]
    assert ("KF105", target) in issues


def test_directory_control_character_asset_name(tmp_path: Path) -> None:
    root = _model_dir(tmp_path / "model")
    (root / "assets" / "a\x1b]0;pwned\x07b.txt").write_bytes(b"x")
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        kformat.read(root)
    assert err.value.code == "KF103"
    assert "KF103" in codes(root)


def test_directory_assets_read_on_access(tmp_path: Path) -> None:
    root = _model_dir(tmp_path / "model")
    (root / "assets" / "layers").mkdir()
    (root / "assets" / "layers" / "vocab.txt").write_bytes(b"a\nb\n")
    archive = kformat.read(root)
    assert archive.assets == {"assets/layers/vocab.txt": b"a\nb\n"}
    (root / "assets" / "layers" / "vocab.txt").write_bytes(b"c\n")
    assert archive.assets["assets/layers/vocab.txt"] == b"c\n"  # not cached
