"""JSON budgets and totality (spec §3.2, §4.3, §12; KF213-KF215, KF305, KF425).

The bombs are generated here, into tmp_path, and measured in a child process
(peak resident memory above the child's own baseline, CPU seconds), never
committed. The rest checks counts of work, not time.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import kformat
from kformat import _json, serialization
from kformat._issues import Issue
from kformat.validate._preflight import check_config
from kformat.validate._schemas import _Memo

ROOT = Path(__file__).resolve().parents[2]
MIB = 1024 * 1024

# The memory budget of spec §14.5 per path: < 256 MB above baseline on any file up
# to the default size caps. Time is not asserted here (the probe's CPU seconds are
# reported in a failure message; growth is measured in benchmarks/bench_scale.py).
_PROBE = r"""
import dataclasses, json, re, sys, time
from pathlib import Path
import kformat
from kformat.validate._driver import run

def peak_kib():
    return int(re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))

run(sys.argv[2])  # lazily imported modules and compiled schemas are baseline
base = peak_kib()
limits = dataclasses.replace(kformat.DEFAULT_LIMITS, **json.loads(sys.argv[3]))
cpu = time.process_time()
codes = sorted({i.code for i in run(sys.argv[1], limits=limits).issues})
try:
    kformat.read(sys.argv[1], limits=limits)
    read = None
except kformat.KFormatError as exc:
    read = exc.code
print(json.dumps({"codes": codes, "read": read, "mib": (peak_kib() - base) / 1024,
                  "cpu": time.process_time() - cpu}))
"""


def _probe(path: Path, **limits: int) -> dict[str, Any]:
    if not Path("/proc/self/status").exists():
        pytest.skip("peak memory is read from /proc (Linux)")
    valid = ROOT / "examples" / "guide_functional.keras"
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), str(valid), json.dumps(limits)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,  # a hang guard only
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _keras(tmp_path: Path, config: bytes, name: str = "bomb.keras") -> Path:
    """The example model's metadata and weights with ``config`` as config.json."""
    path = tmp_path / name
    path.write_bytes(_zip(config))
    return path


def _holder(**config: Any) -> dict[str, Any]:
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": "s",
            "layers": [
                {
                    "module": None,
                    "class_name": "Holder",
                    "config": {"name": "holder", **config},
                    "registered_name": "Custom>Holder",
                }
            ],
        },
        "registered_name": None,
    }


# --------------------------------------------------------------------------- bombs


def test_deep_document_of_many_zeros_is_refused_within_budget(tmp_path: Path) -> None:
    """2.5 M zeros nested 110 deep (5 MB, under the depth and byte limits): the
    scan was quadratic (27 s, 2.65 GB); now KF213 in bounded memory and time."""
    config = b'{"a": ' + b"[" * 110 + b"0," * 2_500_000 + b"0" + b"]" * 110 + b"}"
    assert len(config) < 8 * MIB
    m = _probe(_keras(tmp_path, config))
    assert "KF213" in m["codes"] and m["read"] == "KF213"
    assert m["mib"] < 256, m


def test_depth_scan_is_linear_when_the_values_are_allowed(tmp_path: Path) -> None:
    """With the value budget raised, the same document is scanned whole: the
    memory held is the parsed document, not one path per value."""
    config = b'{"a": ' + b"[" * 110 + b"0," * 2_500_000 + b"0" + b"]" * 110 + b"}"
    m = _probe(_keras(tmp_path, config), max_json_nodes=3_000_000)
    assert "KF213" not in m["codes"]
    assert m["mib"] < 256, m


