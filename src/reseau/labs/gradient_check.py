r"""Lab ``gradient-check`` (seed 004, "gradient check"): backprop against central
finite differences,

    dL/dθ_i ≈ (L(θ + ε e_i) - L(θ - ε e_i)) / (2 ε),

on an MLP: the relative error per parameter tensor in float64, how the error moves
with ε in float32 and float64, and a planted bug that the check finds.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..autograd import no_grad
from ..backend import manual_seed
from ..creation import tensor
from ..gradcheck import central_difference
from ..gradcheck_module import gradcheck_module
from .registry import LabConfig, register
from .report import Report, fmt, new_figure, sci

SIZES = [4, 8, 8, 3]


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||a - b|| / max(||a||, ||b||)``, the measure of ``gradcheck_module``."""
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return float(np.linalg.norm(a - b) / scale) if scale > 0 else 0.0


def _net(dtype: str, state=None) -> nn.Module:
    net = nn.MLP(SIZES, activation="tanh", dtype=dtype)
    if state is not None:
        net.load_state_dict(state)  # cast to the network's dtype
    return net


def finite_differences(net, loss_fn, x, y, eps: float) -> np.ndarray:
    """Every partial derivative of the loss by central differences, in the dtype of
    the network's parameters (float32 stays float32: that is the point)."""
    def loss():
        with no_grad():
            return loss_fn(net(x), y)._array

    return np.concatenate([central_difference(loss, p._array, eps)
                           for p in net.parameters()])


def backprop(net, loss_fn, x, y) -> np.ndarray:
    net.zero_grad()
    loss_fn(net(x), y).backward()
    return np.concatenate([p.grad._array.reshape(-1).astype(np.float64)
                           for p in net.parameters()])


def _hand_gradients(W1, b1, W2, b2, x, y, bug: bool) -> dict:
    """Backprop of ``softmax(W2 tanh(W1 x + b1) + b2)`` written by hand (seed 003);
    with ``bug`` the derivative of tanh is forgotten, a classic slip."""
    hs = np.tanh(x @ W1.T + b1)
    oa = hs @ W2.T + b2
    os = np.exp(oa - oa.max(1, keepdims=True))
    os /= os.sum(1, keepdims=True)
    g = os.copy()
    g[np.arange(len(y)), y] -= 1.0
    g /= len(y)
    grad_hs = g @ W2
    grad_ha = grad_hs if bug else grad_hs * (1.0 - hs ** 2)
    return {"W1": grad_ha.T @ x, "b1": grad_ha.sum(0), "W2": g.T @ hs, "b2": g.sum(0)}


def _planted_bug(report: Report, x: np.ndarray, y: np.ndarray, seed: int) -> dict:
    manual_seed(seed)
    net = nn.MLP([SIZES[0], 8, SIZES[-1]], activation="tanh", dtype="float64")
    W1, b1, W2, b2 = (p._array for p in net.parameters())
    names = {"0.weight": "W1", "0.bias": "b1", "2.weight": "W2", "2.bias": "b2"}
    loss_fn = nn.CrossEntropyLoss()
    numeric = {}
    flat = finite_differences(net, loss_fn, tensor(x), tensor(y), 1e-6)
    offset = 0
    for name, p in net.named_parameters():
        numeric[names[name]] = flat[offset:offset + p._array.size].reshape(p.shape)
        offset += p._array.size
    out = {}
    for bug in (False, True):
        grads = _hand_gradients(W1, b1, W2, b2, x, y, bug)
        out["buggy" if bug else "correct"] = {
            k: relative_error(grads[k].ravel(), numeric[k].ravel()) for k in grads}
    report.heading("A planted bug")
    report.text("""
        The backprop of a one-hidden-layer tanh network written by hand (seed 003's
        formulas), once correctly and once with a classic slip: the derivative of tanh
        forgotten (``grad_ha = grad_hs`` instead of ``grad_hs * (1 - hs**2)``). Relative
        error against finite differences (float64, ε = 1e-6):""")
    report.table(["parameter", "correct backprop", "tanh' forgotten"],
                 [[k, sci(out["correct"][k]), sci(out["buggy"][k])] for k in out["correct"]])
    report.text("""
        The output layer's gradients are untouched by the slip and still agree; the
        hidden layer's are off by a large relative error: the check both detects the
        bug and says where it is.""")
    return out


