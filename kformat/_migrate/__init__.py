"""``kformat.migrate``: Keras 2 model files into files Keras 3 loads, and back (spec §13).

Inputs: a tf.keras 2.13+ / tf_keras ``.keras`` file (Windows-saved ones
included, KF438), a legacy full-model HDF5 file (KF413; whatever its name),
or, for ``to="tf_keras2"``, a Keras 3 ``.keras`` file. The output is built as
plain data (config rewritten, weights moved by object identity), written to a
scratch name beside the destination, validated with kformat's validator and
only then renamed into place: a refused migration leaves nothing behind.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

from kformat._archive import KerasArchive
from kformat._limits import DEFAULT_LIMITS, Limits
from kformat._migrate._report import MigrationReport, Notes, SourceKind, Target
from kformat.errors import InvalidArchiveError, UnsupportedFeatureError

__all__ = ["MigrationReport", "migrate", "migrated_archive"]

#: ``keras_version`` the migrated Keras 3 file records (what it was checked against).
KERAS3_VERSION = "3.15.1"
#: ``keras_version`` of a file migrated for tf_keras.
TF_KERAS_VERSION = "2.15.0"
_TARGETS = ("keras3", "tf_keras2")


def migrate(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    to: Target = "keras3",
    check: bool = False,
    limits: Limits | None = None,
) -> MigrationReport:
    """Convert a model file for another Keras generation, proving nothing changed.

    Args:
        src: a tf.keras / tf_keras ``.keras`` file (Windows-saved included), a
            legacy full-model HDF5 file (``.h5``, or misnamed ``.keras``), or for
            ``to="tf_keras2"`` a Keras 3 ``.keras`` file.
        dst: the ``.keras`` file to write (replaced atomically).
        to: ``"keras3"`` (Keras 3.x, checked against 3.15) or ``"tf_keras2"``
            (tf_keras 2.15+, where every class of the model exists there).
        check: run the original and the migrated file with ``reference_runtime``
            on generated inputs and refuse to write when the outputs differ
            (needs ``reference_runtime`` importable).
        limits: the reader's limits for the input (``kformat.DEFAULT_LIMITS``).

    Returns:
        What was changed, what was dropped and, with ``check``, the largest
        absolute output difference.

    Raises:
        UnsupportedFeatureError: something cannot be carried over; the message
            names the layer, the reason and what to do.
        KFormatError: the input is malformed or hostile (as for ``kformat.read``),
            or the result breaks a rule (then nothing is written).
        OSError: ``src`` cannot be opened or ``dst`` cannot be written.
        ValueError: ``to`` is not a known target, or ``dst`` is not a ``.keras`` name.
        ImportError: ``check=True`` without ``reference_runtime``.
    """
    if to not in _TARGETS:
        raise ValueError(f"to must be one of {_TARGETS}, not {to!r}")
    dest = Path(dst)
    if dest.suffix != ".keras":
        raise ValueError(f"the destination must be a .keras file, got {os.fspath(dst)!r}")
    if check:
        from kformat._migrate import _check

        _check.runtime()  # fail before any work when the runtime is missing
    archive, report = migrated_archive(src, to=to, limits=limits)
    from kformat._migrate import _output

    diff, count = _output.write_checked(
        archive, Path(src), dest, keras3=(to == "keras3"), check=check
    )
    return MigrationReport(
        source=os.fspath(src),
        destination=os.fspath(dst),
        source_kind=report.source_kind,
        source_version=report.source_version,
        target=to,
        changes=report.changes,
        dropped=report.dropped,
        max_abs_diff=diff,
        checked_outputs=count,
    )


def migrated_archive(
    src: str | os.PathLike[str], *, to: Target = "keras3", limits: Limits | None = None
) -> tuple[KerasArchive, MigrationReport]:
    """The migrated model as a :class:`KerasArchive` (nothing written, not validated)."""
    from kformat._migrate import _legacy_h5

    limits = limits or DEFAULT_LIMITS
    path = Path(src)
    notes = Notes()
    if _legacy_h5.is_legacy_h5(path):
        legacy = _legacy_h5.read_legacy_h5(path, limits)
        if to != "keras3":
            raise UnsupportedFeatureError(
                "a legacy HDF5 model migrates to Keras 3 only; tf_keras loads it as it is",
                member=path.name,
                code="KF413",
            )
        archive = _legacy_to_keras3(legacy, notes)
        kind: SourceKind = "legacy-h5"
        version = legacy.keras_version
    else:
        from kformat._read import read_any, windows_group

        source = read_any(path, limits=limits)
        if source.config is None:
            raise UnsupportedFeatureError(
                "a weights-only file has no model config to migrate; migrate the .keras file",
                member=path.name,
                code="KF437",
            )
        version = (source.metadata or {}).get("keras_version")
        version = version if isinstance(version, str) else None
        keras2 = version is not None and version.split(".")[0] in ("1", "2")
        windows = windows_group(source.groups) is not None
        if to == "tf_keras2":
            if keras2:
                raise UnsupportedFeatureError(
                    f"the file was written by Keras {version}; tf_keras loads it as it is",
                    member="metadata.json",
                    code="KF314",
                )
            from kformat._migrate._to_keras2 import to_keras2

            archive = to_keras2(source, notes, TF_KERAS_VERSION)
            kind = "keras3"
        else:
            if not keras2 and not windows:
                raise UnsupportedFeatureError(
                    f"the file was written by Keras {version or '3'}; Keras 3 loads it as it is",
                    member="metadata.json",
                    code="KF314",
                )
            archive = _keras2_to_keras3(source, version, windows, notes)
            kind = "keras2-windows" if windows else "keras2"
    report = MigrationReport(
        source=os.fspath(src),
        destination=None,
        source_kind=kind,
        source_version=version,
        target=to,
        changes=notes.all_changes(),
        dropped=tuple(notes.dropped),
    )
    return archive, report


def _compile_config(config: dict[str, Any], notes: Notes) -> None:
    if config.get("compile_config"):
        notes.drop(
            "compile_config (the Keras 2 optimizer, loss and metric objects; compile the "
            "migrated model again)"
        )
    config.pop("compile_config", None)


def _keras2_to_keras3(
    source: KerasArchive, version: str | None, windows: bool, notes: Notes
) -> KerasArchive:
    from kformat._migrate._models3 import Rewrite, rewrite_model
    from kformat._migrate._weights import move_weights, unwindows
    from kformat.weight_paths import generation_from_version

    assert source.config is not None
    config = copy.deepcopy(source.config)
    rw = Rewrite(notes)
    rewrite_model(config, (), rw)
    _compile_config(config, notes)
    weights = source.weights
    if windows:
        weights = {unwindows(p): source.weights[p] for p in source.weights}
        notes.change("Windows backslash group names -> HDF5 paths")
    generation = generation_from_version(version)
    if generation == "keras2.13":
        notes.change("_layer_checkpoint_dependencies -> layers")
    notes.change("weights moved to Keras 3 object paths (Keras 3 counters and attribute names)")
    moved, groups = move_weights(
        source.config, generation, weights, config, "keras3", rw.scale, notes
    )
    return KerasArchive(
        config=config,
        metadata={"keras_version": KERAS3_VERSION},
        weights=moved,
        groups=groups,
        assets=dict(source.assets.items()),
    )


def _legacy_to_keras3(legacy: Any, notes: Notes) -> KerasArchive:
    from kformat._migrate._legacy_config import normalize_legacy
    from kformat._migrate._legacy_h5 import place_weights
    from kformat._migrate._models3 import Rewrite, rewrite_model

    config = normalize_legacy(copy.deepcopy(legacy.config), notes)
    rw = Rewrite(notes)
    rewrite_model(config, (), rw)
    _compile_config(config, notes)
    if legacy.has_optimizer:
        notes.drop("optimizer state (optimizer_weights; compile the migrated model again)")
    notes.change("legacy model_weights/<layer>/<name>:0 -> Keras 3 object paths")
    try:
        weights, groups = place_weights(legacy, config, rw.scale)
    except ValueError as exc:
        raise InvalidArchiveError(str(exc), member="model_weights", code="KF420") from exc
    return KerasArchive(
        config=config, metadata={"keras_version": KERAS3_VERSION}, weights=weights, groups=groups
    )
