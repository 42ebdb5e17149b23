"""Valid structural cases: container and layout variants every reader must accept.

Each case's file is valid (no error, no warning) and carries the decoded form a reader must
see. Behaviour (outputs) is covered by the runtime cases; these pin down what the spec
allows but Keras itself rarely writes.
"""

from __future__ import annotations

import dataclasses
import io
import json
import zipfile
from typing import Any

import numpy as np
from conf_kit import (
    EPOCH,
    META,
    CaseDef,
    archive,
    decoded,
    h5_bytes,
    h5_tree,
    keras_bytes,
    layout_files,
    source_name,
    zip_bytes,
    zip_members,
)
from conf_models import base_archive

import kformat

VOCAB = b"[UNK]\nthe\nof\n"


def valid(
    area: str,
    name: str,
    description: str,
    arc: kformat.KerasArchive,
    layout: str,
    files: dict[str, Any] | None = None,
    **doc: Any,
) -> CaseDef:
    """A valid case: ``files`` (default: ``arc`` written in ``layout``) and its decoded form."""
    written: dict[str, Any] = files if files is not None else dict(layout_files(arc, layout))
    doc.setdefault("decoded", decoded(arc, layout))
    return CaseDef("valid", area, name, description, written, source_name(layout), layout, doc)


def _members(arc: kformat.KerasArchive) -> dict[str, bytes]:
    return dict(zip_members(keras_bytes(arc)))


def container_cases() -> list[CaseDef]:
    arc = base_archive("dense_sequential", "container")
    with_assets = dataclasses.replace(
        arc,
        assets={
            "assets/layers/string_lookup/vocabulary.txt": VOCAB,
            "assets/layers/string_lookup/nested/deeper/table.bin": bytes(range(64)),
            "assets/donn\u00e9es/r\u00e9sum\u00e9.txt": "caf\u00e9\n".encode(),
        },
    )
    m = _members(arc)
    ma = _members(with_assets)
    order = ["metadata.json", "config.json", "model.weights.h5"]
    assets = sorted(k for k in ma if k.startswith("assets/"))
    out = [
        valid(
            "container",
            "assets",
            "assets members (nested folders, a UTF-8 name with flag "
            "bit 11) beside the three main members",
            with_assets,
            "keras",
        ),
        valid(
            "container",
            "member_order_reversed",
            "members in reverse order: readers MUST NOT depend on member order (spec 2.2)",
            arc,
            "keras",
            {"model.keras": zip_bytes([(n, m[n]) for n in reversed(order)])},
        ),
        valid(
            "container",
            "weights_after_assets",
            "the weights member after the assets, as Keras writes large models (spec 2.2)",
            with_assets,
            "keras",
            {"model.keras": zip_bytes([(n, ma[n]) for n in order[:2] + assets + order[2:]])},
        ),
        valid(
            "container",
            "directory_entries",
            "explicit directory entries (assets/, assets/layers/) are allowed (spec 2.4)",
            with_assets,
            "keras",
            {
                "model.keras": zip_bytes(
                    [(n, ma[n]) for n in order]
                    + [("assets/", b""), ("assets/layers/", b"")]
                    + [(n, ma[n]) for n in assets],
                    modes={"assets/": 0o40700, "assets/layers/": 0o40700},
                )
            },
        ),
        valid(
            "container",
            "comment_and_prefix",
            "an archive comment and bytes before the first local header are allowed (spec 2.6)",
            arc,
            "keras",
            {
                "model.keras": b"#kformat conformance: data before the zip\n"
                + zip_bytes([(n, m[n]) for n in order], comment=b"written by a conformance recipe")
            },
        ),
        valid(
            "container",
            "zip64_records",
            "every member with a ZIP64 extra field (allowed, spec 2.6)",
            arc,
            "keras",
            {"model.keras": _zip64([(n, m[n]) for n in order])},
        ),
        valid(
            "container",
            "no_alignment_record",
            "the weights member without kformat's "
            "64-byte alignment extra field (readers MUST NOT require it, spec 10.2)",
            arc,
            "keras",
            {"model.keras": zip_bytes([(n, m[n]) for n in order])},
        ),
    ]
    return out


def _zip64(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=EPOCH)
            info.create_system = 3
            info.external_attr = 0o100600 << 16
            with zf.open(info, "w", force_zip64=True) as f:
                f.write(data)
    return buf.getvalue()


