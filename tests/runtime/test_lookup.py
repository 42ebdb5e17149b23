"""StringLookup and IntegerLookup against Keras + TensorFlow (runtime, validator, TF twin)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from layer_check import set_config_key
from text_checks import check_case, text_oracle

import reference_runtime as rr
from kformat.errors import InvalidArchiveError
from kformat.validate import iter_issues

pytestmark = pytest.mark.oracle


@pytest.mark.parametrize("name", ["string_lookup", "integer_lookup", "string_invert"])
def test_lookup_layers_match_keras(name: str) -> None:
    check_case(name)


def test_adapted_vocabulary_is_an_asset() -> None:
    case = text_oracle().cases["string_lookup"]
    assert case.runtime_file is not None
    for path in (case.keras_file, case.runtime_file):
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            vocab = z.read("assets/layers/string_lookup_2/vocabulary.txt").decode()
        # Paths name the class, counted in the model's layer order ("adapted" is the
        # third StringLookup); a layer with its vocabulary in the config has no asset.
        assert {n for n in names if n.startswith("assets/")} == {
            "assets/layers/string_lookup_2/vocabulary.txt",
            "assets/layers/string_lookup_6/vocabulary.txt",
        }
        assert vocab.split("\n")[:2] == ["[UNK]", "the"]


def _without(src: Path, dst: Path, member: str) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename != member:
                zout.writestr(info, zin.read(info.filename))


def test_missing_vocabulary_asset_is_kf440(tmp_path: Path) -> None:
    case = text_oracle().cases["string_lookup"]
    broken = tmp_path / "broken.keras"
    member = "assets/layers/string_lookup_2/vocabulary.txt"
    _without(case.keras_file, broken, member)
    found = [(i.code, i.member) for i in iter_issues(broken) if i.severity == "error"]
    assert found == [("KF440", member)], list(iter_issues(broken))
    with pytest.raises(InvalidArchiveError) as info:
        rr.load_model(broken)
    assert info.value.code == "KF440"
    assert info.value.member == "assets/layers/string_lookup_2/"


def test_out_of_range_config_is_kf305(tmp_path: Path) -> None:
    case = text_oracle().cases["integer_lookup"]
    bad = tmp_path / "bad.keras"
    bad.write_bytes(case.keras_file.read_bytes())
    set_config_key(bad, "IntegerLookup", "num_oov_indices", -1)
    assert "KF305" in {i.code for i in iter_issues(bad)}
    with pytest.raises(InvalidArchiveError):
        rr.load_model(bad)


def test_refusals() -> None:
    words = np.array([["a", "zz"]])
    with pytest.raises(ValueError, match="SipHash"):
        rr.layers.StringLookup(vocabulary=["a"], num_oov_indices=2, salt=5)(words)
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        rr.layers.StringLookup(vocabulary=["a"], num_oov_indices=0)(words)
    with pytest.raises(ValueError, match="vocabulary must be an array"):
        rr.layers.StringLookup(vocabulary="/etc/passwd")(words)
    with pytest.raises(ValueError, match="repeated"):
        rr.layers.StringLookup(vocabulary=["a", "a"])(words)
    with pytest.raises(RuntimeError, match="vocabulary"):
        rr.layers.StringLookup(output_mode="count")(words)
    with pytest.raises(ValueError, match="max_tokens"):
        rr.layers.IntegerLookup(max_tokens=1)


def test_many_oov_buckets_hash_as_tensorflow() -> None:
    pytest.importorskip("kformat.layers._farmhash")
    tf = pytest.importorskip("tensorflow")
    words = np.array([["a", "zz", "héllo"], ["", "b", "[UNK]"]])
    layer = rr.layers.StringLookup(vocabulary=["a", "b"], num_oov_indices=5)
    hashed = tf.strings.to_hash_bucket_fast(words, 5).numpy()
    want = np.where(words == "a", 5, np.where(words == "b", 6, hashed))
    np.testing.assert_array_equal(layer(words), want)
    numbers = np.array([[5, -3, 1 << 40, 0]], dtype="int64")
    layer = rr.layers.IntegerLookup(vocabulary=[5], num_oov_indices=4, oov_method="farmhash")
    hashed = tf.strings.to_hash_bucket_fast(tf.strings.as_string(numbers), 4).numpy()
    np.testing.assert_array_equal(layer(numbers), np.where(numbers == 5, 4, hashed))