def test_validator_memo_stays_within_budget(tmp_path: Path) -> None:
    """55 nested serialized objects each beside 8,000 numbers (a valid config):
    a text key per value repeated every descendant once per ancestor."""
    node: Any = {"class_name": "Leaf", "config": {}}
    for _ in range(55):
        node = {"class_name": "Wrap", "config": {"inner": node, "pad": list(range(8000))}}
    m = _probe(_keras(tmp_path, json.dumps(_holder(deep=node)).encode()))
    # the example's weights do not match this config (KF4xx); the config is valid
    assert [c for c in m["codes"] if c[:3] in ("KF2", "KF3", "KF5")] == ["KF306"], m
    assert m["mib"] < 256, m


def test_memo_is_linear_in_the_document() -> None:
    """Hash-consing: one memo entry per distinct value, each as large as its own
    members (a chain of 100 objects above 1,000 numbers stays ~1,100 slots)."""
    node: Any = list(range(1000))
    for _ in range(100):
        node = {"inner": node, "name": "x"}
    memo = _Memo()
    assert memo.key(node) is not None
    slots = 0
    for content in memo.ids:
        parts = content[1:] if isinstance(content, tuple) else ()
        slots += sum(len(p) if isinstance(p, tuple) else 1 for p in parts)
    assert slots < 4 * (1000 + 2 * 100), slots


def test_memo_keeps_json_types_apart() -> None:
    memo = _Memo()
    assert len({memo.key([1]), memo.key([True]), memo.key([1.0]), memo.key(["1"])}) == 4
    assert memo.key({"a": [1, {"b": 2}]}) == memo.key({"a": [1, {"b": 2}]})
    assert memo.key({"a": 1}) != memo.key({"a": True})


# --------------------------------------------------------------------------- totality


def _chain(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {}
    for _ in range(depth):
        node = {"a": node}
    return node


def test_object_chain_under_the_depth_limit_is_validated_not_raised() -> None:
    """~100 plain objects deep: jsonschema recursed past Python's limit."""
    config = _holder(deep=_chain(115))
    issues = check_config(config)
    assert all(isinstance(i, Issue) for i in issues)
    assert not [i for i in issues if i.severity == "error"], issues
    before = sys.getrecursionlimit()
    data = json.dumps(config).encode()
    found = list(kformat.iter_issues(io.BytesIO(_zip(data))))
    assert not [i for i in found if i.severity == "error" and i.member == "config.json"], found
    assert sys.getrecursionlimit() == before  # restored


def test_deep_chain_in_a_thread() -> None:
    found: list[list[Issue]] = []
    worker = threading.Thread(target=lambda: found.append(check_config(_holder(deep=_chain(115)))))
    worker.start()
    worker.join()
    assert found and not [i for i in found[0] if i.severity == "error"]


def test_schema_depth_cap_reports_kf215() -> None:
    import dataclasses

    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, max_json_depth=1000)
    codes = {i.code for i in check_config(_holder(deep=_chain(400)), limits=limits)}
    assert "KF215" in codes


