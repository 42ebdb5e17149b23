"""The reader is total: hostile or broken input raises KFormatError with a location."""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest

import kformat
from kformat import InvalidArchiveError, KFormatError, UnsafeArchiveError, UnsupportedFeatureError
from tests.conftest import small_archive

CONFIG = json.dumps(small_archive().config).encode()
META = b'{"keras_version": "3.15.1", "date_saved": "2026-01-01@00:00:00"}'


def good_h5() -> bytes:
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_dataset("layers/dense/vars/0", data=np.ones((4, 3), "float32"))
        f["layers/dense/vars"].attrs["name"] = "dense"
    return buf.getvalue()


def h5_with(build: Callable[[h5py.File], None]) -> bytes:
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        build(f)
    return buf.getvalue()


def make_zip(
    members: list[tuple[str, bytes]],
    *,
    attr: dict[str, int] | None = None,
    compress: int = zipfile.ZIP_STORED,
) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name)
            info.compress_type = compress
            if attr and name in attr:
                info.external_attr = attr[name] << 16
            zf.writestr(info, data)
    return buf.getvalue()


def keras_zip(
    weights: bytes | None = None, config: bytes = CONFIG, extra: list[tuple[str, bytes]] = ()
) -> bytes:  # type: ignore[assignment]
    members = [
        ("metadata.json", META),
        ("config.json", config),
        ("model.weights.h5", weights or good_h5()),
    ]
    return make_zip(members + list(extra))


def read_bytes(data: bytes) -> kformat.KerasArchive:
    return kformat.read(io.BytesIO(data))


def test_good_baseline() -> None:
    assert read_bytes(keras_zip()).weights["/layers/dense/vars/0"].shape == (4, 3)


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/abs.txt", "assets/../../x", "C:/x", "assets\\x", "assets//x", "./x"]
)
def test_unsafe_member_names(name: str) -> None:
    with pytest.raises(UnsafeArchiveError) as err:
        read_bytes(keras_zip(extra=[(name, b"x")]))
    assert err.value.member == name


def test_nul_in_member_name() -> None:
    # zipfile drops everything after a NUL when writing, so patch the bytes.
    data = keras_zip(extra=[("assets/a#b", b"x")]).replace(b"assets/a#b", b"assets/a\x00b")
    with pytest.raises(UnsafeArchiveError, match="NUL"):
        read_bytes(data)


def test_symlink_member() -> None:
    data = make_zip(
        [("config.json", CONFIG), ("model.weights.h5", good_h5()), ("assets/link", b"/etc/passwd")],
        attr={"assets/link": 0o120777},
    )
    with pytest.raises(UnsafeArchiveError, match="symbolic link") as err:
        read_bytes(data)
    assert err.value.member == "assets/link"


def test_duplicate_member() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, pytest.warns(UserWarning):
        zf.writestr("config.json", CONFIG)
        zf.writestr("model.weights.h5", good_h5())
        zf.writestr("config.json", b"{}")
    with pytest.raises(UnsafeArchiveError, match="duplicate"):
        read_bytes(buf.getvalue())


def test_unknown_and_missing_members() -> None:
    with pytest.raises(InvalidArchiveError, match="unexpected member") as err:
        read_bytes(keras_zip(extra=[("notes.txt", b"hi")]))
    assert err.value.member == "notes.txt"
    with pytest.raises(InvalidArchiveError, match=r"no config\.json"):
        read_bytes(make_zip([("model.weights.h5", good_h5())]))
    with pytest.raises(InvalidArchiveError, match=r"no model\.weights\.h5"):
        read_bytes(make_zip([("config.json", CONFIG)]))


def test_npz_weights_refused() -> None:
    with pytest.raises(UnsafeArchiveError, match="pickle"):
        read_bytes(make_zip([("config.json", CONFIG), ("model.weights.npz", b"PK")]))


def test_deflate_bomb_refused_before_inflating() -> None:
    zeros = b"\x00" * (64 << 20)
    data = make_zip(
        [("config.json", CONFIG), ("model.weights.h5", good_h5()), ("assets/big", zeros)],
        compress=zipfile.ZIP_DEFLATED,
    )
    with pytest.raises(UnsafeArchiveError, match="ratio") as err:
        read_bytes(data)
    assert err.value.member == "assets/big"


def test_deflated_members_accepted() -> None:
    data = make_zip(
        [("config.json", CONFIG), ("model.weights.h5", good_h5())], compress=zipfile.ZIP_DEFLATED
    )
    a = read_bytes(data)
    assert a.weights["/layers/dense/vars/0"].sum() == 12


