"""Invalid cases: the container, the JSON documents and the sharded weights index."""

from __future__ import annotations

import copy
import dataclasses
import json
import zipfile
from typing import Any

from conf_invalid_kit import (
    C,
    invalid,
    members,
    rezip,
    seq,
)
from conf_kit import (
    META,
    CaseDef,
    issue,
    layout_files,
)
from conf_models import base_archive

# --------------------------------------------------------------------------- container, JSON


def container_and_json() -> list[CaseDef]:
    m = members(seq())
    nometa = {k: v for k, v in m.items() if k != "metadata.json"}
    cfg = json.loads(m[C])
    cfg["config"]["layers"][1]["config"]["kernel_initializer"] = {
        "module": "keras.initializers",
        "class_name": "Constant",
        "config": {"value": float("nan")},
        "registered_name": None,
    }
    nan_cfg = json.dumps(cfg).encode()
    return [
        *_config_missing(m),
        invalid(
            "container",
            "metadata_missing",
            "no metadata.json: every Keras writer emits it, no Keras reader needs it",
            "KF112",
            rezip(nometa),
            [issue("KF112", "metadata.json", None, "warning")],
        ),
        invalid(
            "container",
            "config_deflated",
            "config.json compressed with DEFLATE (Keras writes STORED only)",
            "KF113",
            rezip(m, methods={C: zipfile.ZIP_DEFLATED}),
            [issue("KF113", C, None, "warning")],
        ),
        invalid(
            "json",
            "config_nan",
            "NaN in config.json (Python's json.dumps writes it; strict JSON parsers refuse it)",
            "KF206",
            rezip({**m, C: nan_cfg}),
            [
                issue(
                    "KF206", C, "/config/layers/1/config/kernel_initializer/config/value", "warning"
                )
            ],
        ),
        invalid(
            "json",
            "keras_version_not_a_version",
            "metadata.json keras_version 'nightly' does not start with MAJOR.MINOR",
            "KF212",
            rezip(
                {
                    **m,
                    "metadata.json": json.dumps(
                        {"keras_version": "nightly", "date_saved": META["date_saved"]}
                    ).encode(),
                }
            ),
            [issue("KF212", "metadata.json", "/keras_version", "warning")],
        ),
    ]


def _config_missing(m: dict[str, bytes]) -> list[CaseDef]:
    """KF102 for config.json in more than one form, so that a reader cannot pass by
    recognizing one file (the hostile corpus has the plain zip): a zip with an archive
    comment, a zip with assets, and the unzipped directory with and without a README."""
    nocfg = {k: v for k, v in m.items() if k != C}
    assets = {**nocfg, "assets/layers/lookup/vocabulary.txt": b"[UNK]\nthe\nof\n"}
    directory = layout_files(base_archive("nested_sequential_in_functional", "kf102"), "directory")
    directory.pop("model/config.json")
    readme = {**directory, "model/README.md": b"# A model\n"}
    missing = [issue("KF102", C, None)]
    return [
        invalid(
            "container",
            "config_missing_with_comment",
            "no config.json, in a zip with an archive comment (allowed, spec 2.6)",
            "KF102",
            rezip(nocfg, comment=b"written by a hand-rolled zip tool"),
            missing,
        ),
        invalid(
            "container",
            "config_missing_with_assets",
            "no config.json, in a zip whose assets/ folder is otherwise fine",
            "KF102",
            rezip(assets),
            missing,
        ),
        invalid(
            "layout",
            "directory_config_missing",
            "an unzipped model directory without config.json",
            "KF102",
            directory,
            missing,
            layout="directory",
        ),
        invalid(
            "layout",
            "directory_config_missing_readme",
            "an unzipped model directory with README.md and weights, without config.json",
            "KF102",
            readme,
            missing,
            layout="directory",
        ),
    ]


# --------------------------------------------------------------------------- sharded index


def sharded_cases() -> list[CaseDef]:
    arc = dataclasses.replace(seq(), config=None, metadata=None, layout="sharded")
    files = layout_files(arc, "sharded", max_shard_size=128 / 1024**3)
    index = json.loads(files["model.weights.json"])

    def variant(edit: Any) -> dict[str, bytes]:
        doc = copy.deepcopy(index)
        edit(doc)
        return {**files, "model.weights.json": json.dumps(doc, indent=4).encode()}

    def rename(doc: dict[str, Any]) -> None:
        doc["weight_map"] = {
            k: ["part_a.weights.h5" if s == "model_00000.weights.h5" else s for s in v]
            for k, v in doc["weight_map"].items()
        }

    renamed = variant(rename)
    renamed["part_a.weights.h5"] = renamed.pop("model_00000.weights.h5")
    return [
        invalid(
            "sharded",
            "index_schema",
            "metadata.total_size given as a string, not a number",
            "KF601",
            variant(lambda d: d["metadata"].__setitem__("total_size", "1024")),
            [issue("KF601", "model.weights.json", "/metadata/total_size")],
            layout="sharded",
        ),
        invalid(
            "sharded",
            "shard_name_pattern",
            "a shard named part_a.weights.h5, not model_NNNNN.weights.h5",
            "KF607",
            renamed,
            [
                issue(
                    "KF607",
                    "model.weights.json",
                    _pointer(index, "model_00000.weights.h5"),
                    "warning",
                )
            ],
            layout="sharded",
        ),
        invalid(
            "sharded",
            "total_size_wrong",
            "metadata.total_size differs from the stored weights",
            "KF608",
            variant(lambda d: d["metadata"].__setitem__("total_size", 1.0)),
            [issue("KF608", "model.weights.json", "/metadata/total_size", "warning")],
            layout="sharded",
        ),
    ]


def _pointer(index: dict[str, Any], shard: str) -> str:
    key: str
    for key, shards in index["weight_map"].items():
        if shard in shards:
            return (
                "/weight_map/"
                + key.replace("~", "~0").replace("/", "~1")
                + f"/{shards.index(shard)}"
            )
    raise KeyError(shard)
