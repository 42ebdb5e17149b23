"""The checks of one model's members, shared by the ``.keras`` zip and the directory layout:
metadata and config documents, config semantics and safety, and weights against config.
"""

from __future__ import annotations

from collections.abc import Mapping, Set

from kformat._h5 import H5Index
from kformat._read import CONFIG, METADATA, WEIGHTS
from kformat.validate import _documents
from kformat.validate._assets import asset_issues
from kformat.validate._consistency import consistency_issues
from kformat.validate._context import Context
from kformat.validate._preflight import (
    config_findings,
    implied_issues,
    is_model,
    layer_errors,
    weights_follow,
)

__all__ = ["check_model"]


def check_model(
    ctx: Context,
    config_data: bytes | None,
    metadata_data: bytes | None,
    index: H5Index | None,
    assets: Set[str] | None = None,
) -> None:
    """Documents, semantics, safety and consistency of a model's members;
    ``assets`` are the ``assets/...`` file names when they could be listed."""
    limits, sink = ctx.limits, ctx.sink
    metadata = None
    if metadata_data is not None:
        metadata = _documents.parse_document(
            metadata_data,
            member=METADATA,
            max_bytes=limits.max_metadata_bytes,
            limits=limits,
            sink=sink,
        )
        if metadata is not None:
            ctx.add(_documents.metadata_issues(metadata, METADATA))
    if config_data is None:
        return
    config = _documents.parse_document(
        config_data, member=CONFIG, max_bytes=limits.max_config_bytes, limits=limits, sink=sink
    )
    if config is None:
        return
    custom = ctx.result.custom_objects
    findings = config_findings(config, custom, limits)
    ctx.add(findings.issues)
    if not is_model(config) or not weights_follow(findings):
        return  # weight paths follow from a config the checks above rejected
    bad_layers = layer_errors(findings)
    version = metadata.get("keras_version") if isinstance(metadata, Mapping) else None
    if assets is not None:
        ctx.add(asset_issues(config, assets, version if isinstance(version, str) else None))
    if index is None:
        # No readable weights: the config-only findings (KF308 implied size,
        # KF309 inconsistent shapes) are still computed from the config alone.
        ctx.add(
            implied_issues(
                config, version if isinstance(version, str) else None, limits, bad_layers
            )
        )
        return
    # Only objects the walk rejected (errors) are missing from the index and
    # would cascade into KF420-KF423; a warning (KF416 chunked, KF417 dtype,
    # KF428 attribute) leaves the object indexed, so it is still compared.
    broken_h5 = {
        i.path
        for i in ctx.sink.issues
        if i.member == WEIGHTS
        and i.code.startswith("KF4")
        and i.severity == "error"
        and i.path is not None
    }
    ctx.add(
        consistency_issues(
            config,
            index,
            member=WEIGHTS,
            version=version if isinstance(version, str) else None,
            limits=limits,
            explained=ctx.explained,
            skip_config=bad_layers,
            skip_h5=broken_h5,
        )
    )
