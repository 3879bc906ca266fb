"""The demos' data: the chapter's synthetic regression, and Fashion-MNIST or scikit-learn's digits.

Classification inputs are scaled to [0, 1] and normalised with mean 0.5 and std 0.5, as in the
source (``ToTensor`` then ``Normalize(0.5, 0.5)``), flattened, float32; labels are int32.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import numpy_ref

from .idx import read_idx
from .sampling import normal, permutation

__all__ = [
    "FASHION_MNIST_ENV",
    "FASHION_MNIST_FILES",
    "Classification",
    "Regression",
    "load_classification",
    "load_digits",
    "load_fashion_mnist",
    "synthetic_regression",
]

FASHION_MNIST_ENV = "REGREF_FASHION_MNIST"
#: The four files of a Fashion-MNIST directory, each read as is or with a ``.gz`` suffix.
FASHION_MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}
DIGITS_TEST_FRACTION = 0.2
_DIGITS_SPLIT_KEY = np.array([0, 0x5D16], np.uint32)  # fixed: the split does not change with --seed


@dataclass(frozen=True)
class Regression:
    """``y = X w* + b* + ε``, train and test drawn separately; ``y`` has shape ``(n, 1)``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@dataclass(frozen=True)
class Classification:
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int = 10


def synthetic_regression(
    key: np.ndarray, num_inputs: int, n_train: int, n_test: int, *, true_w: float, true_b: float, noise: float
) -> Regression:
    """d2l's ``synthetic_data``: ``X ~ N(0, 1)``, ``ε ~ N(0, noise²)``, ``w* = true_w · 1``, ``b* = true_b``."""
    arrays = []
    for k, n in zip(numpy_ref.split(key, 2), (n_train, n_test)):
        k_x, k_eps = numpy_ref.split(k, 2)
        x = normal(k_x, (n, num_inputs))
        y = x @ np.full((num_inputs, 1), true_w, np.float32) + np.float32(true_b) + normal(k_eps, (n, 1), noise)
        arrays += [x, y.astype(np.float32)]
    return Regression(*arrays)


def _normalise(pixels: np.ndarray, max_value: float) -> np.ndarray:
    x = pixels.reshape(pixels.shape[0], -1).astype(np.float32) / np.float32(max_value)
    return (x - np.float32(0.5)) / np.float32(0.5)


def _find(directory: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (directory / name).is_file():
            return directory / name
    raise FileNotFoundError(f"{directory} has neither {stem} nor {stem}.gz (Fashion-MNIST IDX files)")


def load_fashion_mnist(directory: str | Path) -> Classification:
    """The four IDX files of Fashion-MNIST from ``directory`` (28×28 images → 784 inputs)."""
    arrays = {name: read_idx(_find(Path(directory), stem)) for name, stem in FASHION_MNIST_FILES.items()}
    for split in ("train", "test"):
        n_x, n_y = len(arrays[f"x_{split}"]), len(arrays[f"y_{split}"])
        if n_x != n_y:
            raise ValueError(f"{directory}: {n_x} {split} images but {n_y} {split} labels")
    return Classification(
        "Fashion-MNIST",
        _normalise(arrays["x_train"], 255.0),
        arrays["y_train"].astype(np.int32),
        _normalise(arrays["x_test"], 255.0),
        arrays["y_test"].astype(np.int32),
    )


def load_digits() -> Classification:
    """scikit-learn's 1,797 8×8 handwritten digits (pixels 0–16 → 64 inputs), a fixed 80/20 split."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    x, y = _normalise(digits.images, 16.0), digits.target.astype(np.int32)
    order = permutation(_DIGITS_SPLIT_KEY, len(y))
    n_test = round(DIGITS_TEST_FRACTION * len(y))
    test, train = order[:n_test], order[n_test:]
    return Classification("digits (scikit-learn)", x[train], y[train], x[test], y[test])


def load_classification(path: str | Path | None = None) -> Classification:
    """Fashion-MNIST from ``path`` or ``$REGREF_FASHION_MNIST`` when either is set, else the digits."""
    directory = path or os.environ.get(FASHION_MNIST_ENV)
    return load_fashion_mnist(directory) if directory else load_digits()
