"""What a migration did: the public :class:`MigrationReport` and the refusal helper."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from kformat._json import pointer
from kformat.errors import UnsupportedFeatureError

__all__ = ["MigrationReport", "Notes", "SourceKind", "Target", "refuse"]

#: What the input file was.
SourceKind = Literal["keras2", "keras2-windows", "legacy-h5", "keras3"]
#: What the output is for: Keras 3 (``.keras`` of Keras 3.15) or tf_keras 2.x.
Target = Literal["keras3", "tf_keras2"]


@dataclass(frozen=True)
class MigrationReport:
    """The outcome of :func:`kformat.migrate`.

    Attributes:
        source: the input path.
        destination: the written path (``None`` when nothing was written: a dry run).
        source_kind: ``keras2`` (tf.keras 2.13+ / tf_keras ``.keras``),
            ``keras2-windows`` (the same saved on Windows: backslash group names),
            ``legacy-h5`` (a full-model HDF5 file) or ``keras3``.
        source_version: the writer's Keras version as the file records it.
        target: ``keras3`` or ``tf_keras2``.
        changes: one line per kind of rewrite, in the order applied.
        dropped: what the output does not keep (optimizer state, metric state),
            one line each, with why.
        max_abs_diff: with ``check=True``, the largest absolute difference between
            the outputs of the original and the migrated file on generated inputs.
        checked_outputs: the number of output arrays compared (0 without a check).
    """

    source: str
    destination: str | None
    source_kind: SourceKind
    source_version: str | None
    target: Target
    changes: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()
    max_abs_diff: float | None = None
    checked_outputs: int = 0

    def lines(self) -> list[str]:
        """The report as the command line prints it."""
        head = f"{self.source}: {self.source_kind}"
        if self.source_version:
            head += f" (Keras {self.source_version})"
        out = [head + f" -> {self.target}" + (f" {self.destination}" if self.destination else "")]
        out += [f"  changed: {c}" for c in self.changes]
        out += [f"  dropped: {d}" for d in self.dropped]
        if self.max_abs_diff is not None:
            out.append(
                f"  check: {self.checked_outputs} output(s) equal, max abs diff "
                f"{self.max_abs_diff:.3g}"
            )
        return out


@dataclass
class Notes:
    """Changes and drops collected while rewriting, each recorded once."""

    changes: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    keys: dict[str, list[str]] = field(default_factory=dict)

    def dropped_key(self, class_name: str, key: str) -> None:
        """A Keras 2-only config key dropped where its value has no effect."""
        names = self.keys.setdefault(class_name, [])
        if key not in names:
            names.append(key)

    def all_changes(self) -> tuple[str, ...]:
        """The changes, with the dropped keys as one line."""
        out = list(self.changes)
        if self.keys:
            keys = ", ".join(f"{c}.{k}" for c, ks in self.keys.items() for k in ks)
            out.append(
                f"config keys the target does not take, dropped where without effect: {keys}"
            )
        return tuple(out)

    def change(self, line: str) -> None:
        if line not in self.changes:
            self.changes.append(line)

    def drop(self, line: str) -> None:
        if line not in self.dropped:
            self.dropped.append(line)


def refuse(
    parts: Sequence[str | int], layer: str, reason: str, fix: str, *, code: str = "KF314"
) -> UnsupportedFeatureError:
    """The error for something the migration cannot carry over: names the layer,
    the reason and what the user can do, located in ``config.json``."""
    return UnsupportedFeatureError(
        f"cannot migrate layer {layer!r}: {reason}; {fix}",
        member="config.json",
        path=pointer(list(parts)),
        code=code,
    )
