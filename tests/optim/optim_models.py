"""A small two-layer MLP written with raw tensors, trained identically in reseau and in
PyTorch: the oracle for the optimizer trajectories.

The model is ``logits = relu(x W1^T + b1) W2^T + b2`` on 16 examples of 5 features and
3 classes; the loss is the cross-entropy (or the MSE against one-hot targets). A fifth
parameter, ``unused``, never gets a gradient: optimizers must skip it. The same network
is also built from nn modules (``build_net``), with a frozen bias and an unused layer.
Every reseau run checks that each step updated the parameter arrays in place.
"""

from __future__ import annotations

import numpy as np

import reseau
from reseau.ops.nn import cross_entropy, linear

NAMES = ("W1", "b1", "W2", "b2", "unused")


def initial_arrays(dtype, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    arrays = {
        "X": rng.normal(size=(16, 5)),
        "W1": rng.normal(scale=0.5, size=(8, 5)),
        "b1": rng.normal(scale=0.1, size=8),
        "W2": rng.normal(scale=0.5, size=(3, 8)),
        "b2": rng.normal(scale=0.1, size=3),
        "unused": rng.normal(size=(2, 2)),
    }
    arrays = {k: v.astype(dtype) for k, v in arrays.items()}
    arrays["y"] = rng.integers(0, 3, size=16)
    return arrays


def loss_reseau(p: dict, X, y, loss: str):
    logits = linear(linear(X, p["W1"], p["b1"]).relu(), p["W2"], p["b2"])
    if loss == "ce":
        return cross_entropy(logits, y)
    onehot = reseau.tensor(np.eye(3, dtype=X.dtype)[y._array])
    return ((logits - onehot) ** 2).mean()


def loss_torch(torch, p: dict, X, y, loss: str):
    F = torch.nn.functional
    logits = F.linear(F.linear(X, p["W1"], p["b1"]).relu(), p["W2"], p["b2"])
    if loss == "ce":
        return F.cross_entropy(logits, y)
    return F.mse_loss(logits, F.one_hot(y, 3).to(X.dtype))


def _groups(params: dict, group_options):
    """All parameters in one list, or two groups (layer 1 + unused, layer 2) with the
    per-group options ``group_options = (options1, options2)``."""
    if group_options is None:
        return [params[n] for n in NAMES]
    first, second = group_options
    return [dict(params=[params["W1"], params["b1"], params["unused"]], **first),
            dict(params=[params["W2"], params["b2"]], **second)]


def train_reseau(opt_name: str, options: dict, dtype, steps: int = 50, loss: str = "ce",
                 group_options=None, seed: int = 0) -> dict[str, np.ndarray]:
    a = initial_arrays(dtype, seed)
    params = {n: reseau.tensor(a[n], requires_grad=True) for n in NAMES}
    X, y = reseau.tensor(a["X"]), reseau.tensor(a["y"])
    opt = getattr(reseau.optim, opt_name)(_groups(params, group_options), **options)
    arrays = {n: p._array for n, p in params.items()}
    for _ in range(steps):
        opt.zero_grad()
        loss_reseau(params, X, y, loss).backward()
        opt.step()
        assert_same_arrays(params, arrays)
    return {n: p._array.copy() for n, p in params.items()}


def assert_same_arrays(params: dict, arrays: dict) -> None:
    """The step updated each parameter's array in place (no new array per step)."""
    for n, p in params.items():
        assert p._array is arrays[n], f"{n}: the step replaced the parameter's array"


def train_torch(torch, opt_name: str, options: dict, dtype, steps: int = 50,
                loss: str = "ce", group_options=None, seed: int = 0) -> dict[str, np.ndarray]:
    a = initial_arrays(dtype, seed)
    params = {n: torch.tensor(a[n], requires_grad=True) for n in NAMES}
    X, y = torch.tensor(a["X"]), torch.tensor(a["y"])
    opt = getattr(torch.optim, opt_name)(_groups(params, group_options), **options)
    for _ in range(steps):
        opt.zero_grad()
        loss_torch(torch, params, X, y, loss).backward()
        opt.step()
    return {n: p.detach().numpy().copy() for n, p in params.items()}


def tolerance(dtype) -> float:
    return 1e-5 if np.dtype(dtype) == np.float32 else 1e-10


# ------------------------------------------------------------------ with nn modules
def build_net(nn, dtype):
    """The same MLP as nn modules, ``Linear(5, 8) -> ReLU -> Linear(8, 3)``, plus a
    layer ``unused`` that the forward pass never calls; the bias of the first layer is
    frozen (``requires_grad_(False)``). Neither gets a gradient, so neither may move.
    ``nn`` is ``reseau.nn`` or ``torch.nn``."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(5, 8, dtype=dtype), nn.ReLU(),
                                      nn.Linear(8, 3, dtype=dtype))
            self.unused = nn.Linear(2, 2, dtype=dtype)

        def forward(self, x):
            return self.body(x)

    return Net()


def module_arrays(a: dict) -> dict[str, np.ndarray]:
    """The initial arrays under the names of ``build_net(...).named_parameters()``."""
    return {"body.0.weight": a["W1"], "body.0.bias": a["b1"], "body.2.weight": a["W2"],
            "body.2.bias": a["b2"], "unused.weight": a["unused"],
            "unused.bias": np.ascontiguousarray(a["unused"][0])}


def _module_groups(model, group_options):
    if group_options is None:
        return model.parameters()
    first, second = group_options
    return [dict(params=list(model.body[0].parameters()) + list(model.unused.parameters()),
                 **first),
            dict(params=model.body[2].parameters(), **second)]


def train_reseau_module(opt_name: str, options: dict, dtype, steps: int = 50,
                        group_options=None, seed: int = 0) -> dict[str, np.ndarray]:
    """``train_reseau`` with ``reseau.nn`` modules and ``nn.CrossEntropyLoss``; returns
    the parameters under their ``named_parameters`` names."""
    a = initial_arrays(dtype, seed)
    model = build_net(reseau.nn, dtype)
    start = module_arrays(a)
    with reseau.no_grad():
        for name, p in model.named_parameters():
            p._array[...] = start[name]
    model.body[0].bias.requires_grad_(False)
    X, y = reseau.tensor(a["X"]), reseau.tensor(a["y"])
    loss_fn = reseau.nn.CrossEntropyLoss()
    opt = getattr(reseau.optim, opt_name)(_module_groups(model, group_options), **options)
    params = dict(model.named_parameters())
    arrays = {n: p._array for n, p in params.items()}
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(X), y).backward()
        opt.step()
        assert_same_arrays(params, arrays)
    return {n: p._array.copy() for n, p in params.items()}


def train_torch_module(torch, opt_name: str, options: dict, dtype, steps: int = 50,
                       group_options=None, seed: int = 0) -> dict[str, np.ndarray]:
    a = initial_arrays(dtype, seed)
    model = build_net(torch.nn, torch.from_numpy(a["X"]).dtype)
    start = module_arrays(a)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.from_numpy(start[name]))
    model.body[0].bias.requires_grad_(False)
    X, y = torch.tensor(a["X"]), torch.tensor(a["y"])
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = getattr(torch.optim, opt_name)(_module_groups(model, group_options), **options)
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(X), y).backward()
        opt.step()
    return {n: p.detach().numpy().copy() for n, p in model.named_parameters()}