def _zip(config: bytes) -> bytes:
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(ROOT / "examples" / "guide_functional.keras") as src,
        zipfile.ZipFile(buf, "w") as zf,
    ):
        for info in src.infolist():
            data = config if info.filename == "config.json" else src.read(info)
            zf.writestr(zipfile.ZipInfo(info.filename, (1980, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def test_vars_name_attribute_that_is_an_array(tmp_path: Path) -> None:
    """``name`` attribute of a vars group stored as an array: KF425, not ValueError."""
    from tests.conftest import small_archive

    path = tmp_path / "m.keras"
    kformat.write(small_archive(), path)
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    weights = io.BytesIO(members["model.weights.h5"])
    with h5py.File(weights, "r+") as f:
        f["/layers/dense/vars"].attrs["name"] = np.array([1, 2, 3])
    members["model.weights.h5"] = weights.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    issues = list(kformat.iter_issues(path))
    assert any(i.code == "KF425" and i.path == "/layers/dense/vars" for i in issues), issues


# --------------------------------------------------------------------------- __numpy__


@pytest.mark.parametrize(
    "dtype", ["S1800000000", "U999999999", "object", "O", "(100000,100000)f8", "f4,i1", "V8", 7]
)
def test_numpy_dtype_refused_before_numpy(dtype: Any) -> None:
    obj = {"class_name": "__numpy__", "config": {"value": ["a"], "dtype": dtype}}
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        serialization.deserialize(obj)
    assert err.value.code == "KF214"
    codes = {i.code for i in check_config(_holder(table=obj))}
    assert "KF214" in codes


def test_numpy_element_cap_and_values() -> None:
    assert serialization.array_problem({"value": [[1, 2], [3, 4]], "dtype": "int8"}) is None
    assert "elements" in str(serialization.array_problem({"value": [0] * 11, "dtype": "int8"}, 10))
    assert serialization.array_problem({"value": [None], "dtype": "float32"}) is not None
    assert serialization.array_problem({"value": [[1], {}], "dtype": "float32"}) is not None
    with pytest.raises(kformat.InvalidArchiveError) as err:  # ragged: NumPy refuses
        serialization.deserialize(
            {"class_name": "__numpy__", "config": {"value": [[1], [2, 3]], "dtype": "float32"}}
        )
    assert err.value.code == "KF214"
    with pytest.raises(kformat.InvalidArchiveError):  # overflows int8's C type
        serialization.deserialize(
            {"class_name": "__numpy__", "config": {"value": [10**400], "dtype": "int8"}}
        )


def test_numpy_allowed_dtypes_round_trip() -> None:
    for dtype in ("float32", "int64", "bool", "bfloat16", "complex64"):
        value = serialization.deserialize(
            {"class_name": "__numpy__", "config": {"value": [1, 0], "dtype": dtype}}
        )
        assert str(value.dtype) == dtype and value.tolist() in ([1, 0], [True, False])


# --------------------------------------------------------------------------- check_config


def test_check_config_agrees_with_the_validator_on_the_corpus() -> None:
    """check_config on a parsed config.json finds what the validator finds in
    config.json (KF2xx-KF5xx; KF308/KF309 also follow from the weights there)."""
    compared = 0
    for case in sorted((ROOT / "conformance" / "hostile").glob("*/case.json")):
        meta = json.loads(case.read_text())
        source = case.parent / meta["source"]
        if meta.get("limits") or not zipfile.is_zipfile(source):
            continue
        try:
            with zipfile.ZipFile(source) as zf:
                config = json.loads(zf.read("config.json"))
        except (KeyError, OSError, RuntimeError, ValueError, RecursionError, zipfile.BadZipFile):
            continue  # no readable config.json: nothing to compare
        if not isinstance(config, dict):
            continue

        def keep(i: Issue) -> bool:
            return i.code[:3] in ("KF3", "KF5") and i.code not in ("KF308", "KF309")

        ours = {(i.code, i.path) for i in check_config(config) if keep(i)}
        theirs = {
            (i.code, i.path)
            for i in kformat.iter_issues(source)
            if i.member == "config.json" and keep(i)
        }
        assert ours == theirs, case.parent.name
        compared += bool(theirs)
    assert compared > 20


def test_check_config_takes_tuples_and_refuses_other_types() -> None:
    config = _holder(shape=(None, 4))
    assert not [i for i in check_config(config) if i.severity == "error"]
    bad = _holder(shape={1, 2})
    assert [i.code for i in check_config(bad)] == ["KF207"]
    assert [i.code for i in check_config([1])] == ["KF207"]
    nan = [i for i in check_config(_holder(rate=float("nan"))) if i.code == "KF206"]
    assert nan and nan[0].path == "/config/layers/0/config/rate"


def test_check_config_limits() -> None:
    import dataclasses

    small = dataclasses.replace(kformat.DEFAULT_LIMITS, max_json_nodes=10)
    assert [i.code for i in check_config(_holder(pad=list(range(50))), limits=small)] == ["KF213"]
    deep = dataclasses.replace(kformat.DEFAULT_LIMITS, max_json_depth=4)
    assert [i.code for i in check_config(_holder(deep=_chain(10)), limits=deep)] == ["KF203"]


def test_build_config_and_tensor_faults_load_model_accepted() -> None:
    functional = json.loads(
        (ROOT / "conformance" / "hostile" / "keras_tensor_object_dtype" / "case.json").read_text()
    )
    assert functional["expect"][0]["code"] == "KF305"
    config = _holder()
    layer = config["config"]["layers"][0]
    layer["build_config"] = {"input_shape": [None, -4]}
    assert ("KF305", "/config/layers/0/build_config/input_shape/1") in {
        (i.code, i.path) for i in check_config(config)
    }
    layer["build_config"] = {"input_shape": [None, 4], "shapes_dict": {"q": [None, 10**20]}}
    assert ("KF305", "/config/layers/0/build_config/shapes_dict/q/1") in {
        (i.code, i.path) for i in check_config(config)
    }


# --------------------------------------------------------------------------- scan details


def test_scan_locates_a_bounded_number_and_counts_the_rest() -> None:
    text = "[" + ",".join(["NaN"] * 500) + "]"
    doc = _json.parse(text.encode(), member="c", max_bytes=MIB, max_depth=8)
    assert doc.non_finite_count == 500 and len(doc.non_finite) == _json.MAX_LOCATED
    assert doc.non_finite[0] == "/0" and doc.nodes == 501 and doc.depth == 1
    dup = b'{"a": {"b": 1, "b": 2}, "c": [{"d": 1, "d": 1}]}'
    doc = _json.parse(dup, member="c", max_bytes=MIB, max_depth=8)
    assert doc.duplicate_keys == ["/a/b", "/c/0/d"]


def test_iter_strings_in_document_order() -> None:
    value = {"a": ["x", {"b": "y"}], "c": 1, "d": "z"}
    assert list(_json.iter_strings(value)) == [(("a", 0), "x"), (("a", 1, "b"), "y"), (("d",), "z")]


def test_jsonschema_loads_only_when_a_document_is_validated() -> None:
    code = (
        "import sys, kformat, kformat.validate, kformat.validate._cli\n"
        "before = 'jsonschema' in sys.modules or 'referencing' in sys.modules\n"
        "list(kformat.iter_issues(sys.argv[1]))\n"
        "print(before, 'jsonschema' in sys.modules)\n"
    )
    example = ROOT / "examples" / "guide_functional.keras"
    out = subprocess.run(
        [sys.executable, "-c", code, str(example)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.stdout.split() == ["False", "True"]


@pytest.mark.parametrize(
    "history", [["x", "1e999", 0], ["x", 1e999, 0], ["x", -1, 0], [3, 0, 0], ["x", True, 0]]
)
def test_keras_history_indices_are_checked_not_converted(history: list[Any]) -> None:
    obj = {"class_name": "__keras_tensor__", "config": {"keras_history": history}}
    with pytest.raises(kformat.InvalidArchiveError) as err:
        serialization.deserialize(obj)
    assert err.value.code == "KF210"


def test_deserialize_of_a_too_deep_value_is_in_the_family() -> None:
    value: Any = 0
    for _ in range(sys.getrecursionlimit() * 2):
        value = [value]
    with pytest.raises(kformat.UnsafeArchiveError) as err:
        serialization.deserialize(value)
    assert err.value.code == "KF203"


def test_deep_shard_index_is_refused_within_budget(tmp_path: Path) -> None:
    """The same bomb as a ``.weights.json`` index (parsed by the same scan)."""
    index = tmp_path / "m.weights.json"
    index.write_bytes(
        b'{"weight_map": {}, "x": ' + b"[" * 110 + b"0," * 2_500_000 + b"0" + b"]" * 110 + b"}"
    )
    m = _probe(index)
    assert "KF213" in m["codes"] and m["read"] == "KF213", m
    assert m["mib"] < 256, m
