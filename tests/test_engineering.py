"""Engineering of the core (issue 15): one device policy (proved on the ``meta`` device), the
eNTK's per-sample recipe and its implicit form, named errors for bad input, a diverging run that
keeps its lists in step, and the install files (lock, LICENSE, declared imports, ruff)."""
import ast
import importlib.metadata
import math
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse.linalg
import torch

from ntkbook import config, data, errors, kernels, metrics, models, training
from ntkbook.errors import (
    AssumptionError,
    DivergenceError,
    HyperparameterError,
    NonFiniteError,
    ShapeMismatchError,
)

ROOT = Path(__file__).resolve().parent.parent
CPU = torch.device("cpu")


# ---------------------------------------------------------------- device policy
def test_device_is_the_cpu_unless_ntkbook_device_says_otherwise(monkeypatch):
    monkeypatch.delenv("NTKBOOK_DEVICE", raising=False)
    assert config.device() == CPU
    monkeypatch.setenv("NTKBOOK_DEVICE", "meta")
    assert config.device() == torch.device("meta")
    monkeypatch.setenv("NTKBOOK_DEVICE", "no-such-device")
    with pytest.raises(ValueError, match="NTKBOOK_DEVICE"):
        config.device()


def test_core_entry_points_put_cpu_data_on_the_parameters_device(monkeypatch):
    """With NTKBOOK_DEVICE=meta (a device that is not the CPU, carrying shapes but no numbers) the
    parameters are made on meta; data made on the CPU goes in unchanged and every output lives on
    meta — what a CUDA run needs, checked without a GPU."""
    monkeypatch.setenv("NTKBOOK_DEVICE", "meta")
    meta = torch.device("meta")
    X, y = data.sphere(6, 3, seed=0), data.labels(6, seed=1)
    assert X.device == CPU
    net = models.TwoLayerReLU()
    p = net.init(10, 3, seed=0)
    assert {v.device for v in p.values()} == {meta}
    outputs = {
        "TwoLayerReLU.forward": net.forward(p, X),
        "TwoLayerReLU.loss": net.loss(p, X, y),
        "TwoLayerReLU.grad_W": net.grad_W(p, X, y),
        "gram": kernels.gram(X, p["W"]),
        "gram(a)": kernels.gram(X.numpy(), p["W"], a=p["a"]),
        "feature_gram": kernels.feature_gram(X, p["W"]),
        "activation_pattern": kernels.activation_pattern(X, p["W"]),
        "empirical_ntk": kernels.empirical_ntk(net.forward, p, X, trainable=["W"], chunk=4),
        "ntk_vp": kernels.ntk_vp(net.forward, p, X, torch.ones(6), trainable=["W"]),
    }
    loss = lambda q: net.loss(q, X, y)  # noqa: E731
    for name, tr in {
        "gradient_descent": training.gradient_descent(loss, p, 0.1, 3, trainable=("W",)),
        "gradient_flow": training.gradient_flow(loss, p, 0.2, 0.1, trainable=("W",)),
        "nesterov": training.nesterov(loss, p, 0.1, 0.5, 3, trainable=("W",)),
    }.items():
        outputs[name] = tr.params["W"]
        assert len(tr.loss) == len(tr.steps) and not tr.diverged
    deep = models.DeepReLU([3, 5, 4, 2])
    q = deep.init(seed=0)
    Y = data.labels(6, seed=2, outputs=2)
    outputs["DeepReLU.forward"] = deep.forward(q, X)
    outputs["DeepReLU.loss"] = deep.loss(q, X, Y)
    s = models.SharedTwoLayer.init(3, 8, 2, seed=0)
    outputs["SharedTwoLayer.loss"] = models.SharedTwoLayer().loss(s, X, Y)
    lin = models.LinearNet.init(3, 4, 2, seed=0)
    outputs["LinearNet.forward"] = models.LinearNet.forward(lin, X)
    wrong = {name: out.device for name, out in outputs.items() if out.device != meta}
    assert not wrong, f"outputs not on the parameters' device: {wrong}"
    assert outputs["empirical_ntk"].shape == (6, 6)


def test_explicit_device_argument_wins(monkeypatch):
    monkeypatch.setenv("NTKBOOK_DEVICE", "meta")
    p = models.TwoLayerReLU.init(5, 3, seed=0, dev=CPU)
    X = data.sphere(4, 3, seed=1)
    assert p["W"].device == CPU and kernels.gram(X, p["W"]).device == CPU
    assert metrics.pattern_change_fraction(X.numpy(), p)(p, 0) == 0.0