def test_crc_mismatch() -> None:
    data = bytearray(keras_zip())
    i = data.index(b'"Sequential"')
    data[i + 1] = ord("X")
    with pytest.raises(InvalidArchiveError, match="CRC") as err:
        read_bytes(bytes(data))
    assert err.value.member == "config.json"


def test_encrypted_flag() -> None:
    data = bytearray(keras_zip())
    cd = data.rindex(b"PK\x01\x02")  # last central entry: model.weights.h5
    flags = struct.unpack_from("<H", data, cd + 8)[0]
    struct.pack_into("<H", data, cd + 8, flags | 1)
    with pytest.raises(InvalidArchiveError):
        read_bytes(bytes(data))


def test_overlapping_members() -> None:
    # Point the central directory entry of config.json at metadata.json's header.
    data = bytearray(keras_zip(config=META))
    cd = data.index(b"PK\x01\x02")
    second = data.index(b"PK\x01\x02", cd + 4)
    struct.pack_into("<I", data, second + 42, 0)
    with pytest.raises(KFormatError):
        read_bytes(bytes(data))


@pytest.mark.parametrize("cut", [10, 100, 1000, -100, -10])
def test_truncated(cut: int) -> None:
    data = keras_zip()
    with pytest.raises(KFormatError):
        read_bytes(data[:cut])


@pytest.mark.parametrize(
    ("config", "match"),
    [
        (b"{not json", "invalid JSON"),
        (b"\xff\xfe{}", "UTF-8"),
        (b"\xef\xbb\xbf{}", "byte order mark"),
        (b'{"a": 1, "a": 2}', "duplicate"),
        (b"[" * 100_000 + b"]" * 100_000, "nest|deep"),
        (b'{"a":' * 200 + b"1" + b"}" * 200, "depth"),
        (b"[1, 2]", "object"),
        (b"1" * 5000, "invalid JSON value|JSON"),
    ],
)
def test_bad_config_json(config: bytes, match: str) -> None:
    with pytest.raises(InvalidArchiveError, match=match) as err:
        read_bytes(keras_zip(config=config))
    assert err.value.member == "config.json"


def test_config_size_limit() -> None:
    big = b'{"x": "' + b"a" * (9 << 20) + b'"}'
    with pytest.raises(UnsafeArchiveError, match="limit"):
        read_bytes(keras_zip(config=big))
    limits = kformat.Limits(max_config_bytes=16 << 20)
    assert kformat.read(io.BytesIO(keras_zip(config=big)), limits=limits).config == {
        "x": "a" * (9 << 20)
    }


@pytest.mark.parametrize(
    ("build", "error", "path"),
    [
        (lambda f: f.__setitem__("soft", h5py.SoftLink("/layers")), UnsafeArchiveError, "/soft"),
        (
            lambda f: f.__setitem__("ext", h5py.ExternalLink("/etc/passwd", "/x")),
            UnsafeArchiveError,
            "/ext",
        ),
        (
            lambda f: f.create_dataset(
                "x", shape=(10,), dtype="f4", external=[("/etc/passwd", 0, 40)]
            ),
            UnsafeArchiveError,
            "/x",
        ),
        (
            lambda f: f.create_dataset("bomb", shape=(1 << 28,), dtype="f8"),
            UnsafeArchiveError,
            "/bomb",
        ),
        (
            lambda f: f.create_dataset("huge", shape=(1 << 40,), dtype="f8", chunks=(1024,)),
            UnsafeArchiveError,
            "/huge",
        ),
        (lambda f: f.create_dataset("s", data=np.array([b"abc"])), InvalidArchiveError, "/s"),
        (
            lambda f: f.create_dataset("v", data=np.zeros(2, "V2")).attrs.create("dtype", "pickle"),
            InvalidArchiveError,
            "/v",
        ),
        (
            lambda f: f.create_dataset("c", data=np.zeros(2, [("a", "f4")])),
            InvalidArchiveError,
            "/c",
        ),
    ],
)
def test_hostile_h5(build: Callable[[h5py.File], None], error: type[Exception], path: str) -> None:
    with pytest.raises(error) as err:
        read_bytes(keras_zip(weights=h5_with(build)))
    assert err.value.member == "model.weights.h5"  # type: ignore[attr-defined]
    assert err.value.path == path  # type: ignore[attr-defined]