def layout_cases() -> list[CaseDef]:
    arc = base_archive("nested_sequential_in_functional", "layouts")
    files = layout_files(arc, "directory")
    files["model/README.md"] = b"# A model\n\nWritten for an hf:// upload (spec 2.8).\n"
    weights_only = dataclasses.replace(arc, config=None, metadata=None, layout="weights_h5")
    sharded = dataclasses.replace(weights_only, layout="sharded")
    return [
        valid(
            "layout",
            "directory_with_readme",
            "an unzipped model directory with the "
            "README.md Keras writes for hf:// uploads (allowed and ignored)",
            arc,
            "directory",
            files,
        ),
        valid(
            "layout",
            "directory_with_assets",
            "an unzipped model directory with assets/",
            dataclasses.replace(arc, assets={"assets/layers/lookup/vocabulary.txt": VOCAB}),
            "directory",
        ),
        valid(
            "layout",
            "weights_h5",
            "a weights-only .weights.h5 (no config: nothing to check the variables against)",
            weights_only,
            "weights_h5",
        ),
        valid(
            "layout",
            "sharded_one_shard",
            "a sharded index with a single shard",
            sharded,
            "sharded",
            layout_files(sharded, "sharded", max_shard_size=1.0),
        ),
        valid(
            "layout",
            "sharded_many_shards",
            "a sharded index with 200-byte shards: one "
            "dataset per shard, groups listing several shards",
            sharded,
            "sharded",
            layout_files(sharded, "sharded", max_shard_size=200 / 1024**3),
        ),
        _sharded_keras_quirk(),
    ]


def _sharded_keras_quirk() -> CaseDef:
    """Keras 3.15's rollover quirk (spec 8.3): a group left empty (with its name) in the first
    shard and re-created without the name attribute in the second."""
    rng = np.random.default_rng(83)
    k = rng.standard_normal((4, 3)).astype("float32")
    b = rng.standard_normal(3).astype("float32")

    def first(f: Any) -> None:
        f.create_group("layers/dense/vars").attrs["name"] = "dense"
        f.create_group("vars").attrs["name"] = "sequential"

    s0 = h5_bytes(first)
    s1 = h5_bytes(h5_tree({"/layers/dense/vars/0": k}, {"/layers/dense/vars": {}}))
    s2 = h5_bytes(h5_tree({"/layers/dense/vars/1": b}, {"/layers/dense/vars": {}}))
    index = {
        "metadata": {"total_size": float(k.nbytes + b.nbytes)},
        "weight_map": {"/layers/dense/vars": ["model_00001.weights.h5", "model_00002.weights.h5"]},
    }
    files = {
        "model.weights.json": json.dumps(index, indent=4).encode(),
        "model_00000.weights.h5": s0,
        "model_00001.weights.h5": s1,
        "model_00002.weights.h5": s2,
    }
    arc = archive(None, {"/layers/dense/vars/0": k, "/layers/dense/vars/1": b}, layout="sharded")
    return valid(
        "layout",
        "sharded_rollover_quirk",
        "Keras' shard rollover: an empty group "
        "left in an earlier shard, a group's datasets split over two shards (spec 8.3)",
        arc,
        "sharded",
        files,
    )


def json_cases() -> list[CaseDef]:
    arc = base_archive("dense_no_bias", "json")
    m = _members(arc)
    config = json.loads(m["config.json"])
    pretty = json.dumps(config, indent=2).encode() + b"\n"
    raw_utf8 = (
        json.dumps(config, ensure_ascii=False).replace("dense_nb", "dense_\u00e9\u00e8").encode()
    )
    renamed = json.loads(raw_utf8)
    # The vars group's name attribute follows the layer's name (else KF425 would fire).
    renamed_arc = dataclasses.replace(
        arc,
        config=renamed,
        groups={
            p: {k: ("dense_\u00e9\u00e8" if v == "dense_nb" else v) for k, v in attrs.items()}
            for p, attrs in arc.groups.items()
        },
    )
    renamed_weights = _members(renamed_arc)["model.weights.h5"]
    meta = {**META, "writer": "a third-party converter 1.2", "source": "conformance"}
    with_meta = dataclasses.replace(arc, metadata=meta)
    return [
        valid(
            "json",
            "config_pretty_printed",
            "config.json indented with a trailing newline (one JSON value plus whitespace)",
            arc,
            "keras",
            {
                "model.keras": zip_bytes(
                    [
                        ("metadata.json", m["metadata.json"]),
                        ("config.json", pretty),
                        ("model.weights.h5", m["model.weights.h5"]),
                    ]
                )
            },
        ),
        valid(
            "json",
            "config_raw_utf8",
            "non-ASCII layer names written as raw UTF-8 (not \\u escapes): strict UTF-8 is fine",
            renamed_arc,
            "keras",
            {
                "model.keras": zip_bytes(
                    [
                        ("metadata.json", m["metadata.json"]),
                        ("config.json", raw_utf8),
                        ("model.weights.h5", renamed_weights),
                    ]
                )
            },
        ),
        valid(
            "json",
            "metadata_extra_keys",
            "metadata.json with extra string keys (allowed, spec 3.5)",
            with_meta,
            "keras",
        ),
    ]


