"""What the validator knows by name: Keras' built-in classes and functions, and what it refuses.

Plain data (spec/format.md §5 "Resolving names", §7 safety rules). The
built-in names are the public symbols of Keras 3.15 (``keras.layers``,
``keras.initializers``, … as exported) plus the tf.keras / tf_keras classes
their ``.keras`` files name; nothing here is ever imported or looked up in a
module: a name is only compared against these sets.
"""

from __future__ import annotations

import builtins
import re
import sys

__all__ = [
    "ACTIVATIONS",
    "BUILTIN_CLASSES",
    "BUILTIN_FUNCTIONS",
    "CODE_CLASSES",
    "FRAMEWORK_PACKAGES",
    "KERAS_PACKAGES",
    "MODULE_RE",
    "NON_MODELING_APIS",
    "NON_MODELING_MODULES",
    "NON_MODELING_NAMES",
    "POLICY_APIS",
    "PYTHON_BUILTINS",
    "STDLIB_MODULES",
    "TF_OP_DENIED",
    "is_policy_name",
    "looks_like_class",
]

#: Top-level packages whose modules a Keras config may name (keras-team/keras:
#: serialization_lib.py ``_retrieve_class_or_fn``: keras, keras_hub, keras_cv,
#: keras_nlp; tf.keras files name ``tf_keras``).
KERAS_PACKAGES = frozenset({"keras", "tf_keras", "keras_hub", "keras_cv", "keras_nlp"})


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_LAYERS = """
Activation ActivityRegularization AdaptiveAveragePooling1D AdaptiveAveragePooling2D
AdaptiveAveragePooling3D AdaptiveMaxPooling1D AdaptiveMaxPooling2D AdaptiveMaxPooling3D Add
AdditiveAttention AlphaDropout Attention AugMix AutoContrast Average AveragePooling1D
AveragePooling2D AveragePooling3D AvgPool1D AvgPool2D AvgPool3D BatchNormalization Bidirectional
CategoryEncoding CenterCrop Concatenate ContrastLimitedAdaptiveHistogramEqualization Conv1D
Conv1DTranspose Conv2D Conv2DTranspose Conv3D Conv3DTranspose ConvLSTM1D ConvLSTM2D ConvLSTM3D
Convolution1D Convolution1DTranspose Convolution2D Convolution2DTranspose Convolution3D
Convolution3DTranspose Cropping1D Cropping2D Cropping3D CutMix Dense DepthwiseConv1D
DepthwiseConv2D Discretization Dot Dropout ELU EinsumDense Embedding Equalization Flatten GRU
GRUCell GaussianDropout GaussianNoise GlobalAveragePooling1D GlobalAveragePooling2D
GlobalAveragePooling3D GlobalAvgPool1D GlobalAvgPool2D GlobalAvgPool3D GlobalMaxPool1D
GlobalMaxPool2D GlobalMaxPool3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D
GroupNormalization GroupQueryAttention GroupedQueryAttention HashedCrossing Hashing Identity
InputLayer IntegerLookup LSTM LSTMCell Lambda LayerNormalization LeakyReLU Masking
MaxNumBoundingBoxes MaxPool1D MaxPool2D MaxPool3D MaxPooling1D MaxPooling2D MaxPooling3D Maximum
MelSpectrogram Minimum MixUp MultiHeadAttention Multiply Normalization PReLU Permute Pipeline
RMSNormalization RNN RandAugment RandomBrightness RandomColorDegeneration RandomColorJitter
RandomContrast RandomCrop RandomElasticTransform RandomErasing RandomFlip RandomGaussianBlur
RandomGrayscale RandomHue RandomInvert RandomPerspective RandomPosterization RandomRotation
RandomSaturation RandomSharpness RandomShear RandomTranslation RandomZoom ReLU RepeatVector
Rescaling Reshape Resizing ReversibleEmbedding STFTSpectrogram SeparableConv1D SeparableConv2D
SeparableConvolution1D SeparableConvolution2D SimpleRNN SimpleRNNCell Softmax Solarization
SpatialDropout1D SpatialDropout2D SpatialDropout3D SpectralNormalization StackedRNNCells
StringLookup Subtract TextVectorization TimeDistributed UnitNormalization UpSampling1D
UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D ZeroPadding3D
TFOpLambda SlicingOpLambda ThresholdedReLU
"""

