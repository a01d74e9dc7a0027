"""The atlas's data: the unit sphere and two real data sets that ship with scikit-learn.

* ``sphere`` — :func:`ntkbook.data.sphere` rows (d = 16), as in the chapters;
* ``digits`` — :func:`sklearn.datasets.load_digits` (1797 × 64, 8×8 grey levels);
* ``cancer`` — :func:`sklearn.datasets.load_breast_cancer` (569 × 30).

Real rows are standardized (zero mean, unit variance per column over the *whole* data set;
constant pixel columns of ``digits`` are left at 0) and then scaled to the unit sphere, which is
what every theory of the atlas assumes (Du et al.: ``||x_i|| = 1``; Nguyen §3.2: ``||x_i|| = √d``,
the same up to the factor the initialization N(0, 1/d) absorbs). Binary labels are ±1: digits
"even vs odd", breast cancer "malignant vs benign"; :func:`one_hot` gives the vector outputs of
theories with several outputs. A subsample of size n is drawn without replacement by a recorded
``seed`` (:func:`subsample`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch

from .. import data
from ..config import DTYPE, to_numpy

__all__ = ["NAMES", "DIM", "Dataset", "load", "subsample", "one_hot"]

#: the data sets of the atlas, in display order
NAMES = ("sphere", "digits", "cancer")
#: the dimension of the synthetic sphere data
SPHERE_DIM = 16
#: rows of the synthetic pool (drawn once; subsamples are taken from it like from real data)
SPHERE_POOL = 2000
DIM = {"sphere": SPHERE_DIM, "digits": 64, "cancer": 30}


@dataclass(frozen=True)
class Dataset:
    """A data subsample: unit-norm rows ``X`` (n × d), ±1 labels ``y`` (n,), class ids
    ``classes`` (n,), the rows of the full data set it was drawn from and the drawing seed."""
    name: str
    X: torch.Tensor
    y: torch.Tensor
    classes: np.ndarray
    rows: np.ndarray
    seed: int

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    @property
    def d(self) -> int:
        return int(self.X.shape[1])


def standardize(A) -> np.ndarray:
    """Zero mean and unit variance per column (:class:`sklearn.preprocessing.StandardScaler`;
    a constant column stays 0)."""
    from sklearn.preprocessing import StandardScaler
    return StandardScaler().fit_transform(np.asarray(A, dtype=np.float64))


def to_sphere(A) -> np.ndarray:
    """Rows scaled to unit Euclidean norm (:func:`sklearn.preprocessing.normalize`); a zero row
    is refused by :func:`ntkbook.data.check_unit_norm` downstream."""
    from sklearn.preprocessing import normalize
    return normalize(np.asarray(A, dtype=np.float64))


@functools.lru_cache(maxsize=None)
def _full(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unit-norm rows, ±1 labels, class ids) of a whole data set."""
    if name == "sphere":
        X = to_numpy(data.sphere(SPHERE_POOL, SPHERE_DIM, seed=20260))
        classes = (to_numpy(data.labels(SPHERE_POOL, seed=20261, kind="sign")) > 0).astype(int)
        return X, 2.0 * classes - 1, classes
    from sklearn import datasets
    if name == "digits":
        raw = datasets.load_digits()
        classes = raw.target.astype(int)
        y = np.where(classes % 2 == 0, 1.0, -1.0)           # even vs odd digit
    elif name == "cancer":
        raw = datasets.load_breast_cancer()
        classes = raw.target.astype(int)
        y = np.where(classes == 0, 1.0, -1.0)               # malignant vs benign
    else:
        raise ValueError(f"unknown data set {name!r}: choose from {NAMES}")
    return to_sphere(standardize(raw.data)), y, classes


def load(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The whole data set ``name`` as (unit-norm rows, ±1 labels), float64."""
    X, y, _ = _full(name)
    return X.copy(), y.copy()


def subsample(name: str, n: int, seed: int) -> Dataset:
    """``n`` rows of ``name`` drawn without replacement with ``numpy.random.default_rng(seed)``,
    as float64 tensors; the drawn rows and the seed are recorded in the result."""
    X, y, classes = _full(name)
    if not 1 <= n <= X.shape[0]:
        raise ValueError(f"n must be in [1, {X.shape[0]}] for {name!r}, got {n}")
    rows = np.sort(np.random.default_rng(seed).choice(X.shape[0], size=n, replace=False))
    return Dataset(name, torch.as_tensor(X[rows], dtype=DTYPE),
                   torch.as_tensor(y[rows], dtype=DTYPE), classes[rows], rows, int(seed))


def one_hot(classes, k: int | None = None) -> torch.Tensor:
    """One-hot targets (n × k) for vector-output theories, centred to ±(1 − 1/k)-style rows are
    *not* used: plain 0/1 indicators, float64."""
    classes = np.asarray(classes, dtype=int)
    k = int(classes.max()) + 1 if k is None else int(k)
    return torch.as_tensor(np.eye(k)[classes], dtype=DTYPE)
