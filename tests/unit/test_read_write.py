"""kformat.read / kformat.write over every layout (spec §2-§10)."""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest

import kformat
from tests.conftest import EXAMPLE, assert_archives_equal, small_archive


@pytest.mark.parametrize("suffix", ["m.keras", "m_dir", "m.weights.h5"])
def test_round_trip_each_layout(tmp_path: Path, suffix: str) -> None:
    a = small_archive(bf16=True, assets=suffix != "m.weights.h5")
    dest = tmp_path / suffix
    kformat.write(a, dest) if suffix != "m.weights.h5" else kformat.write(
        kformat.KerasArchive(None, weights=a.weights, groups=a.groups), dest
    )
    b = kformat.read(dest)
    expected_layout = {"m.keras": "keras", "m_dir": "directory", "m.weights.h5": "weights_h5"}[
        suffix
    ]
    assert b.layout == expected_layout
    if suffix == "m.weights.h5":
        assert b.config is None and b.metadata is None
        assert sorted(b.weights) == sorted(a.weights)
    else:
        assert_archives_equal(a, b)
    # Read -> write -> read is exact, groups included.
    again = tmp_path / ("again_" + suffix)
    kformat.write(b, again)
    assert_archives_equal(b, kformat.read(again))


def test_sharded_round_trip(tmp_path: Path) -> None:
    a = small_archive()
    dest = tmp_path / "w.weights.json"
    kformat.write(
        kformat.KerasArchive(None, weights=a.weights, groups=a.groups),
        dest,
        max_shard_size=48 / 1024**3,
    )
    index = json.loads(dest.read_text())
    shards = sorted(p.name for p in tmp_path.glob("w_*.weights.h5"))
    assert shards == ["w_00000.weights.h5", "w_00001.weights.h5"]
    assert index["weight_map"]["/layers/dense/vars"] == ["w_00000.weights.h5", "w_00001.weights.h5"]
    assert set(index["weight_map"]) == {
        "/layers/dense/vars",
        "/layers/dense_1/vars",
        "/optimizer/vars",
    }
    assert index["metadata"]["total_size"] == sum(a.weights[p].nbytes for p in a.weights)
    b = kformat.read(dest)
    assert b.layout == "sharded"
    for path in a.weights:
        np.testing.assert_array_equal(b.weights[path], a.weights[path])
    assert b.groups["/layers/dense/vars"] == {"name": "dense"}
    # Re-saving with fewer shards removes the shards the old index listed.
    kformat.write(b, dest, max_shard_size=1.0)
    assert sorted(p.name for p in tmp_path.glob("w_*.weights.h5")) == ["w_00000.weights.h5"]


def test_bfloat16_preserved(tmp_path: Path) -> None:
    a = small_archive(bf16=True)
    kformat.write(a, tmp_path / "m.keras")
    w = kformat.read(tmp_path / "m.keras").weights["/layers/dense_1/vars/0"]
    assert w.dtype == ml_dtypes.bfloat16
    np.testing.assert_array_equal(
        w.astype("float32"), a.weights["/layers/dense_1/vars/0"].astype("float32")
    )


def test_bare_opaque_data_kept_raw(tmp_path: Path) -> None:
    # Keras 3.0.0-3.0.4 stored bfloat16 as opaque bytes without the dtype marker.
    raw = np.arange(4, dtype=ml_dtypes.bfloat16).view("V2")
    a = kformat.KerasArchive(None, weights={"/layers/d/vars/0": raw})
    kformat.write(a, tmp_path / "w.weights.h5")
    back = kformat.read(tmp_path / "w.weights.h5").weights["/layers/d/vars/0"]
    assert back.dtype == np.dtype("V2")
    np.testing.assert_array_equal(
        back.view(ml_dtypes.bfloat16), np.arange(4, dtype=ml_dtypes.bfloat16)
    )


def test_weights_are_read_only_views(tmp_path: Path) -> None:
    kformat.write(small_archive(), tmp_path / "m.keras")
    w = kformat.read(tmp_path / "m.keras").weights["/layers/dense/vars/0"]
    assert not w.flags.writeable
    with pytest.raises(ValueError):
        w[0, 0] = 1.0
    # A view into the mapped file, not a copy.
    assert w.base is not None


