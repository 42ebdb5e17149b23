"""The validator's finding: a frozen value with a stable code (spec/format.md §11)."""

from __future__ import annotations

import dataclasses
from typing import Literal

from kformat.errors import format_location

Severity = Literal["error", "warning"]

__all__ = ["Issue", "Severity"]


@dataclasses.dataclass(frozen=True)
class Issue:
    """One problem found in a file.

    Attributes:
        code: the stable rule ID from spec/format.md, e.g. ``"KF305"``.
        severity: ``"error"`` (the file is invalid) or ``"warning"``.
        message: one line, lower-case start, naming what was found.
        member: the archive member (``config.json``, ``model.weights.h5``, …),
            or ``None`` for the container itself.
        path: an RFC 6901 JSON pointer into a JSON member, or an absolute
            HDF5 path into a weights file; ``None`` when the whole member.
        schema_path: the JSON pointer into the schema that produced the
            issue, for schema findings.
    """

    code: str
    severity: Severity
    message: str
    member: str | None = None
    path: str | None = None
    schema_path: str | None = None

    @property
    def location(self) -> str:
        """``member#path`` (or the part that exists)."""
        return format_location(self.member, self.path)

    def at(self, *, member: str | None = None, path: str | None = None) -> Issue:
        """Return a copy located at ``member`` and ``path`` (the driver adds
        locations to the location-less issues checks yield)."""
        return dataclasses.replace(
            self,
            member=self.member if member is None else member,
            path=self.path if path is None else path,
        )

    def render(self, filename: str | None = None) -> str:
        """``file::member#path: CODE message`` (check-jsonschema style)."""
        where = self.location
        prefix = filename or ""
        if where:
            prefix = f"{prefix}::{where}" if prefix else where
        return f"{prefix}: {self.code} {self.message}" if prefix else f"{self.code} {self.message}"