def config_cases() -> list[CaseDef]:
    arc = base_archive("functional_multi_io_list", "config")
    config = json.loads(json.dumps(arc.config))
    layers = config["config"]["layers"]
    reg = {
        "module": "keras.regularizers",
        "class_name": "L2",
        "config": {"l2": 0.01},
        "registered_name": None,
        "shared_object_id": 140230717423312,
    }
    for entry in layers:
        if entry["class_name"] == "Dense" and entry["name"] in ("da", "db"):
            entry["config"]["kernel_regularizer"] = dict(reg)
    shared = dataclasses.replace(arc, config=config)
    return [
        valid(
            "config",
            "shared_object_id",
            "two layers sharing one regularizer object: both "
            "dicts carry the same shared_object_id (spec 4.5)",
            shared,
            "keras",
        ),
        _compiled_adam(),
    ]


def _compiled_adam() -> CaseDef:
    arc = base_archive("dense_sequential", "compiled")
    config = json.loads(json.dumps(arc.config))
    config["compile_config"] = {
        "optimizer": {
            "module": "keras.optimizers",
            "class_name": "Adam",
            "config": {
                "name": "adam",
                "learning_rate": 0.001,
                "weight_decay": None,
                "clipnorm": None,
                "global_clipnorm": None,
                "clipvalue": None,
                "use_ema": False,
                "ema_momentum": 0.99,
                "ema_overwrite_frequency": None,
                "loss_scale_factor": None,
                "gradient_accumulation_steps": None,
                "beta_1": 0.9,
                "beta_2": 0.999,
                "epsilon": 1e-07,
                "amsgrad": False,
            },
            "registered_name": None,
        },
        "loss": "mean_squared_error",
        "loss_weights": None,
        "metrics": ["mae"],
        "weighted_metrics": None,
        "run_eagerly": False,
        "steps_per_execution": 1,
        "jit_compile": False,
    }
    weights = dict(arc.weights)
    rng = np.random.default_rng(9)
    opt = [np.array(12, dtype="int32"), np.array(0.001, dtype="float32")]
    for path in sorted(p for p in weights if "/vars/" in p):
        shape = weights[path].shape
        opt += [
            0.01 * rng.standard_normal(shape).astype("float32"),
            rng.uniform(0, 1e-3, shape).astype("float32"),
        ]
    weights.update({f"/optimizer/vars/{i}": a for i, a in enumerate(opt)})
    groups = {**arc.groups, "/optimizer": {}, "/optimizer/vars": {"name": "adam"}}
    compiled = dataclasses.replace(arc, config=config, weights=weights, groups=groups)
    return valid(
        "config",
        "compiled_adam",
        "a compiled model: compile_config with Adam and "
        "its state in /optimizer/vars (iterations, learning rate, 2 slots per "
        "variable, spec 6.9)",
        compiled,
        "keras",
    )


def weights_cases() -> list[CaseDef]:
    import ml_dtypes

    rng = np.random.default_rng(42)
    dtypes = [
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
    ]
    weights: dict[str, Any] = {}
    for i, name in enumerate(dtypes):
        weights[f"/layers/v{i}/vars/0"] = (rng.standard_normal((2, 3)) * 10).astype(name)
    weights["/layers/scalar/vars/0"] = np.array(3.5, dtype="float32")
    weights["/layers/empty/vars/0"] = np.zeros((0, 4), dtype="float32")
    weights["/layers/bf16/vars/0"] = rng.standard_normal((3, 2)).astype(ml_dtypes.bfloat16)
    groups = {f"/layers/{p.split('/')[2]}/vars": {"name": p.split("/")[2]} for p in weights}
    arc = archive(None, weights, groups, metadata=None, layout="weights_h5")
    lazy = base_archive("dense_activations", "lazy_groups")
    no_empty = dataclasses.replace(
        lazy,
        groups={
            p: g for p, g in lazy.groups.items() if any(w.startswith(p + "/") for w in lazy.weights)
        },
    )
    return [
        valid(
            "weights",
            "all_dtypes",
            "a .weights.h5 with every allowed dtype (bool, ints, "
            "floats, complex, marked bfloat16), a scalar and a zero-size dataset (spec 6.3)",
            arc,
            "weights_h5",
        ),
        valid(
            "weights",
            "no_empty_vars_groups",
            "weightless objects without vars groups "
            "(a missing group holds nothing, spec 6.6, 6.10)",
            no_empty,
            "keras",
        ),
    ]


def cases() -> list[CaseDef]:
    return container_cases() + layout_cases() + json_cases() + config_cases() + weights_cases()