def test_byte_deterministic(tmp_path: Path) -> None:
    a = small_archive(assets=True)
    kformat.write(a, tmp_path / "1.keras")
    kformat.write(a, tmp_path / "2.keras")
    assert (tmp_path / "1.keras").read_bytes() == (tmp_path / "2.keras").read_bytes()


def test_keras_layout_members(tmp_path: Path) -> None:
    kformat.write(small_archive(assets=True), tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == [
        "metadata.json",
        "config.json",
        "model.weights.h5",
        "assets/layers/vocab/vocabulary.txt",
    ]
    assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    weights = infos[2]
    raw = (tmp_path / "m.keras").read_bytes()
    name_len, extra_len = struct.unpack_from("<HH", raw, weights.header_offset + 26)
    data_start = weights.header_offset + 30 + name_len + extra_len
    assert data_start % 64 == 0
    assert {i.external_attr for i in infos} == {0o600 << 16}
    assert {i.create_system for i in infos} == {3}
    assert zipfile.ZipFile(tmp_path / "m.keras").testzip() is None
    meta = json.loads(zipfile.ZipFile(tmp_path / "m.keras").read("metadata.json"))
    assert meta == {"keras_version": "3.15.1", "date_saved": "2026-01-02@03:04:05"}


def test_write_to_file_object_and_read_from_one() -> None:
    buf = io.BytesIO()
    kformat.write(small_archive(), buf)
    buf.seek(0)
    b = kformat.read(buf)
    assert_archives_equal(small_archive(), b, groups=False)


def test_date_saved_settable(tmp_path: Path) -> None:
    a = kformat.KerasArchive(small_archive().config, weights=small_archive().weights)
    kformat.write(a, tmp_path / "m.keras", date_saved="2020-05-06@07:08:09")
    assert kformat.read(tmp_path / "m.keras").metadata == {
        "keras_version": kformat.KERAS_VERSION,
        "date_saved": "2020-05-06@07:08:09",
    }
    with pytest.raises(ValueError, match="date_saved"):
        kformat.write(a, tmp_path / "x.keras", date_saved="yesterday")


def test_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    a = kformat.KerasArchive(small_archive().config, weights=small_archive().weights)
    kformat.write(a, tmp_path / "m.keras")
    assert kformat.read(tmp_path / "m.keras").metadata["date_saved"] == "1970-01-01@00:00:00"


def test_atomic_write_keeps_existing_file(tmp_path: Path) -> None:
    dest = tmp_path / "m.keras"
    kformat.write(small_archive(), dest)
    before = dest.read_bytes()
    bad = kformat.KerasArchive({"class_name": "X", "config": {"f": object()}}, weights={})
    with pytest.raises(TypeError):
        kformat.write(bad, dest)
    assert dest.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


def test_atomic_directory_replace(tmp_path: Path) -> None:
    dest = tmp_path / "model"
    kformat.write(small_archive(), dest)
    kformat.write(small_archive(assets=True), dest)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert kformat.read(dest).assets


def test_layout_argument_errors(tmp_path: Path) -> None:
    weights_only = kformat.KerasArchive(None, weights=small_archive().weights)
    with pytest.raises(ValueError, match="weights-only"):
        kformat.write(weights_only, tmp_path / "m.keras")
    with pytest.raises(ValueError, match="max_shard_size"):
        kformat.write(weights_only, tmp_path / "m.weights.json")
    with pytest.raises(ValueError, match="max_shard_size"):
        kformat.write(weights_only, tmp_path / "m.weights.h5", max_shard_size=1.0)
    with pytest.raises(ValueError, match="layout"):
        kformat.write(small_archive(), tmp_path / "m.txt")
    with pytest.raises(ValueError, match="above max_shard_size"):
        kformat.write(weights_only, tmp_path / "m.weights.json", max_shard_size=1 / 1024**3)
    with pytest.raises(TypeError):
        kformat.write({"config": {}}, tmp_path / "m.keras")  # type: ignore[arg-type]


def test_nul_in_group_attribute_refused(tmp_path: Path) -> None:
    a = kformat.KerasArchive(small_archive().config, groups={"/vars": {"name": "a\x00b"}})
    with pytest.raises(ValueError, match="NUL"):
        kformat.write(a, tmp_path / "m.keras")
    assert not list(tmp_path.iterdir())
    b = kformat.KerasArchive(small_archive().config, groups={"/vars": {"name": "\ud800"}})
    with pytest.raises(ValueError, match="Unicode"):
        kformat.write(b, tmp_path / "m.keras")


def test_archive_constructor_checks() -> None:
    with pytest.raises(ValueError, match="absolute"):
        kformat.KerasArchive({}, weights={"layers/x": np.zeros(1)})
    with pytest.raises(ValueError, match="assets/"):
        kformat.KerasArchive({}, assets={"x.txt": b""})
    with pytest.raises(TypeError):
        kformat.KerasArchive([])  # type: ignore[arg-type]


def test_example_reads() -> None:
    a = kformat.read(EXAMPLE)
    assert a.config is not None and a.config["class_name"] == "Functional"
    assert a.weights["/layers/dense/vars/0"].shape == (32, 16)
    assert a.weights.info("/layers/dense/vars/0").nbytes == 32 * 16 * 4


def test_missing_path_is_oserror(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        kformat.read(tmp_path / "nope.keras")
    with pytest.raises(TypeError):
        kformat.read(12)  # type: ignore[arg-type]


def test_cli_info(capsys: pytest.CaptureFixture[str]) -> None:
    from kformat.__main__ import main

    assert main(["info", str(EXAMPLE)]) == 0
    assert "/layers/dense/vars/0" in capsys.readouterr().out
    assert main(["info", "--format", "json", str(EXAMPLE)]) == 0
    assert json.loads(capsys.readouterr().out)["class_name"] == "Functional"


def test_core_imports_without_frameworks(tmp_path: Path) -> None:
    import subprocess
    import sys

    bf16_file = tmp_path / "bf16.keras"
    kformat.write(small_archive(bf16=True), bf16_file)

    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('keras','tensorflow','jax','tf_keras','torch','reference_runtime','ml_dtypes'):\n"
        "            raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import kformat, kformat.serialization\n"
        f"a = kformat.read({str(EXAMPLE)!r})\n"
        "assert 'reference_runtime' not in sys.modules\n"
        f"try:\n    kformat.read({str(bf16_file)!r})\n"
        "except kformat.UnsupportedFeatureError as e:\n    assert 'ml_dtypes' in str(e)\n"
        "else:\n    raise SystemExit('bfloat16 read without ml_dtypes')\n"
        "print('ok')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ}
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_materialize_gives_writable_copies(tmp_path: Path) -> None:
    a = small_archive(bf16=True)
    kformat.write(a, tmp_path / "m.keras")
    weights = kformat.read(tmp_path / "m.keras").weights
    assert isinstance(weights, kformat.WeightMap)
    copies = weights.materialize()
    assert sorted(copies) == sorted(a.weights)
    for path, arr in copies.items():
        assert arr.flags.writeable and arr.flags.owndata
        assert arr.dtype == a.weights[path].dtype
        np.testing.assert_array_equal(
            arr.astype("float64"), np.asarray(a.weights[path]).astype("float64")
        )
    # The views still read correctly after their pages were released.
    np.testing.assert_array_equal(
        weights["/layers/dense/vars/0"], a.weights["/layers/dense/vars/0"]
    )


def test_non_ascii_asset_names(tmp_path: Path) -> None:
    a = kformat.KerasArchive(small_archive().config, assets={"assets/x/caf\u00e9.txt": b"1"})
    kformat.write(a, tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert "assets/x/caf\u00e9.txt" in zf.namelist()
    assert list(kformat.read(tmp_path / "m.keras").assets) == ["assets/x/caf\u00e9.txt"]


def test_zip64_records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A >= 4 GiB member is too large for a test; lowering the threshold makes
    # the writer emit the same ZIP64 records for small members and offsets.
    from kformat import _zipwrite

    monkeypatch.setattr(_zipwrite, "_ZIP64_LIMIT", 1000)
    monkeypatch.setattr(_zipwrite, "_COUNT_LIMIT", 3)
    a = small_archive(assets=True)
    dest = tmp_path / "m.keras"
    kformat.write(a, dest)
    raw = dest.read_bytes()
    assert b"PK\x06\x06" in raw and b"PK\x06\x07" in raw  # ZIP64 end records
    with zipfile.ZipFile(dest) as zf:
        assert zf.testzip() is None
        infos = {i.filename: i for i in zf.infolist()}
    assert infos["model.weights.h5"].file_size > 1000
    assert infos["assets/layers/vocab/vocabulary.txt"].header_offset > 1000
    assert_archives_equal(a, kformat.read(dest))