def test_soft_link_in_intermediate_component() -> None:
    def build(f: h5py.File) -> None:
        f.create_dataset("real/vars/0", data=np.ones(2))
        f["layers"] = h5py.SoftLink("/real")

    with pytest.raises(UnsafeArchiveError, match="soft link"):
        read_bytes(keras_zip(weights=h5_with(build)))


def test_virtual_dataset(tmp_path: Path) -> None:
    src = tmp_path / "src.h5"
    with h5py.File(src, "w") as f:
        f.create_dataset("d", data=np.arange(4.0))
    layout = h5py.VirtualLayout(shape=(4,), dtype="f8")
    layout[:] = h5py.VirtualSource(str(src), "d", shape=(4,))

    def build(f: h5py.File) -> None:
        f.create_virtual_dataset("vds", layout)

    with pytest.raises(UnsafeArchiveError, match="virtual"):
        read_bytes(keras_zip(weights=h5_with(build)))


def test_legacy_h5_refused(tmp_path: Path) -> None:
    p = tmp_path / "legacy.h5"
    with h5py.File(p, "w") as f:
        f.attrs["model_config"] = "{}"
    with pytest.raises(UnsupportedFeatureError, match="legacy"):
        kformat.read(p)


def test_not_hdf5_weights() -> None:
    with pytest.raises(InvalidArchiveError, match="HDF5") as err:
        read_bytes(keras_zip(weights=b"not an hdf5 file at all" * 10))
    assert err.value.member == "model.weights.h5"


def test_random_bytes(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    for i in range(20):
        p = tmp_path / f"r{i}.keras"
        p.write_bytes(rng.bytes(int(rng.integers(0, 4000))))
        with pytest.raises(KFormatError):
            kformat.read(p)


def test_directory_symlinks_refused(tmp_path: Path) -> None:
    d = tmp_path / "m"
    kformat.write(small_archive(), d)
    (d / "assets").mkdir()
    os.symlink("/etc/passwd", d / "assets" / "leak")
    with pytest.raises(UnsafeArchiveError, match="symbolic link") as err:
        kformat.read(d)
    assert err.value.member == "assets/leak"
    os.unlink(d / "assets" / "leak")
    os.replace(d / "config.json", tmp_path / "c.json")
    os.symlink(tmp_path / "c.json", d / "config.json")
    with pytest.raises(UnsafeArchiveError):
        kformat.read(d)


@pytest.mark.parametrize(
    "shard",
    ["../x.weights.h5", "/etc/x.weights.h5", "sub/x.weights.h5", "x.h5", "..\\x.weights.h5"],
)
def test_shard_names_confined(tmp_path: Path, shard: str) -> None:
    index = {"metadata": {"total_size": 1}, "weight_map": {"/layers/dense/vars": [shard]}}
    p = tmp_path / "m.weights.json"
    p.write_text(json.dumps(index))
    with pytest.raises(UnsafeArchiveError) as err:
        kformat.read(p)
    assert err.value.member == "m.weights.json"


def test_shard_symlink_refused(tmp_path: Path) -> None:
    (tmp_path / "real.h5").write_bytes(good_h5())
    os.symlink(tmp_path / "real.h5", tmp_path / "m_00000.weights.h5")
    index = {
        "metadata": {"total_size": 48},
        "weight_map": {"/layers/dense/vars": ["m_00000.weights.h5"]},
    }
    (tmp_path / "m.weights.json").write_text(json.dumps(index))
    with pytest.raises(UnsafeArchiveError, match="symbolic link"):
        kformat.read(tmp_path / "m.weights.json")


def test_shard_index_inconsistent(tmp_path: Path) -> None:
    (tmp_path / "m_00000.weights.h5").write_bytes(good_h5())
    index = {
        "metadata": {"total_size": 48},
        "weight_map": {"/layers/other/vars": ["m_00000.weights.h5"]},
    }
    (tmp_path / "m.weights.json").write_text(json.dumps(index))
    with pytest.raises(InvalidArchiveError, match="does not list") as err:
        kformat.read(tmp_path / "m.weights.json")
    assert err.value.path == "/layers/dense/vars/0"


def test_zlib_corrupt_member() -> None:
    data = make_zip(
        [("config.json", CONFIG), ("model.weights.h5", good_h5())], compress=zipfile.ZIP_DEFLATED
    )
    raw = bytearray(data)
    start = raw.index(b"config.json") + len("config.json")
    for i in range(start, start + 20):
        raw[i] ^= 0xFF
    with pytest.raises(KFormatError):
        read_bytes(bytes(raw))
    assert zlib  # the stdlib codec is what the reader drives
