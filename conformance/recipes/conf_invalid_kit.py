"""The invalid cases' kit: the case record, the base archive they break, and the edits.

Each invalid case breaks exactly one rule and names the issues a conforming validator
reports (code, member, JSON pointer or HDF5 path). Warning cases are valid files
(``expect.valid`` true). conformance/hostile/ (make_hostile.py) covers the error rules a
hostile file breaks; these cases cover the warnings and the remaining rules.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from conf_kit import (
    CaseDef,
    archive,
    keras_bytes,
    layout_files,
    source_name,
    zip_bytes,
    zip_members,
)
from conf_models import base_archive

import kformat

W = "model.weights.h5"
C = "config.json"


def invalid(
    area: str,
    name: str,
    description: str,
    rule: str,
    files: dict[str, Any],
    issues: list[dict[str, Any]],
    *,
    layout: str = "keras",
    **doc: Any,
) -> CaseDef:
    severities = {i["severity"] for i in issues}
    doc["rule"] = rule
    doc["expect"] = {"valid": "error" not in severities, "issues": issues}
    return CaseDef("invalid", area, name, description, files, source_name(layout), layout, doc)


def seq() -> kformat.KerasArchive:
    """Sequential: Input(6) -> Dense(5, relu) 'dense' -> Dense(3) 'dense_1'."""
    return base_archive("dense_sequential", "invalid")


def members(arc: kformat.KerasArchive) -> dict[str, bytes]:
    return dict(zip_members(keras_bytes(arc)))


def rezip(m: dict[str, bytes], **kw: Any) -> dict[str, bytes]:
    order = [n for n in ("metadata.json", "config.json", W) if n in m]
    order += sorted(n for n in m if n not in order)
    return {"model.keras": zip_bytes([(n, m[n]) for n in order], **kw)}


def with_config(arc: kformat.KerasArchive, edit: Any) -> kformat.KerasArchive:
    config = copy.deepcopy(arc.config)
    edit(config)
    return dataclasses.replace(arc, config=config)


def with_weights(
    arc: kformat.KerasArchive,
    add: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    groups: dict[str, Any] | None = None,
) -> kformat.KerasArchive:
    weights = {p: a for p, a in arc.weights.items() if p not in drop}
    weights.update(add or {})
    return dataclasses.replace(arc, weights=weights, groups={**arc.groups, **(groups or {})})


def keras_file(arc: kformat.KerasArchive) -> dict[str, bytes]:
    return {"model.keras": keras_bytes(arc)}


def kformat_weights(weights: dict[str, Any]) -> dict[str, bytes]:
    """A .weights.h5 written by kformat (extended dtypes marked, raw void data unmarked)."""
    return layout_files(archive(None, weights, metadata=None, layout="weights_h5"), "weights_h5")
