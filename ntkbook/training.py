"""Optimisers of the theory: gradient descent, gradient flow (RK4 or small Euler steps) and
Nesterov's accelerated gradient, on a loss closure ``loss(params) -> scalar``.

Metrics are recorded only when asked for (``record={name: fn(params, k)}``), so a plain run is
just the update loop.

Device policy: the iterates stay on the device of the parameters given (see :mod:`ntkbook.config`;
the models move their data there). On the ``meta`` device (shapes without numbers) the recorded
losses are NaN and no divergence or ``stop_below`` test is made.

Bad settings raise :class:`ntkbook.errors.HyperparameterError` (η ≤ 0 or not finite, a negative
number of steps, ``every`` < 1, dt ≤ 0, β outside [0, 1)). A run whose loss becomes non-finite stops
and sets ``Trajectory.diverged``; the diverging step is recorded in every list (``steps``,
``loss``, each metric as NaN, ``history``), so they stay in step. ``on_divergence="raise"`` raises
:class:`ntkbook.errors.DivergenceError` (carrying the trajectory) instead.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from .errors import DivergenceError, HyperparameterError

DIVERGENCE = ("flag", "raise")


@dataclass
class Trajectory:
    """What a run produced: the loss at every recorded step, the recorded metrics, the step
    indices, the final parameters and, if asked for, every parameter iterate."""
    steps: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    params: dict | None = None
    history: list | None = None
    diverged: bool = False

    def metric(self, name: str) -> np.ndarray:
        return np.asarray(self.metrics[name], dtype=np.float64)

    @property
    def losses(self) -> np.ndarray:
        return np.asarray(self.loss, dtype=np.float64)


def _detach(params: dict) -> dict:
    return {k: v.detach().clone() for k, v in params.items()}


def gradients(loss: Callable, params: dict, trainable) -> tuple[torch.Tensor, dict]:
    """(L(θ), {name: ∂L/∂name}) by torch autograd (σ'(0) = 0 for ReLU)."""
    p = {k: (v.detach().requires_grad_(k in trainable)) for k, v in params.items()}
    value = loss(p)
    grads = torch.autograd.grad(value, [p[k] for k in trainable])
    return value.detach(), dict(zip(trainable, grads))


def _is_meta(value: torch.Tensor) -> bool:
    return isinstance(value, torch.Tensor) and value.device.type == "meta"


def _finite(value) -> bool:
    """Whether the loss is finite (always True on the meta device, which carries no numbers)."""
    if _is_meta(value):
        return True
    return bool(torch.isfinite(torch.as_tensor(value)))


def _number(value) -> float:
    return math.nan if _is_meta(value) else float(value)


def _record(traj: Trajectory, k: int, value, params: dict, record: dict | None, keep: bool):
    traj.steps.append(k)
    traj.loss.append(_number(value))
    for name, fn in (record or {}).items():
        traj.metrics.setdefault(name, []).append(fn(params, k))
    if keep:
        traj.history.append(_detach(params))


def _diverge(traj: Trajectory, k: int, value, params: dict, record: dict | None, keep: bool,
             on_divergence: str) -> None:
    """Record the diverging step in every list (metrics as NaN: they are not evaluated at
    non-finite parameters), flag the run and raise if asked for."""
    traj.diverged = True
    traj.steps.append(k)
    traj.loss.append(_number(value))
    for name in (record or {}):
        traj.metrics.setdefault(name, []).append(math.nan)
    if keep:
        traj.history.append(_detach(params))
    traj.params = params
    if on_divergence == "raise":
        raise DivergenceError(k, _number(value), traj)


def _check_positive(name: str, value) -> None:
    try:
        ok = math.isfinite(float(value)) and float(value) > 0
    except (TypeError, ValueError, RuntimeError):
        ok = False
    if not ok:
        raise HyperparameterError(name, value, "a finite number > 0")


def _check_settings(steps=None, every=1, on_divergence="flag") -> None:
    if steps is not None and (isinstance(steps, bool) or not isinstance(steps, (int, np.integer))
                              or steps < 0):
        raise HyperparameterError("steps", steps, "an integer >= 0")
    if isinstance(every, bool) or not isinstance(every, (int, np.integer)) or every < 1:
        raise HyperparameterError("every", every, "an integer >= 1 (record every `every` steps)")
    if on_divergence not in DIVERGENCE:
        raise HyperparameterError("on_divergence", on_divergence, f"one of {DIVERGENCE}")


def gradient_descent(loss: Callable, params: dict, eta, steps: int, trainable=None,
                     record: dict | None = None, every: int = 1, keep_params: bool = False,
                     grad: Callable | None = None, stop_below: float | None = None,
                     on_divergence: str = "flag") -> Trajectory:
    """θ_{k+1} = θ_k − η_k ∇L(θ_k) for ``steps`` steps (Du et al. Sec. 4; Nguyen eq. (11)).

    ``eta`` is a float > 0 or a function ``eta(k, params, grads) -> float`` (adaptive steps; each
    value must be > 0 too). ``grad(params) -> {name: tensor}`` replaces autograd (e.g. Du et al.'s
    eq. (3) formula). Records loss and ``record`` metrics at steps 0, every, 2·every, …, and the
    final step. If the loss becomes non-finite the run stops, the diverging step is recorded (its
    metrics as NaN) and ``diverged`` is set; ``on_divergence="raise"`` raises
    :class:`ntkbook.errors.DivergenceError` instead.
    """
    _check_settings(steps, every, on_divergence)
    if not callable(eta):
        _check_positive("eta", eta)
    trainable = tuple(trainable or params.keys())
    params = _detach(params)
    traj = Trajectory(history=[] if keep_params else None)
    for k in range(steps + 1):
        if grad is None:
            value, g = gradients(loss, params, trainable)
        else:
            with torch.no_grad():
                value = loss(params)
            g = grad(params)
        if not _finite(value):
            _diverge(traj, k, value, params, record, keep_params, on_divergence)
            return traj
        if k % every == 0 or k == steps:
            _record(traj, k, value, params, record, keep_params)
        if k == steps or (stop_below is not None and _number(value) <= stop_below):
            break
        if callable(eta):
            step = eta(k, params, g)
            _check_positive(f"eta(k={k})", step)
        else:
            step = eta
        with torch.no_grad():
            for name in trainable:
                params[name] = params[name] - step * g[name]
    traj.params = params
    return traj


def gradient_flow(loss: Callable, params: dict, t_max: float, dt: float, trainable=None,
                  record: dict | None = None, every: int = 1, method: str = "rk4",
                  on_divergence: str = "flag") -> Trajectory:
    """dθ/dt = −∇L(θ) integrated to ``t_max`` with step ``dt`` (classical RK4, or ``"euler"``,
    which is GD with η = dt). ``Trajectory.steps`` holds step indices; times are steps·dt.
    Divergence as in :func:`gradient_descent`."""
    if method not in ("rk4", "euler"):
        raise ValueError(f"unknown method {method!r}")
    _check_settings(None, every, on_divergence)
    _check_positive("dt", dt)
    if not (math.isfinite(float(t_max)) and float(t_max) >= 0):
        raise HyperparameterError("t_max", t_max, "a finite time >= 0")
    trainable = tuple(trainable or params.keys())
    params = _detach(params)
    traj = Trajectory()
    n = int(round(t_max / dt))

    def shifted(k, h):
        return {name: (params[name] - h * k[name]) if name in trainable else params[name] for name in params}

    for step in range(n + 1):
        value, k1 = gradients(loss, params, trainable)
        if not _finite(value):
            _diverge(traj, step, value, params, record, False, on_divergence)
            return traj
        if step % every == 0 or step == n:
            _record(traj, step, value, params, record, False)
        if step == n:
            break
        if method == "euler":
            direction = k1
        else:
            _, k2 = gradients(loss, shifted(k1, dt / 2), trainable)
            _, k3 = gradients(loss, shifted(k2, dt / 2), trainable)
            _, k4 = gradients(loss, shifted(k3, dt), trainable)
            direction = {name: (k1[name] + 2 * k2[name] + 2 * k3[name] + k4[name]) / 6 for name in trainable}
        with torch.no_grad():
            params = shifted(direction, dt)
    traj.params = params
    return traj


def nesterov(loss: Callable, params: dict, eta: float, beta: float, steps: int, trainable=None,
             record: dict | None = None, every: int = 1, stop_below: float | None = None,
             on_divergence: str = "flag") -> Trajectory:
    """Nesterov's accelerated gradient with constant step and momentum (catalog U-4):
    θ_{t+1} = φ_t − η∇L(φ_t),  φ_{t+1} = θ_{t+1} + β(θ_{t+1} − θ_t),  φ_0 = θ_0.
    The recorded loss is L(θ_t). Divergence as in :func:`gradient_descent`."""
    _check_settings(steps, every, on_divergence)
    _check_positive("eta", eta)
    if not (math.isfinite(float(beta)) and 0 <= float(beta) < 1):
        raise HyperparameterError("beta", beta, "a momentum in [0, 1)")
    trainable = tuple(trainable or params.keys())
    theta = _detach(params)
    phi = _detach(params)
    traj = Trajectory()
    for k in range(steps + 1):
        if k % every == 0 or k == steps or stop_below is not None:
            with torch.no_grad():
                value = loss(theta)
            if not _finite(value):
                _diverge(traj, k, value, theta, record, False, on_divergence)
                return traj
            if k % every == 0 or k == steps:
                _record(traj, k, value, theta, record, False)
            if stop_below is not None and _number(value) <= stop_below:
                break
        if k == steps:
            break
        _, g = gradients(loss, phi, trainable)
        with torch.no_grad():
            new = {n: (phi[n] - eta * g[n]) if n in trainable else theta[n] for n in theta}
            phi = {n: (new[n] + beta * (new[n] - theta[n])) if n in trainable else new[n] for n in new}
            theta = new
    traj.params = theta
    return traj


def iterations_to(traj: Trajectory, eps: float) -> int | None:
    """First recorded step at which the loss is ≤ eps (None if never)."""
    for k, v in zip(traj.steps, traj.loss):
        if v <= eps:
            return k
    return None


def fitted_rate(losses, start: int = 0) -> float:
    """Per-step contraction factor ρ from a least-squares fit of log(loss_k) ≈ c + k·log ρ."""
    y = np.log(np.asarray(losses, dtype=np.float64)[start:])
    k = np.arange(y.size)
    slope = np.polyfit(k, y, 1)[0]
    return float(np.exp(slope))


def loglog_slope(x, y) -> float:
    """Least-squares slope of log y against log x (width sweeps)."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])
