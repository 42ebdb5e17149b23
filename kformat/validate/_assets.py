"""Assets the config says a layer reads (spec §2.7, KF440).

A layer that keeps state outside its variables reads it from its asset
directory ``assets/<object path>/`` when it is loaded (``saving_lib._load_state``
calls ``load_assets``): an adapted StringLookup, IntegerLookup or
TextVectorization, whose config holds no ``vocabulary``, reads
``vocabulary.txt`` there, and Keras fails to load the model without it
(``index_lookup.py`` ``load_assets``). Which files a class reads is its
catalogue definition's ``assets``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Set
from typing import Any

from kformat import layers, weight_paths
from kformat._issues import Issue
from kformat._rules import RULES

__all__ = ["asset_issues"]


def asset_issues(
    config: Mapping[str, Any], assets: Set[str], version: str | None
) -> Iterator[Issue]:
    """KF440 for each file a layer of ``config`` reads that ``assets`` (the
    archive's ``assets/...`` member names) does not hold."""
    generation = weight_paths.generation_from_version(version)
    try:
        objects = weight_paths.object_paths(config, generation)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError):
        return  # schema-level faults are reported elsewhere
    for obj in objects:
        if not layers.is_known(obj.class_name):
            continue
        definition = layers.get(obj.class_name)
        # A sub-layer's config is its own (TextVectorization's ``_lookup_layer``, which
        # Keras hands its own asset directory too); a layer's is under "config".
        inner = obj.config if obj.parent is not None else obj.config.get("config")
        if definition is None or definition.assets is None or not isinstance(inner, Mapping):
            continue
        needed = definition.assets(inner)
        paths = (obj.path, *obj.aliases)
        # tf.keras 2.13/2.14 spell ``layers`` as in their weights file (§6.6).
        paths += tuple(weight_paths.layer_checkpoint_alias(p) for p in paths)
        folders = ["assets/" + p.strip("/") + "/" for p in paths]
        for name in needed:
            if not any(folder + name in assets for folder in folders):
                yield Issue(
                    "KF440",
                    RULES["KF440"].severity,
                    f"layer {obj.name!r} ({obj.class_name}) has no vocabulary in its config and "
                    f"reads {name} from its asset directory, which the file does not hold",
                    member=folders[0] + name,
                    path=None,
                )
