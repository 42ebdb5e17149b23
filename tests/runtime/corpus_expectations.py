"""Corpus files whose writer's own outputs Keras 3.15 does not reproduce either.

For these the runtime is held to what Keras 3.15 does with the file — refuse
it, or load it and compute what Keras 3.15 computes — instead of to the
outputs the (older) writer recorded.
"""

from __future__ import annotations

#: "<writer>/<case>" -> why Keras 3.15 departs from the writer.
KERAS3_DIFFERS: dict[str, str] = {
    "tf.keras-2.14.1/ops_getitem": "indexing saved as SlicingOpLambda, a tf.keras-only class",
    "tf_keras-2.21.0/ops_getitem": "indexing saved as SlicingOpLambda, a tf.keras-only class",
    "tf.keras-2.14.1/random_augmentation": "RandomHeight/RandomWidth exist only in tf.keras",
    "tf_keras-2.21.0/random_augmentation": "RandomHeight/RandomWidth exist only in tf.keras",
    "keras-3.0.1/random_crop": "RandomCrop centre-cropped at inference before Keras 3.8",
    "tf.keras-2.14.1/random_crop": "RandomCrop centre-cropped at inference in tf.keras",
    "tf_keras-2.21.0/random_crop": "RandomCrop centre-cropped at inference in tf.keras",
}

_BICUBIC = (
    "TensorFlow's bicubic kernel differs from Keras 3's (up to 1.4e-3); the runtime follows Keras 3"
)
#: "<writer>/<case>" -> {output name: why that output is not the writer's}: the
#: other outputs are still compared with the writer's.
WRITER_OUTPUT_DIFFERS: dict[str, dict[str, str]] = {
    "tf.keras-2.14.1/resizing_interpolations": {"bicubic": _BICUBIC},
    "tf_keras-2.21.0/resizing_interpolations": {"bicubic": _BICUBIC},
}
