"""Shared helpers of the hostile-case modules (see hostile_cases.py)."""

from __future__ import annotations

from typing import Any

from make_hostile import (
    Case,
    base_weights,
    keras_zip,
)

ZIP_NOTES = "spec §14.4: zip path traversal / absolute / backslash / symlink members"
BOMB_NOTES = "keras-team/keras#23010, #23101 (zip decompression bombs)"
JSON_NOTES = "spec §14.4: JSON recursion bombs, huge configs, non-UTF-8, duplicate keys"
GRAPH_NOTES = "spec §14.4: cyclic or dangling inbound_nodes"
W = "model.weights.h5"
C = "config.json"


def simple(
    name: str,
    fault: str,
    data: bytes,
    *expects: dict[str, Any],
    advisory: str | None = None,
    limits: dict[str, int] | None = None,
) -> Case:
    return Case(
        name, fault, list(expects), {"model.keras": data}, advisory=advisory, limits=limits or {}
    )


def _config_case(
    name: str,
    fault: str,
    config: bytes,
    *expects: dict[str, Any],
    advisory: str | None = JSON_NOTES,
    limits: dict[str, int] | None = None,
) -> Case:
    return simple(name, fault, keras_zip(config=config), *expects, advisory=advisory, limits=limits)


def _weights_case(
    name: str,
    fault: str,
    weights: bytes,
    *expects: dict[str, Any],
    advisory: str | None = None,
    limits: dict[str, int] | None = None,
) -> Case:
    return simple(
        name, fault, keras_zip(weights=weights), *expects, advisory=advisory, limits=limits
    )


def _extra(build: Any) -> bytes:
    return base_weights(extra=build)
