"""Numerical conventions shared by every chapter.

* every inequality is checked in float64 (``DTYPE``);
* every random draw takes an explicit seed (:func:`generator`);
* one knob, the environment variable ``NTKBOOK_SCALE``, scales every chapter:
  ``NTKBOOK_SCALE=small`` (the default, what CI runs) or ``NTKBOOK_SCALE=full``
  (paper-scale sizes, for readers with time or a GPU). Notebooks choose their
  sizes with :func:`pick`. ``NTKBOOK_FULL`` runs single pages at full scale without the whole
  book: a comma-separated list of pages, e.g. ``NTKBOOK_FULL=du2019/07_figure1`` (pages that pass
  ``page=`` to :func:`pick`).
* ``NTKBOOK_DEVICE`` chooses the torch device (:func:`device`): the CPU unless it says otherwise,
  e.g. ``NTKBOOK_DEVICE=cuda`` (or ``cuda:1``, ``mps``) for a GPU. A GPU is never picked up
  silently, so a run is reproducible bit for bit on the machine that made it. Every public entry
  point of the core (:func:`ntkbook.kernels.gram`, :func:`ntkbook.kernels.empirical_ntk`, the
  models' ``forward``/``loss``, :mod:`ntkbook.training`) moves its data to the device of the
  parameters it is given, so data made on the CPU (:mod:`ntkbook.data`) can be used as is.
  ``NTKBOOK_DEVICE=meta`` (shapes and devices without numbers) is what the tests use to check this
  on a machine without a GPU.
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


def full_pages() -> tuple[str, ...]:
    """The pages run at full scale on their own, from ``NTKBOOK_FULL`` (``chapter/page`` names)."""
    value = os.environ.get("NTKBOOK_FULL", "")
    return tuple(sorted(p.strip().strip("/") for p in value.split(",") if p.strip()))


def pick(small, full, page: str | None = None):
    """Return ``small`` by default and ``full`` when ``NTKBOOK_SCALE=full`` — or when ``page``
    (``"chapter/page"``, e.g. ``"du2019/07_figure1"``) is listed in ``NTKBOOK_FULL``."""
    if scale() == "full" or (page is not None and page.strip("/") in full_pages()):
        return full
    return small


def device() -> torch.device:
    """The torch device: ``NTKBOOK_DEVICE`` if set (``cuda``, ``cuda:1``, ``mps``, ``meta``, …),
    else the CPU. A GPU is used only when asked for."""
    forced = os.environ.get("NTKBOOK_DEVICE", "").strip()
    if not forced:
        return torch.device("cpu")
    try:
        return torch.device(forced)
    except RuntimeError as exc:
        raise ValueError(f"NTKBOOK_DEVICE must name a torch device, got {forced!r}") from exc


def device_of(params) -> torch.device:
    """The device of the parameters: the first tensor of a dict (or sequence) of tensors, or of
    a tensor; the CPU when there is none."""
    if isinstance(params, torch.Tensor):
        return params.device
    values = params.values() if isinstance(params, dict) else params
    for v in values:
        if isinstance(v, torch.Tensor):
            return v.device
    return torch.device("cpu")


def on_device(x, dev: torch.device, dtype: torch.dtype | None = DTYPE) -> torch.Tensor:
    """``x`` (tensor, array or list) as a tensor on ``dev``; no copy when it is already there with
    that dtype (``dtype=None`` keeps a tensor's dtype)."""
    if isinstance(x, torch.Tensor):
        return x.to(device=dev, dtype=dtype or x.dtype)
    return torch.as_tensor(np.asarray(x), dtype=dtype, device=dev)


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
    """Run torch — and numpy's BLAS/OpenMP pools, through threadpoolctl — with :func:`threads`
    threads inside the block or decorated function, and restore the previous settings afterwards
    (nesting-safe). Loops of small SVDs and products only lose time to idle threads spinning."""

    def __init__(self):
        self._saved: list = []

    def __enter__(self):
        import threadpoolctl

        limits = threadpoolctl.threadpool_limits(limits=threads())
        self._saved.append((torch.get_num_threads(), limits))
        torch.set_num_threads(threads())
        return self

    def __exit__(self, *exc):
        n, limits = self._saved.pop()
        torch.set_num_threads(n)
        limits.restore_original_limits()
        return False


_KERNEL_CONFIG_MARK = "# ntkbook: drop ipykernel's TCP-transport warning"
_KERNEL_CONFIG = _KERNEL_CONFIG_MARK + '''
# Written by `make install` (ntkbook.config.quiet_kernel_transport_warning). The notebook
# kernels are local, started by nbclient for one notebook each; ipykernel's "Kernel is running over TCP without
# encryption" line, printed by every kernel, buried the progress of `make verify` and `make book`.
# Only that line is dropped; every other kernel log line is kept. Delete this file to see it again.
import logging


class _DropTCPWarning(logging.Filter):
    def filter(self, record):
        return "running over TCP without encryption" not in record.getMessage()


c.IPKernelApp.logging_config = {  # noqa: F821 (c is IPython's config object)
    "filters": {"ntkbook_no_tcp_warning": {"()": _DropTCPWarning}},
    "handlers": {"console": {"filters": ["ntkbook_no_tcp_warning"]}},
}
'''


def quiet_kernel_transport_warning(prefix: str | None = None) -> str | None:
    """Write ``<prefix>/etc/ipython/ipython_kernel_config.py`` (``prefix`` = this environment's
    ``sys.prefix``, i.e. the project's ``.venv``), which filters ipykernel's "running over TCP
    without encryption" warning out of the kernels' logs. An existing file that ntkbook did not
    write is left alone. Returns the path written, or None."""
    import sys
    from pathlib import Path

    path = Path(prefix or sys.prefix) / "etc" / "ipython" / "ipython_kernel_config.py"
    if path.exists() and not path.read_text().startswith(_KERNEL_CONFIG_MARK):
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_KERNEL_CONFIG)
    return str(path)