@register("gradient-check", "Gradient checking",
          "Finite differences against backprop on an MLP: relative errors in float32 and "
          "float64, how they move with eps, and a planted bug found.", "seed 004")
def run(report: Report, config: LabConfig) -> None:
    rng = np.random.default_rng(config.seed)
    batch = 16
    x = rng.normal(size=(batch, SIZES[0]))
    y = rng.integers(0, SIZES[-1], size=batch)
    loss_fn = nn.CrossEntropyLoss()
    manual_seed(config.seed)
    state = _net("float64").state_dict()
    n_params = sum(v.numel() for v in state.values())

    report.heading("Per parameter tensor, in float64")
    report.text(f"""
        An MLP {'-'.join(map(str, SIZES))} with tanh hidden units and a softmax
        cross-entropy loss, on a batch of {batch} random inputs ({n_params} parameters).
        ``reseau.gradcheck_module`` compares each parameter's gradient from
        ``backward()`` with central differences (ε = 1e-6) in float64.""")
    per_tensor = gradcheck_module(_net("float64", state), loss_fn, tensor(x), tensor(y),
                                  verbose=False)
    report.table(["parameter", "relative error"],
                 [[name, sci(err)] for name, err in per_tensor.items()])

    eps_values = [10.0 ** -k for k in range(1, 13)]  # cheap: the same in --quick
    sweep = {}
    for dtype in ("float32", "float64"):
        net = _net(dtype, state)
        xt, yt = tensor(x.astype(dtype)), tensor(y)
        analytic = backprop(net, loss_fn, xt, yt)
        sweep[dtype] = [relative_error(analytic, finite_differences(net, loss_fn, xt, yt, e))
                        for e in eps_values]
    best = {d: eps_values[int(np.argmin(errs))] for d, errs in sweep.items()}
    report.heading("The error against ε, in float32 and float64")
    report.text("""
        The whole gradient (every parameter) by backprop and by central differences,
        both computed in the same precision. Two errors pull in opposite directions:
        the truncation error of the formula shrinks like ε², while the rounding error
        of ``L(θ + ε) - L(θ - ε)`` grows like u |L| / ε, with u the unit roundoff
        (6e-8 in float32, 1.1e-16 in float64). The best ε sits near u^(1/3): about 4e-3
        in float32 and 5e-6 in float64.""")
    report.table(["ε", "relative error, float32", "relative error, float64"],
                 [[fmt(e), sci(a), sci(b)] for e, a, b in
                  zip(eps_values, sweep["float32"], sweep["float64"])])
    low = {d: min(errs) for d, errs in sweep.items()}
    report.text(f"""
        Best: {sci(low['float64'])} at ε = {fmt(best['float64'])} in float64, but only
        {sci(low['float32'])} at ε = {fmt(best['float32'])} in float32. Checking
        gradients in float32 cannot tell a small bug from rounding: run the check in
        float64 (as ``reseau.gradcheck`` and ``gradcheck_module`` do), where a relative
        error below about 1e-7 means the backprop is right.""")
    fig, axes = new_figure(1, 1, size=(6.0, 4.0))
    ax = axes[0, 0]
    for dtype, marker in (("float32", "o"), ("float64", "s")):
        ax.loglog(eps_values, np.maximum(sweep[dtype], 1e-18), marker=marker, label=dtype)
    ax.set(xlabel="ε", ylabel="relative error", title="Finite differences against backprop")
    ax.invert_xaxis()
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    report.figure(fig, "error_vs_eps", "Relative error of central differences against "
                  "backprop as ε shrinks: a V whose bottom is far lower in float64.")

    bug = _planted_bug(report, x, y, config.seed)
    report.results.update(per_tensor=per_tensor, eps=eps_values, sweep=sweep,
                          best_eps=best, best_error=low, planted_bug=bug,
                          n_params=n_params)
    report.headline = (f"Best relative error {sci(low['float64'])} in float64 (ε = "
                       f"{fmt(best['float64'])}), {sci(low['float32'])} in float32 (ε = "
                       f"{fmt(best['float32'])}); the planted bug shows up at "
                       f"{sci(max(bug['buggy'].values()))}.")
