"""Whether a weights-only ``.weights.h5`` file has the layout Keras writes at its root (spec/format.md §7, KF437).

``model.save_weights`` writes the tree of §6.6 (``keras-team/keras:
keras/src/saving/saving_lib.py`` ``save_weights_only``): the model's children
under ``/layers`` (tf.keras 2.13/2.14: ``/_layer_checkpoint_dependencies``)
and the model's own ``/vars``. A file with HDF5 objects at its root but none of
these groups was not written by Keras, and Keras would load nothing from it
(every layer's ``vars`` would be missing), so it is refused rather than read as
an empty model. Keras never writes a file without objects (it refuses to save
an unbuilt model), so an empty file is refused too. Shards of a sharded save
(§8) are not judged: each holds whatever part of the tree fell into it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kformat._issues import Issue

__all__ = ["KERAS_ROOTS", "root_issues", "root_problem"]

#: root groups one of which every Keras generation's weights-only file has
KERAS_ROOTS = ("/layers", "/vars", "/_layer_checkpoint_dependencies")


def root_problem(groups: Iterable[str], datasets: Iterable[str]) -> str | None:
    """The KF437 message for an HDF5 tree given by its group and dataset
    paths, or ``None`` when the root looks like Keras'."""
    groups = set(groups)
    if any(root in groups for root in KERAS_ROOTS):
        return None
    names = sorted(
        {p.split("/")[1] for p in (*groups, *datasets) if p.startswith("/") and len(p) > 1}
    )
    shown = ", ".join(f"/{n}" for n in names[:5]) + (", ..." if len(names) > 5 else "")
    found = f"the root holds {shown}" if names else "the file holds no object"
    return (
        f"not the layout of a Keras weights file: {found}; expected a /layers, /vars or "
        "/_layer_checkpoint_dependencies group (what model.save_weights writes)"
    )


def root_issues(groups: Iterable[str], datasets: Iterable[str], *, member: str) -> Iterator[Issue]:
    """KF437 for a weights-only file whose root is not Keras' layout."""
    message = root_problem(groups, datasets)
    if message is not None:
        yield Issue("KF437", "error", message, member=member, path="/")
