"""kformat.dask on a two-process LocalCluster: the issue table equals kformat.iter_issues
file by file, predict equals reference_runtime's predict, the model loads once per worker."""

from __future__ import annotations

import dataclasses
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kformat
from reference_runtime.dask import _load_count
from tests.unit.test_validate_cli import clean_archive

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")

import kformat.dask as kd  # noqa: E402  (after the skips: the module needs dask to run)
import reference_runtime.dask as rd  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "examples" / "guide_functional.keras"
CORPUS = [
    ROOT / "conformance" / "keras_files" / "keras-3.15.1" / "activations_all" / "model.keras",
    ROOT / "conformance" / "keras_files" / "tf_keras-2.21.0" / "activations_all" / "model.keras",
    ROOT / "conformance" / "hostile" / "config_bom" / "model.keras",
    ROOT / "conformance" / "hostile" / "h5_attribute_flood" / "model.keras",
    ROOT / "conformance" / "hostile" / "graph_cycle" / "model.keras",
]


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    # Two worker processes, one thread each: tasks really cross process boundaries
    # (pickling, a model cache per process), as on a cluster.
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=40,
            # A task whose worker dies fails at once, instead of killing three more
            # workers first (Dask's default): the crash test stays quick.
            scheduler_kwargs={"allowed_failures": 0},
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """20 generated files (clean, one broken rule, truncated, not a zip), a missing path,
    and corpus files: real Keras writers' files and hostile ones."""
    root = tmp_path_factory.mktemp("many")
    archive = clean_archive()
    paths: list[str] = []
    for i in range(20):
        path = root / f"m{i:02d}.keras"
        kind = i % 4
        if kind in (0, 1):
            config = json.loads(json.dumps(archive.config))
            if kind == 1:
                config["config"]["layers"][1]["config"]["units"] = 0  # KF305
            config["config"]["name"] = f"model_{i}"
            kformat.write(
                kformat.KerasArchive(config, archive.metadata, archive.weights, archive.groups),
                path,
            )
        elif kind == 2:
            kformat.write(archive, path)
            data = path.read_bytes()
            path.write_bytes(data[: len(data) * (i + 3) // 40])  # truncated container
        else:
            path.write_bytes(bytes(range(256)) * (i + 1))  # not a zip at all
        paths.append(str(path))
    paths.append(str(root / "missing.keras"))
    for source in CORPUS:
        copy = root / f"{source.parent.parent.name}-{source.parent.name}.keras"
        shutil.copyfile(source, copy)
        paths.append(str(copy))
    return paths


def expected_rows(files: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for file in files:
        try:
            issues = list(kformat.iter_issues(file))
        except OSError:
            rows.append({"file": file, "status": "unreadable", "code": None})
            continue
        if not issues:
            rows.append({"file": file, "status": "clean", "code": None})
        errors = any(i.severity == "error" for i in issues)
        for i in issues:
            rows.append(
                {
                    "file": file,
                    "status": "invalid" if errors else "warnings",
                    "code": i.code,
                    "severity": i.severity,
                    "member": i.member,
                    "path": i.path,
                    "message": i.message,
                }
            )
    return rows


def test_issue_table_equals_the_validator_file_by_file(client: Any, files: list[str]) -> None:
    with distributed.get_task_stream(client) as stream:
        table = kd.validate(files, client=client, npartitions=4)
    assert isinstance(table, pd.DataFrame)
    assert tuple(table.columns) == kd.COLUMNS
    got = table.to_dict("records")
    want = expected_rows(files)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert {k: g[k] for k in w} == w
    statuses = table.groupby("file", sort=False)["status"].first()
    assert list(statuses.index) == files  # one entry per file, in the order given
    assert {"clean", "invalid", "unreadable"} <= set(statuses)
    assert "No such file" in table.loc[table.status == "unreadable", "message"].item()
    # Both worker processes took part: the rows crossed process boundaries.
    assert len({task["worker"] for task in stream.data}) == 2


def test_lazy_table_computes_to_the_same_rows(client: Any, files: list[str]) -> None:
    lazy = kd.validate(files[:8], npartitions=3, compute=False)
    assert isinstance(lazy, dd.DataFrame) and lazy.npartitions == 3
    eager = kd.validate(files[:8], client=client)
    pd.testing.assert_frame_equal(lazy.compute().reset_index(drop=True), eager)


def _loads(client: Any, path: Path = MODEL) -> dict[str, int]:
    """Per worker: how many times its process loaded the model at ``path``."""
    return dict(client.run(_load_count, str(path)))


def test_predict_array_equals_runtime_and_loads_once_per_worker(client: Any) -> None:
    import reference_runtime

    model = reference_runtime.load_model(MODEL)
    x = np.random.default_rng(0).standard_normal((10_000, 32)).astype(np.float32)
    before = _loads(client)
    out = rd.predict(MODEL, da.from_array(x, chunks=(2_500, 32)), batch_size=500)
    assert out.chunks == ((2_500,) * 4, (1,))
    got = out.compute()
    np.testing.assert_array_equal(got, model.predict(x, batch_size=500, verbose=0))
    again = rd.predict(MODEL, da.from_array(x[::-1].copy(), chunks=(1_000, 32)), batch_size=500)
    np.testing.assert_array_equal(again.compute(), got[::-1])
    after = _loads(client)
    # 14 tasks over 2 workers, at most one load in each; at least one worker did load.
    added = {w: after[w] - before.get(w, 0) for w in after}
    assert set(added.values()) <= {0, 1} and sum(added.values()) >= 1
    assert all(n <= 1 for n in after.values())


def test_a_replaced_model_file_is_loaded_again(client: Any, tmp_path: Path) -> None:
    import reference_runtime

    path = tmp_path / "m.keras"
    shutil.copyfile(MODEL, path)
    x = np.random.default_rng(2).standard_normal((1_000, 32)).astype(np.float32)
    first = rd.predict(path, da.from_array(x, chunks=(500, 32)), batch_size=500).compute()
    archive = kformat.read(MODEL)
    weights = {
        k: np.asarray(v) * 2 if k.startswith("/layers/dense_1/") else v  # the "score" Dense
        for k, v in archive.weights.items()
    }
    assert any(k.startswith("/layers/dense_1/") for k in weights)
    kformat.write(
        kformat.KerasArchive(archive.config, archive.metadata, weights, archive.groups), path
    )
    second = rd.predict(path, da.from_array(x, chunks=(500, 32)), batch_size=500).compute()
    want = reference_runtime.load_model(path).predict(x, batch_size=500, verbose=0)
    np.testing.assert_array_equal(second, want)
    assert not np.array_equal(first, second)
    assert 2 <= sum(_loads(client, path).values()) <= 4  # once per file version per worker


def test_predict_dataframe_takes_numeric_columns_in_order(client: Any) -> None:
    import reference_runtime

    model = reference_runtime.load_model(MODEL)
    x = np.random.default_rng(1).standard_normal((600, 32)).astype(np.float32)
    frame = pd.DataFrame(x, columns=[f"f{j}" for j in range(32)])
    frame.insert(5, "label", ["a", "b", "c"] * 200)  # not numeric: not an input
    ddf = dd.from_pandas(frame, npartitions=3)
    out = rd.predict(MODEL, ddf, batch_size=100, client=client).compute()
    assert list(out.columns) == ["score"]
    assert out.index.equals(frame.index)
    want = model.predict(x, batch_size=100, verbose=0)
    np.testing.assert_array_equal(out["score"].to_numpy(), want[:, 0])
    assert all(n <= 1 for n in _loads(client).values())


def test_predict_two_inputs_two_outputs(client: Any, tmp_path: Path) -> None:
    """A multi-input model takes the columns mapping; each output becomes its columns
    (``pair_0``, ``pair_1``, ``one``); a Dask array gets one output array each."""
    import reference_runtime as keras

    a, b = keras.Input(shape=(4,), name="a"), keras.Input(shape=(3,), name="b")
    pair = keras.layers.Dense(2, name="pair")(keras.layers.Concatenate()([a, b]))
    one = keras.layers.Dense(1, name="one")(a)
    path = tmp_path / "two.keras"
    keras.Model([a, b], [pair, one]).save(path)
    model = keras.load_model(path)
    x = np.random.default_rng(3).standard_normal((300, 7)).astype(np.float32)
    frame = pd.DataFrame(x, columns=[*"abcdefg"])
    ddf = dd.from_pandas(frame, npartitions=2)
    with pytest.raises(ValueError, match="columns="):
        rd.predict(path, ddf)
    mapping = {"a": [*"abcd"], "b": [*"efg"]}
    out = rd.predict(path, ddf, columns=mapping, batch_size=50).compute()
    rows = {"a": np.ascontiguousarray(x[:, :4]), "b": np.ascontiguousarray(x[:, 4:])}
    want = model.predict(rows, batch_size=50, verbose=0)
    assert list(out.columns) == ["pair_0", "pair_1", "one"]
    np.testing.assert_array_equal(out.to_numpy(), np.concatenate(want, axis=1))
    with pytest.raises(ValueError, match=r"has inputs \['a', 'b'\]"):
        rd.predict(path, da.from_array(x[:, :4], chunks=(100, 4)))


def test_a_file_that_kills_its_worker_is_recorded_and_spares_the_others(
    client: Any, files: list[str]
) -> None:
    """HDF5 in-process (the caller's choice for trusted input) and a file on which libhdf5
    dies of SIGSEGV: the worker process really dies. That file is ``crashed``; the other
    files of its partition, re-run one per task, keep their exact issues."""
    limits = dataclasses.replace(kformat.DEFAULT_LIMITS, h5_in_process=True)
    crash = str(ROOT / "conformance" / "hostile" / "h5_libhdf5_crash" / "model.keras")
    batch = [files[0], crash, files[1], files[4]]
    table = kd.validate(batch, client=client, limits=limits, npartitions=1)
    crashed = table[table.file == crash]
    assert crashed.status.tolist() == ["crashed"] and crashed.code.isna().all()
    assert "KilledWorker" in crashed.message.item()
    rest = table[table.file != crash].to_dict("records")
    want = expected_rows([files[0], files[1], files[4]])
    assert [{k: g[k] for k in w} for g, w in zip(rest, want, strict=True)] == want
    assert len(rest) == len(want)


def test_predict_refuses_other_data_and_names_the_missing_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(AttributeError, match=r"reference_runtime\.dask\.predict"):
        kd.predict  # noqa: B018
    with pytest.raises(TypeError, match=r"dask\.array\.Array or dask\.dataframe\.DataFrame"):
        rd.predict(MODEL, np.zeros((2, 32)))
    monkeypatch.setitem(sys.modules, "dask", None)
    with pytest.raises(ImportError, match=r"kformat\[dask\]"):
        kd.validate([])
    with pytest.raises(ImportError, match=r"kformat\[dask\]"):
        rd.predict(MODEL, None)