_MODELS = "Sequential Functional Model"

_OTHERS = """
Constant GlorotNormal GlorotUniform HeNormal HeUniform Identity IdentityInitializer LecunNormal
LecunUniform Ones Orthogonal OrthogonalInitializer RandomNormal RandomUniform STFT STFTInitializer
TruncatedNormal VarianceScaling Zeros
L1 L1L2 L2 OrthogonalRegularizer
MaxNorm MinMaxNorm NonNeg UnitNorm RadialConstraint
Adadelta Adafactor Adagrad Adam AdamW Adamax Ftrl Lamb Lion LossScaleOptimizer Muon Nadam RMSprop
SGD ScheduleFreeAdamW
CosineDecay CosineDecayRestarts ExponentialDecay InverseTimeDecay PiecewiseConstantDecay
PolynomialDecay
BinaryCrossentropy BinaryFocalCrossentropy CTC CategoricalCrossentropy
CategoricalFocalCrossentropy CategoricalGeneralizedCrossEntropy CategoricalHinge Circle
CosineSimilarity Dice Hinge Huber KLDivergence LogCosh MeanAbsoluteError
MeanAbsolutePercentageError MeanSquaredError MeanSquaredLogarithmicError Poisson
SparseCategoricalCrossentropy SquaredHinge Tversky
AUC Accuracy BinaryAccuracy BinaryIoU CategoricalAccuracy ConcordanceCorrelation F1Score
FBetaScore FalseNegatives FalsePositives IoU LogCoshError Mean MeanIoU MeanMetricWrapper OneHotIoU
OneHotMeanIoU PearsonCorrelation Precision PrecisionAtRecall R2Score Recall RecallAtPrecision
RootMeanSquaredError SensitivityAtSpecificity SparseCategoricalAccuracy
SparseTopKCategoricalAccuracy SpecificityAtSensitivity Sum TopKCategoricalAccuracy
TrueNegatives TruePositives
AWQDTypePolicy DTypePolicy DTypePolicyMap FloatDTypePolicy GPTQDTypePolicy Int4DTypePolicy
QuantizedDTypePolicy QuantizedFloat8DTypePolicy Policy
"""

#: Layers, models and other modelling classes Keras (3.x, tf.keras 2.13+) ships.
BUILTIN_CLASSES = _words(_LAYERS + _MODELS + _OTHERS)

#: Classes that run or load code from outside the archive (spec: KF507).
#: ``Lambda`` is built in but only safe without bytecode (KF501 decides).
CODE_CLASSES = {
    "TorchModuleWrapper": "unpickles a PyTorch module from the config (CVE-2025-49655)",
    "TFSMLayer": "loads an external TensorFlow SavedModel (CVE-2026-1462)",
}

_ACTIVATIONS = """
celu elu exponential gelu glu hard_shrink hard_sigmoid hard_silu hard_swish hard_tanh leaky_relu
linear log_sigmoid log_softmax mish relu relu6 selu sigmoid silu soft_shrink softmax softplus
softsign sparse_plus sparse_sigmoid sparsemax squareplus swish tanh tanh_shrink threshold
"""

#: Activation names ``keras.activations.get`` resolves (bare strings in configs).
ACTIVATIONS = _words(_ACTIVATIONS)

_FUNCTIONS = """
binary_accuracy binary_crossentropy binary_focal_crossentropy categorical_accuracy
categorical_crossentropy categorical_focal_crossentropy categorical_generalized_cross_entropy
categorical_hinge circle concordance_correlation cosine_similarity ctc dice hinge huber
kl_divergence log_cosh mean_absolute_error mean_absolute_percentage_error mean_squared_error
mean_squared_logarithmic_error pearson_correlation poisson sparse_categorical_accuracy
sparse_categorical_crossentropy sparse_top_k_categorical_accuracy squared_hinge
top_k_categorical_accuracy tversky mse mae mape msle kld accuracy acc crossentropy
constant glorot_normal glorot_uniform he_normal he_uniform identity lecun_normal lecun_uniform ones
orthogonal random_normal random_uniform truncated_normal variance_scaling zeros
l1 l1_l2 l2 orthogonal_regularizer max_norm min_max_norm non_neg unit_norm
"""

