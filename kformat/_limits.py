"""The size and depth caps a safe reader applies (spec/format.md, "Limits")."""

from __future__ import annotations

import dataclasses

__all__ = ["DEFAULT_LIMITS", "Limits"]

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclasses.dataclass(frozen=True)
class Limits:
    """Every cap kformat checks before it allocates, inflates or recurses.

    The defaults fit real models while keeping a hostile file within a few
    seconds and tens of megabytes on a small machine. Override any field with
    ``dataclasses.replace(DEFAULT_LIMITS, max_config_bytes=...)``.
    """

    #: members in one zip archive (central directory entries).
    max_members: int = 10_000
    #: bytes of ``config.json`` (and of a ``.weights.json`` shard index).
    max_config_bytes: int = 8 * MiB
    #: bytes of ``metadata.json``.
    max_metadata_bytes: int = 64 * KiB
    #: nesting depth of any JSON document (objects + arrays).
    max_json_depth: int = 128
    #: bytes of one ``assets/`` member (or other non-weights member).
    max_asset_bytes: int = 256 * MiB
    #: total uncompressed bytes of all members of one archive.
    max_total_bytes: int = 64 * GiB
    #: uncompressed / compressed size of a DEFLATED member.
    max_compression_ratio: float = 100.0
    #: declared bytes of one HDF5 dataset.
    max_dataset_bytes: int = 16 * GiB
    #: HDF5 groups + datasets in one weights file.
    max_h5_objects: int = 100_000
    #: components in one HDF5 path.
    max_h5_depth: int = 64
    #: shard files named by one ``.weights.json`` index.
    max_shards: int = 10_000

    # Whole-file budget, container side (zip members, directory entries): spec §12.
    #: bytes inflated or copied out of one archive, all members together: the
    #: JSON documents, every asset, and a DEFLATED weights member (spooled to
    #: an anonymous temporary file). Counted as the bytes are produced, and
    #: checked first against what the central directory (or ``lstat``)
    #: declares. A STORED weights member is mapped, not copied, and not counted.
    max_inflated_bytes: int = 512 * MiB

    # Whole-file budget, HDF5 side (decoded bytes, objects, links, time): spec §12.
    #: bytes ``read`` decodes from chunked, compressed and compact datasets of
    #: one model (declared shape x item size, at least one chunk each); the
    #: contiguous datasets Keras writes are mapped, not decoded.
    max_h5_decoded_bytes: int = 128 * MiB
    #: decoded bytes of all HDF5 attributes of one weights file.
    max_h5_attr_bytes: int = 8 * MiB
    #: milliseconds libhdf5 may spend on one weights file (walk and decoding),
    #: in a child process that is killed at the deadline.
    h5_deadline_ms: int = 120_000
    #: milliseconds the walk may go without progress (no object finished): a
    #: loop inside one libhdf5 call is caught after this long.
    h5_stall_ms: int = 4_000
    #: trusted input only: run libhdf5 in the caller's process (no deadline,
    #: and a libhdf5 crash takes the caller down).
    h5_in_process: bool = False

    # Whole-file budget, JSON side (nodes, work): spec §12.
    #: values (objects, arrays, scalars) in one JSON document (KF213).
    max_json_nodes: int = 1_000_000
    #: elements a ``__numpy__`` value may declare: shape product, and its
    #: bytes (elements x itemsize) are capped by the same count x 8 (KF214).
    max_config_array_elements: int = 1_000_000


DEFAULT_LIMITS = Limits()
