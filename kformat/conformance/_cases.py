"""The conformance corpus as cases: ``case.json`` folders, real-Keras folders and hostile files.

Four sources make one list of :class:`Case` (conformance/README.md describes the formats):

* ``valid/<area>/<case>/``, ``invalid/<area>/<case>/`` and ``runtime/<case>/``, each
  with a ``case.json`` (``spec/schemas/case.schema.json``), built by
  ``conformance/recipes/make_cases.py``;
* ``keras_files/<writer>/<case>/`` — files written by real Keras versions, described by
  their ``made.json``; each is a valid runtime case unless ``keras_files.expect.json``
  says otherwise (a few files real Keras wrote break a rule);
* ``hostile/<case>/`` — the validator's hostile corpus; its ``case.json`` names the
  issues a validator must report (it may report more).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from kformat._rules import RULES

__all__ = [
    "Case",
    "CorpusError",
    "ExpectedIssue",
    "RuntimeSpec",
    "WriterSpec",
    "find_corpus",
    "load_cases",
    "select",
]

KINDS = ("valid", "invalid", "runtime")


class CorpusError(Exception):
    """The corpus itself is malformed (a bad ``case.json``, a missing file)."""


@dataclasses.dataclass(frozen=True)
class ExpectedIssue:
    """One issue a case expects: a rule code at a location (never message text)."""

    code: str
    member: str | None
    path: str | None
    severity: str

    def render(self) -> str:
        where = (self.member or "") + (f"#{self.path}" if self.path is not None else "")
        return f"{self.code} at {where or '<container>'}"


@dataclasses.dataclass(frozen=True)
class RuntimeSpec:
    """Inputs, expected outputs and tolerances of a runtime case."""

    inputs: Path
    outputs: Path
    input_names: tuple[str, ...]
    input_structure: str
    output_names: tuple[str, ...]
    output_structure: str
    rtol: float
    atol: float


@dataclasses.dataclass(frozen=True)
class WriterSpec:
    """What a writer gets (architecture JSON, weights by layer) and may warn about."""

    description: Path
    weights: Path
    allowed_warnings: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Case:
    """One conformance case.

    Attributes:
        id: ``valid/<area>/<name>``, ``invalid/<area>/<name>``, ``runtime/<name>``,
            ``keras_files/<writer>/<name>`` or ``hostile/<name>``.
        kind: ``valid``, ``invalid`` or ``runtime``.
        source: the file or directory handed to a reader.
        valid: whether the file is valid (no error-severity rule broken).
        issues: the issues a reader must report.
        exhaustive: whether any *other* error-severity issue makes the case fail.
        decoded: the expected decoded form (members, config digest, weights), if known.
        requires: custom objects (registered names) a runtime needs to run the model.
    """

    id: str
    kind: str
    folder: Path
    source: Path
    description: str = ""
    layout: str | None = None
    architecture: Path | None = None
    valid: bool = True
    issues: tuple[ExpectedIssue, ...] = ()
    exhaustive: bool = True
    rule: str | None = None
    decoded: Mapping[str, Any] | None = None
    runtime: RuntimeSpec | None = None
    writer: WriterSpec | None = None
    limits: Mapping[str, int] = dataclasses.field(default_factory=dict)
    deep: bool = False
    requires: tuple[str, ...] = ()
    origin: str = "recipe"
    #: ``member``/``path`` ``null`` in an expected issue match any location (hostile corpus).
    wildcard_locations: bool = False

    @property
    def areas(self) -> tuple[str, ...]:
        """Every component of the id except the case name (what ``--area`` matches)."""
        return tuple(self.id.split("/")[:-1])


def find_corpus(start: Path | None = None) -> Path:
    """The corpus: ``start``, else ``./conformance``, the checkout's ``conformance/``, or
    the copy an installed package carries (the wheel ships it as
    ``kformat/conformance/corpus/``)."""
    candidates = [Path.cwd() / "conformance", Path(__file__).resolve().parents[2] / "conformance"]
    if start is not None:
        candidates.insert(0, start)
    packaged = resources.files("kformat.conformance").joinpath("corpus")
    if isinstance(packaged, Path):  # an ordinary install, not a zip import
        candidates.append(packaged)
    for c in candidates:
        if (c / "runtime").is_dir() or (c / "valid").is_dir() or (c / "keras_files").is_dir():
            return c
    raise CorpusError(
        "no conformance corpus found: pass --corpus DIR (the repository's conformance/)"
    )


def _severity(code: str) -> str:
    rule = RULES.get(code)
    return rule.severity if rule is not None else "error"


def _issues(raw: Iterable[Mapping[str, Any]]) -> tuple[ExpectedIssue, ...]:
    return tuple(
        ExpectedIssue(
            str(i["code"]),
            i.get("member"),
            i.get("path"),
            str(i.get("severity") or _severity(i["code"])),
        )
        for i in raw
    )


def _runtime(folder: Path, raw: Mapping[str, Any]) -> RuntimeSpec:
    return RuntimeSpec(
        inputs=folder / raw.get("inputs", "inputs.npz"),
        outputs=folder / raw.get("outputs", "outputs.npz"),
        input_names=tuple(raw["input_names"]),
        input_structure=str(raw["input_structure"]),
        output_names=tuple(raw["output_names"]),
        output_structure=str(raw["output_structure"]),
        rtol=float(raw["rtol"]),
        atol=float(raw["atol"]),
    )


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorpusError(f"{path}: {exc}") from exc


def _recipe_case(case_id: str, folder: Path, doc: Mapping[str, Any]) -> Case:
    expect = doc.get("expect", {})
    runtime = doc.get("runtime")
    writer = doc.get("writer")
    arch = doc.get("architecture")
    return Case(
        id=case_id,
        kind=str(doc["kind"]),
        folder=folder,
        source=folder / doc["source"],
        description=str(doc.get("description", "")),
        layout=doc.get("layout"),
        architecture=folder / arch if arch else None,
        valid=bool(expect.get("valid", True)),
        issues=_issues(expect.get("issues", ())),
        exhaustive=bool(expect.get("exhaustive", True)),
        rule=doc.get("rule"),
        decoded=doc.get("decoded"),
        runtime=_runtime(folder, runtime) if runtime else None,
        writer=WriterSpec(
            folder / writer["description"],
            folder / writer["weights"],
            tuple(writer.get("allowed_warnings", ())),
        )
        if writer
        else None,
        limits=dict(doc.get("limits", {})),
        deep=bool(doc.get("deep", False)),
        requires=tuple(doc.get("requires", ())),
    )


def _keras_file_case(
    case_id: str, folder: Path, made: Mapping[str, Any], override: Mapping[str, Any]
) -> Case:
    arch = made.get("architecture_file")
    runtime: RuntimeSpec | None = None
    if override.get("runtime", True):
        runtime = _runtime(folder, made)
    valid = bool(override.get("valid", True))
    return Case(
        id=case_id,
        kind="runtime" if runtime else ("valid" if valid else "invalid"),
        folder=folder,
        source=folder / made["model_file"],
        description=str(made.get("description", "")),
        layout=made.get("layout"),
        architecture=folder / arch if arch else None,
        valid=valid,
        issues=_issues(override.get("issues", ())),
        exhaustive=True,
        runtime=runtime,
        requires=tuple(override.get("requires", ())),
        origin="keras_files",
    )


def _overrides(tag: str, name: str, table: Mapping[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in (f"*/{name}", f"{tag}/*", f"{tag}/{name}"):
        merged.update(table.get(key, {}))
    return merged


def _hostile_case(case_id: str, folder: Path, doc: Mapping[str, Any]) -> Case:
    issues = _issues(doc.get("expect", ()))
    return Case(
        id=case_id,
        kind="invalid",
        folder=folder,
        source=folder / doc.get("source", "model.keras"),
        description=str(doc.get("fault", "")),
        valid=not any(i.severity == "error" for i in issues),
        issues=issues,
        exhaustive=False,  # the hostile corpus lists what MUST be reported; more is allowed
        limits=dict(doc.get("limits", {})),
        origin="hostile",
        wildcard_locations=True,
    )


def load_cases(corpus: Path) -> list[Case]:
    """Every case of the corpus at ``corpus``, sorted by id.

    Raises:
        CorpusError: a ``case.json`` or ``made.json`` cannot be parsed.
    """
    cases: list[Case] = []
    for kind in KINDS:
        base = corpus / kind
        if not base.is_dir():
            continue
        depth = "*/case.json" if kind == "runtime" else "*/*/case.json"
        for path in sorted(base.glob(depth)):
            folder = path.parent
            case_id = folder.relative_to(corpus).as_posix()
            try:
                cases.append(_recipe_case(case_id, folder, _load_json(path)))
            except (KeyError, TypeError) as exc:
                raise CorpusError(f"{path}: missing or malformed field {exc}") from exc
    keras_files = corpus / "keras_files"
    expect_path = corpus / "keras_files.expect.json"
    table = _load_json(expect_path).get("cases", {}) if expect_path.is_file() else {}
    for made_path in sorted(keras_files.glob("*/*/made.json")):
        folder = made_path.parent
        tag, name = folder.parent.name, folder.name
        made = _load_json(made_path)
        try:
            cases.append(
                _keras_file_case(
                    f"keras_files/{tag}/{name}", folder, made, _overrides(tag, name, table)
                )
            )
        except (KeyError, TypeError) as exc:
            raise CorpusError(f"{made_path}: missing or malformed field {exc}") from exc
    for path in sorted((corpus / "hostile").glob("*/case.json")):
        folder = path.parent
        cases.append(_hostile_case(f"hostile/{folder.name}", folder, _load_json(path)))
    return sorted(cases, key=lambda c: c.id)


def select(
    cases: Sequence[Case], *, areas: Sequence[str] = (), names: Sequence[str] = ()
) -> list[Case]:
    """Cases whose id has one of ``areas`` as a leading component and contains
    one of the ``names`` substrings (an empty filter selects everything)."""
    out = []
    for case in cases:
        if areas and not any(a in case.areas for a in areas):
            continue
        if names and not any(n in case.id for n in names):
            continue
        out.append(case)
    return out
