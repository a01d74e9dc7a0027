"""Optimisers of the theory: gradient descent, gradient flow (RK4 or small Euler steps) and
Nesterov's accelerated gradient, on a loss closure ``loss(params) -> scalar``.

Metrics are recorded only when asked for (``record={name: fn(params, k)}``), so a plain run is
just the update loop.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch



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


def _record(traj: Trajectory, k: int, value, params: dict, record: dict | None, keep: bool):
    traj.steps.append(k)
    traj.loss.append(float(value))
    for name, fn in (record or {}).items():
        traj.metrics.setdefault(name, []).append(fn(params, k))
    if keep:
        traj.history.append(_detach(params))


def gradient_descent(loss: Callable, params: dict, eta, steps: int, trainable=None,
                     record: dict | None = None, every: int = 1, keep_params: bool = False,
                     grad: Callable | None = None, stop_below: float | None = None) -> Trajectory:
    """θ_{k+1} = θ_k − η_k ∇L(θ_k) for ``steps`` steps (Du et al. Sec. 4; Nguyen eq. (11)).

    ``eta`` is a float or a function ``eta(k, params, grads) -> float`` (adaptive steps).
    ``grad(params) -> {name: tensor}`` replaces autograd (e.g. Du et al.'s eq. (3) formula).
    Records loss and ``record`` metrics at steps 0, every, 2·every, …, and the final step.
    Stops early (and sets ``diverged``) if the loss becomes non-finite.
    """
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
        if not torch.isfinite(value):
            traj.diverged = True
            _record(traj, k, value, params, None, False)
            break
        if k % every == 0 or k == steps:
            _record(traj, k, value, params, record, keep_params)
        if k == steps or (stop_below is not None and float(value) <= stop_below):
            break
        step = eta(k, params, g) if callable(eta) else eta
        with torch.no_grad():
            for name in trainable:
                params[name] = params[name] - step * g[name]
    traj.params = params
    return traj


def gradient_flow(loss: Callable, params: dict, t_max: float, dt: float, trainable=None,
                  record: dict | None = None, every: int = 1, method: str = "rk4") -> Trajectory:
    """dθ/dt = −∇L(θ) integrated to ``t_max`` with step ``dt`` (classical RK4, or ``"euler"``,
    which is GD with η = dt). ``Trajectory.steps`` holds step indices; times are steps·dt."""
    if method not in ("rk4", "euler"):
        raise ValueError(f"unknown method {method!r}")
    trainable = tuple(trainable or params.keys())
    params = _detach(params)
    traj = Trajectory()
    n = int(round(t_max / dt))

    def shifted(k, h):
        return {name: (params[name] - h * k[name]) if name in trainable else params[name] for name in params}

    for step in range(n + 1):
        value, k1 = gradients(loss, params, trainable)
        if not torch.isfinite(value):
            traj.diverged = True
            break
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
             record: dict | None = None, every: int = 1, stop_below: float | None = None) -> Trajectory:
    """Nesterov's accelerated gradient with constant step and momentum (catalog U-4):
    θ_{t+1} = φ_t − η∇L(φ_t),  φ_{t+1} = θ_{t+1} + β(θ_{t+1} − θ_t),  φ_0 = θ_0.
    The recorded loss is L(θ_t)."""
    trainable = tuple(trainable or params.keys())
    theta = _detach(params)
    phi = _detach(params)
    traj = Trajectory()
    for k in range(steps + 1):
        if k % every == 0 or k == steps or stop_below is not None:
            with torch.no_grad():
                value = loss(theta)
            if not torch.isfinite(value):
                traj.diverged = True
                break
            if k % every == 0 or k == steps:
                _record(traj, k, value, theta, record, False)
            if stop_below is not None and float(value) <= stop_below:
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