# ---------------------------------------------------------------- eNTK
def whole_batch_ntk(forward, params, X, trainable):
    """The old reference: jacrev of the whole batch output (memory O(N²·n·P))."""
    fixed = {k: v for k, v in params.items() if k not in trainable}
    sub = {k: params[k] for k in trainable}
    jac = torch.func.jacrev(lambda p: forward({**fixed, **p}, X).reshape(-1))(sub)
    return sum(J.reshape(J.shape[0], -1) @ J.reshape(J.shape[0], -1).T for J in jac.values())


@pytest.mark.parametrize("chunk", [None, 1, 2, 3, 9])
def test_per_sample_entk_matches_the_whole_batch_jacobian(chunk):
    X = data.sphere(9, 5, seed=0)
    deep = models.DeepReLU([5, 7, 6, 3])
    q = deep.init(seed=0, dev=CPU)
    K = kernels.empirical_ntk(deep.forward, q, X, chunk=chunk)
    assert K.shape == (27, 27) and K.dtype == torch.float64
    ref = whole_batch_ntk(deep.forward, q, X, list(q))
    assert torch.allclose(K, ref, rtol=0, atol=1e-12)
    assert torch.equal(K, K.T) or torch.allclose(K, K.T, rtol=0, atol=1e-14)
    s = models.SharedTwoLayer.init(5, 8, 2, seed=1, dev=CPU)
    KV = kernels.empirical_ntk(models.SharedTwoLayer.forward, s, X, trainable=["V"], chunk=chunk)
    assert torch.allclose(KV, whole_batch_ntk(models.SharedTwoLayer.forward, s, X, ["V"]),
                          rtol=0, atol=1e-12)


def test_entk_chunks_follow_the_memory_budget(monkeypatch):
    X = data.sphere(8, 4, seed=0)
    net = models.TwoLayerReLU()
    p = net.init(16, 4, seed=1, dev=CPU)
    full = kernels.empirical_ntk(net.forward, p, X, trainable=["W"])
    monkeypatch.setattr(kernels, "ENTK_CHUNK_BYTES", 3 * 16 * 4 * 8)    # 3 samples per chunk
    calls = []
    real = torch.func.vmap

    def counting_vmap(fn, *a, **k):
        batched = real(fn, *a, **k)

        def wrapper(params, xs):
            calls.append(xs.shape[0])
            return batched(params, xs)
        return wrapper
    monkeypatch.setattr(torch.func, "vmap", counting_vmap)
    chunked = kernels.empirical_ntk(net.forward, p, X, trainable=["W"])
    assert max(calls) == 3 and torch.allclose(chunked, full, rtol=0, atol=1e-14)
    assert torch.allclose(full, kernels.gram(X, p["W"]), rtol=0, atol=1e-13)
    with pytest.raises(ValueError, match="chunk"):
        kernels.empirical_ntk(net.forward, p, X, chunk=0)


def test_implicit_ntk_vector_products():
    X = data.sphere(7, 4, seed=0)
    deep = models.DeepReLU([4, 6, 5, 2])
    q = deep.init(seed=3, dev=CPU)
    K = kernels.empirical_ntk(deep.forward, q, X)
    V = torch.randn(14, 3, dtype=torch.float64, generator=config.generator(4))
    assert torch.allclose(kernels.ntk_vp(deep.forward, q, X, V[:, 0]), K @ V[:, 0], atol=1e-12)
    assert torch.allclose(kernels.ntk_vp(deep.forward, q, X, V), K @ V, atol=1e-12)
    op = kernels.ntk_operator(deep.forward, q, X, trainable=["W2"])
    K2 = kernels.empirical_ntk(deep.forward, q, X, trainable=["W2"])
    top = scipy.sparse.linalg.eigsh(op, k=1, which="LA")[0][0]
    assert top == pytest.approx(kernels.lambda_max(K2), rel=1e-9)
    with pytest.raises(AssumptionError, match="N·n rows"):
        kernels.ntk_vp(deep.forward, q, X, torch.ones(5))


# ---------------------------------------------------------------- named errors
def test_nan_in_gram_is_a_named_error():
    X = data.sphere(5, 3, seed=0)
    W = models.TwoLayerReLU.init(8, 3, seed=1, dev=CPU)["W"]
    nan_row = X.clone().index_fill_(0, torch.tensor([2]), math.nan)
    inf_row = W.clone().index_fill_(0, torch.tensor([0]), math.inf)
    nan_a = torch.full((8,), math.nan, dtype=torch.float64)
    for bad_X, bad_W, a, name in ((nan_row, W, None, "X"), (X, inf_row, None, "W"),
                                  (X, W, nan_a, "a")):
        with pytest.raises(NonFiniteError, match=f"{name} contains NaN or inf") as info:
            kernels.gram(bad_X, bad_W, a=a)
        assert isinstance(info.value, AssumptionError) and info.value.name == name
    with pytest.raises(NonFiniteError):
        data.check_finite(np.array([1.0, np.nan]))


