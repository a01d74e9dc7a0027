"""Numerical conventions shared by every chapter.

* every inequality is checked in float64 (``DTYPE``);
* every random draw takes an explicit seed (:func:`generator`);
* one knob, the environment variable ``NTKBOOK_SCALE``, scales every chapter:
  ``NTKBOOK_SCALE=small`` (the default, what CI runs) or ``NTKBOOK_SCALE=full``
  (paper-scale sizes, for readers with time or a GPU). Notebooks choose their
  sizes with :func:`pick`.
* ``NTKBOOK_DEVICE`` forces a torch device; by default a GPU is used when torch sees one.
* ``NTKBOOK_THREADS`` (default 1) is the number of torch threads used for the loops of many tiny
  matrix products (:class:`ntkbook.config.few_threads`): there, intra-op threads only add overhead (3–50× slower
  with 2 threads on a loaded 2-core machine). Raise it for large ``NTKBOOK_SCALE=full`` runs.
"""
from __future__ import annotations

import contextlib
import os
import random

import numpy as np
import torch

DTYPE = torch.float64
SCALES = ("small", "full")


def scale() -> str:
    """The active size preset, from ``NTKBOOK_SCALE`` (``small`` or ``full``)."""
    value = os.environ.get("NTKBOOK_SCALE", "small").strip().lower() or "small"
    if value not in SCALES:
        raise ValueError(f"NTKBOOK_SCALE must be one of {SCALES}, got {value!r}")
    return value


def pick(small, full):
    """Return ``small`` by default and ``full`` when ``NTKBOOK_SCALE=full``."""
    return full if scale() == "full" else small


def device() -> torch.device:
    """The torch device: ``NTKBOOK_DEVICE`` if set, else CUDA when available, else CPU."""
    forced = os.environ.get("NTKBOOK_DEVICE")
    if forced:
        return torch.device(forced)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def generator(seed: int) -> torch.Generator:
    """A CPU torch generator with an explicit seed (draws are made on the CPU, then moved,
    so results do not depend on the device)."""
    if seed is None:
        raise ValueError("an explicit integer seed is required")
    g = torch.Generator(device="cpu")
    g.manual_seed(int(seed))
    return g


def seed_everything(seed: int) -> None:
    """Seed python, numpy and torch global generators (for code outside ntkbook)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def as_tensor(x, dev: torch.device | None = None) -> torch.Tensor:
    """Convert to a float64 tensor on ``dev`` (default :func:`device`)."""
    return torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x).to(
        dtype=DTYPE, device=dev or device())


def to_numpy(x) -> np.ndarray:
    """float64 numpy copy of a tensor or array."""
    if isinstance(x, torch.Tensor):
        return x.detach().to("cpu", DTYPE).numpy()
    return np.asarray(x, dtype=np.float64)


def threads() -> int:
    """Torch threads for loops of tiny matrix products: ``NTKBOOK_THREADS`` (default 1)."""
    value = os.environ.get("NTKBOOK_THREADS", "1").strip() or "1"
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"NTKBOOK_THREADS must be a positive integer, got {value!r}")
    return int(value)


class few_threads(contextlib.ContextDecorator):
    """Run torch with :func:`threads` intra-op threads inside the block or decorated function, and
    restore the previous setting afterwards (nesting-safe)."""

    def __init__(self):
        self._saved: list[int] = []

    def __enter__(self):
        self._saved.append(torch.get_num_threads())
        torch.set_num_threads(threads())
        return self

    def __exit__(self, *exc):
        torch.set_num_threads(self._saved.pop())
        return False