#: Functions a config may name (``{"class_name": "function", "config": name}``
#: or a bare string): activations, losses, metrics, initializers, regularizers
#: and constraints (serialization_lib.py searches exactly those modules).
BUILTIN_FUNCTIONS = ACTIVATIONS | _words(_FUNCTIONS)

#: keras-team/keras@v3.15.1 serialization_lib.py ``NON_MODELING_APIS``: I/O,
#: saving and loading utilities a config must never reach (CVE-2025-8747).
NON_MODELING_APIS = frozenset(
    {
        "keras.backend.clear_session",
        "keras.config.enable_unsafe_deserialization",
        "keras.models.load_model",
        "keras.models.model_from_json",
        "keras.models.save_model",
        "keras.preprocessing.image_dataset_from_directory",
        "keras.preprocessing.image.load_img",
        "keras.preprocessing.image.save_img",
        "keras.preprocessing.text_dataset_from_directory",
        "keras.saving.deserialize_keras_object",
        "keras.saving.load_model",
        "keras.saving.load_weights",
        "keras.saving.register_keras_serializable",
        "keras.saving.save_model",
        "keras.saving.save_weights",
        "keras.saving.serialize_keras_object",
        "keras.utils.audio_dataset_from_directory",
        "keras.utils.clear_session",
        "keras.utils.deserialize_keras_object",
        "keras.utils.get_file",
        "keras.utils.image_dataset_from_directory",
        "keras.utils.load_img",
        "keras.utils.register_keras_serializable",
        "keras.utils.save_img",
        "keras.utils.serialize_keras_object",
        "keras.utils.text_dataset_from_directory",
    }
)

#: Names (last component) that change the loader's safety policy (KF504),
#: wherever they appear: CVE-2025-9906.
POLICY_APIS = frozenset({"enable_unsafe_deserialization", "SafeModeScope"})


def is_policy_name(name: str) -> bool:
    """A name that changes deserialization policy (spec KF504: also any
    ``…safe_mode…`` function)."""
    return name in POLICY_APIS or "safe_mode" in name.lower()


#: Module prefixes (Keras family) whose every name is non-modelling (spec §9.3).
NON_MODELING_MODULES = (
    "keras.config",
    "keras.saving",
    "keras.src.saving",
    "keras.src.utils.file_utils",
    "keras.src.backend.config",
)

#: Last components of the non-modelling APIs: reached through any Keras family
#: module (``keras.src.utils.file_utils.get_file``) they are KF503 (spec §9.3).
NON_MODELING_NAMES = frozenset(api.rsplit(".", 1)[1] for api in NON_MODELING_APIS)

#: Packages that hold no model objects: frameworks and I/O packages (spec §9.2).
FRAMEWORK_PACKAGES = _words(
    "numpy scipy pandas tensorflow torch jax jaxlib h5py dill cloudpickle joblib requests "
    "urllib3 IPython"
)
#: The Python standard library: never a source of model objects (spec §9.2).
STDLIB_MODULES = frozenset(sys.stdlib_module_names) | {"builtins", "__main__"}

#: Python's builtin functions. ``{"module": "builtins", "class_name": "function",
#: "config": "exec"}`` is what Keras 3.0-3.8 resolved by importing ``builtins``
#: (CVE-2025-1550): kformat reports it as KF502, not as a mere custom object
#: (spec §9.2).
PYTHON_BUILTINS = frozenset(dir(builtins))

#: tf.keras ``TFOpLambda`` calls ``tf.<function>`` by name. Namespaces that do
#: file or Python I/O are refused (KF507, spec §9.6).
TF_OP_DENIED = frozenset(
    {
        "io",
        "gfile",
        "saved_model",
        "py_function",
        "numpy_function",
        "py_func",
        "raw_ops",
        "compat.v1.py_func",
        "compat.v1.io",
        "compat.v1.gfile",
        "debugging",
        "summary",
        "data",
        "audio",
        "image.decode_image",
    }
)

_CAMEL_RE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
#: A dotted Python identifier (spec §9.2: anything else is KF502).
MODULE_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def looks_like_class(name: str) -> bool:
    """``CamelCase`` (how every Keras class is named)."""
    return bool(_CAMEL_RE.match(name))