def test_labels_shaped_n_by_1_against_outputs_n_are_a_named_error():
    net = models.TwoLayerReLU()
    X, y = data.sphere(6, 3, seed=0), data.labels(6, seed=1)
    p = net.init(10, 3, seed=2, dev=CPU)
    with pytest.raises(ShapeMismatchError, match=r"expected shape \(6,\), got \(6, 1\)"):
        net.loss(p, X, y[:, None])
    with pytest.raises(ShapeMismatchError, match="one label per input"):
        net.grad_W(p, X, y[:, None])
    assert torch.isfinite(net.loss(p, X, y))
    deep = models.DeepReLU([3, 5, 1])
    q = deep.init(seed=0, dev=CPU)
    with pytest.raises(ShapeMismatchError, match=r"\(6, 1\), got \(6,\)"):
        deep.loss(q, X, y)
    s = models.SharedTwoLayer.init(3, 4, 2, seed=0, dev=CPU)
    with pytest.raises(ShapeMismatchError):
        models.SharedTwoLayer().loss(s, X, data.labels(6, seed=1, outputs=3))


def quadratic(scale=1.0):
    A = torch.diag(torch.tensor([1.0, scale], dtype=torch.float64))
    return lambda p: 0.5 * p["x"] @ A @ p["x"]


X0 = {"x": torch.ones(2, dtype=torch.float64)}


@pytest.mark.parametrize("kwargs, name", [
    ({"eta": 0.0}, "eta"), ({"eta": -0.1}, "eta"), ({"eta": math.nan}, "eta"),
    ({"steps": -1}, "steps"), ({"steps": 2.5}, "steps"), ({"every": 0}, "every"),
    ({"on_divergence": "ignore"}, "on_divergence"),
])
def test_gd_rejects_bad_settings_by_name(kwargs, name):
    args = {"eta": 0.1, "steps": 3} | kwargs
    with pytest.raises(HyperparameterError, match=f"^{name} = ") as info:
        training.gradient_descent(quadratic(), X0, **args)
    assert info.value.name == name and isinstance(info.value, ValueError)


def test_adaptive_step_flow_and_nesterov_settings():
    with pytest.raises(HyperparameterError, match=r"eta\(k=2\)"):
        training.gradient_descent(quadratic(), X0, lambda k, p, g: 0.1 if k < 2 else 0.0, 5)
    for bad in ({"dt": 0.0}, {"dt": -1.0}, {"every": 0}, {"t_max": -1.0}):
        with pytest.raises(HyperparameterError):
            training.gradient_flow(quadratic(), X0, **({"t_max": 1.0, "dt": 0.1} | bad))
    for bad in ({"eta": 0}, {"steps": -2}, {"every": 0}, {"beta": 1.0}, {"beta": -0.1}):
        with pytest.raises(HyperparameterError):
            training.nesterov(quadratic(), X0, **({"eta": 0.1, "beta": 0.5, "steps": 3} | bad))


@pytest.mark.parametrize("run", ["gd", "flow", "nesterov"])
def test_a_diverging_run_keeps_its_lists_in_step(run):
    f = quadratic(1e3)
    rec = {"x0": lambda p, k: float(p["x"][0])}
    go = {"gd": lambda **kw: training.gradient_descent(f, X0, 1.0, 500, record=rec, every=3,
                                                       keep_params=True, **kw),
          "flow": lambda **kw: training.gradient_flow(f, X0, 50.0, 0.1, record=rec, every=3,
                                                      method="euler", **kw),
          "nesterov": lambda **kw: training.nesterov(f, X0, 1.0, 0.5, 500, record=rec, every=3,
                                                     **kw)}[run]
    tr = go()
    assert tr.diverged
    assert len(tr.steps) == len(tr.loss) == len(tr.metrics["x0"])
    assert not math.isfinite(tr.loss[-1]) and math.isnan(tr.metrics["x0"][-1])
    assert all(math.isfinite(v) for v in tr.loss[:-1])
    if tr.history is not None:
        assert len(tr.history) == len(tr.steps)
    with pytest.raises(DivergenceError, match=f"at step {tr.steps[-1]}") as info:
        go(on_divergence="raise")
    assert isinstance(info.value, ArithmeticError) and info.value.trajectory.diverged
    assert info.value.step == tr.steps[-1]


def test_errors_keep_their_builtin_bases():
    assert issubclass(errors.NonFiniteError, ValueError)
    assert issubclass(errors.ShapeMismatchError, AssumptionError)
    assert issubclass(errors.HyperparameterError, ValueError)
    assert issubclass(errors.DivergenceError, ArithmeticError)


# ---------------------------------------------------------------- install files
def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _declared() -> set:
    project = _pyproject()["project"]
    deps = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        deps += extra
    return {re.split(r"[<>=!~ \[;]", d.strip())[0].lower().replace("_", "-") for d in deps}


def test_every_third_party_import_is_declared():
    files = [*ROOT.glob("ntkbook/**/*.py"), *ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py"),
             ROOT / "conftest.py"]
    dists = importlib.metadata.packages_distributions()
    declared = _declared()
    missing = {}
    for f in files:
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                local = (f.parent / f"{top}.py").exists()            # e.g. benchmarks/entk_scale
                if top in sys.stdlib_module_names or top == "ntkbook" or local:
                    continue
                names = {d.lower().replace("_", "-") for d in dists.get(top, [top])}
                if not names & declared:
                    missing.setdefault(top, set()).add(str(f.relative_to(ROOT)))
    assert not missing, f"imports not declared in pyproject.toml: {missing}"


def test_python_floor_license_and_ruff_config():
    project = _pyproject()["project"]
    assert project["requires-python"] == ">=3.11"       # tomllib in the tests
    assert project["license"] == "MIT"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "Copyright (c) 2026 The ntkbook authors" in text
    ruff = _pyproject()["tool"]["ruff"]
    assert ruff["line-length"] == 100 and set(ruff["lint"]["select"]) == {"F", "I"}
    assert "cluster" in project["optional-dependencies"]


def test_the_lock_pins_the_whole_stack_and_make_uses_it():
    lock = {}
    for line in (ROOT / "constraints-lock.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version and "+" not in version, line        # exact, no local label (+cpu)
            lock[name.lower().replace("_", "-")] = version
    assert "ntkbook" not in lock
    assert not _declared() - set(lock), f"declared but not locked: {_declared() - set(lock)}"
    torch_pin = re.search(r"^torch==(\S+)", (ROOT / "constraints.txt").read_text(), re.M).group(1)
    assert lock["torch"] == torch_pin
    make = (ROOT / "Makefile").read_text()
    installs = [ln for ln in make.splitlines()
                if "$(PIP) install" in ln and "upgrade pip" not in ln]
    assert installs and all("-c $(LOCK)" in ln for ln in installs), installs
    assert "LOCK    := constraints-lock.txt" in make and re.search(r"^lock:", make, re.M)
    assert re.search(r"^TORCH_INDEX_URL \?=", make, re.M)
    assert not re.search(r"^export\s+MPLBACKEND", make, re.M)
    assert "TORCH_INDEX_URL" in (ROOT / "README.md").read_text()


def test_kernel_config_drops_only_the_tcp_warning(tmp_path):
    import logging

    path = Path(config.quiet_kernel_transport_warning(str(tmp_path)))
    assert path == tmp_path / "etc" / "ipython" / "ipython_kernel_config.py"

    class Config:
        class IPKernelApp:
            logging_config = None
    scope = {"c": Config}
    exec(path.read_text(), scope)
    drop = Config.IPKernelApp.logging_config["filters"]["ntkbook_no_tcp_warning"]["()"]()
    def rec(msg):
        return logging.LogRecord("IPKernelApp", logging.WARNING, "", 0, msg, (), None)
    assert not drop.filter(rec("Kernel is running over TCP without encryption. All ..."))
    assert drop.filter(rec("something else"))
    assert config.quiet_kernel_transport_warning(str(tmp_path)) == str(path)   # ours: rewritten
    path.write_text("c.Foo = 1\n")
    assert config.quiet_kernel_transport_warning(str(tmp_path)) is None       # theirs: kept
    assert path.read_text() == "c.Foo = 1\n"


# ---------------------------------------------------------------- a fresh clone
@pytest.mark.slow
def test_make_verify_on_a_fresh_clone(tmp_path):
    """`make verify` on a fresh clone (no `_build`): it executes a chapter, prints the ledger and
    writes `_build/ledger.json` inside the clone. The clone's own package is the one imported (the
    working directory comes before the editable install on sys.path); this environment's Python
    stands in for the `.venv` that `make` would create (`-o` keeps make from reinstalling)."""
    import json
    import shutil
    import subprocess

    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("needs git and make")
    clone = tmp_path / "ntkbook"
    subprocess.run(["git", "clone", "--quiet", "--depth", "1", f"file://{ROOT}", str(clone)],
                   check=True)
    assert not (clone / "_build").exists()
    stamp = ROOT / ".venv" / ".installed"
    run = subprocess.run(["make", "-o", str(stamp), "verify", "CHAPTER=foundations",
                          f"PY={sys.executable}", f"STAMP={stamp}"],
                         cwd=clone, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    ledger = json.loads((clone / "_build" / "ledger.json").read_text())
    records = ledger["claims"]
    assert records and all(r["id"].startswith("foundations.") for r in records)
    assert "kind" in run.stdout and "holds" in run.stdout
