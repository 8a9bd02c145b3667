"""``Optimizer``: the base class of every optimizer (PyTorch's layout).

An optimizer holds

* ``param_groups``: a list of dicts, each with a ``"params"`` list of leaf tensors and
  the hyperparameters of that group (``"lr"``, ``"momentum"``...), so that different
  parts of a model can be trained with different settings;
* ``state``: a dict from a parameter to its own dict of buffers (``"step"``,
  ``"momentum_buffer"``, ``"exp_avg"``...), created the first time the parameter is
  updated.

``step()`` updates each parameter's array in place (no graph, no new parameter
array); the update rules themselves are the pure functions of
:mod:`reseau.optim.functional`.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any, Callable, Iterable

import numpy as np

from .. import backend
from ..autograd import enable_grad
from ..devices import CPU
from ..tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marker for a hyperparameter that has no default (PyTorch's ``required``)."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _set_message(name: str) -> str:
    return (f"{name}: parameters must be in an ordered collection (a list), not a set: "
            "the order of a set changes between runs, and the state_dict refers to "
            "parameters by position")


def _copy_value(value):
    """A copy of a state value that does not share memory with the original."""
    if isinstance(value, Tensor):
        return Tensor._make(value._array.copy())
    if isinstance(value, np.ndarray):
        return value.copy()
    return copy.deepcopy(value)


class Optimizer:
    """Base class of the optimizers.

    Parameters
    ----------
    params : iterable of Tensors, of (name, Tensor) pairs, or of dicts
        The leaf tensors to optimize (e.g. ``model.parameters()``), or parameter
        groups: dicts with a ``"params"`` entry and per-group hyperparameters that
        override ``defaults``.
    defaults : dict
        The default hyperparameters of every group.

    Subclasses define ``_update_group(group)``, which updates every parameter of one
    group that has a gradient, and may define ``_check_group(group)`` to validate the
    hyperparameters of each group.
    """

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params should be an iterable of Tensors or of dicts, but got a "
                f"single Tensor of shape {tuple(params.shape)}; wrap it in a list: [tensor]"
            )
        if isinstance(params, dict):
            raise TypeError(
                f"{name}: params should be an iterable of Tensors or of dicts, but got a "
                "dict (a state_dict?); pass model.parameters(), or a list of groups "
                "[{'params': ...}]"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(_set_message(name))
        try:
            groups = list(params)
        except TypeError:
            raise TypeError(
                f"{name}: params should be an iterable of Tensors or of dicts, but got "
                f"{type(params).__name__}"
            ) from None
        if not groups:
            raise ValueError(
                f"{name}: got an empty parameter list; does the model have parameters? "
                "(a generator such as model.parameters() is empty after its first use)"
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------ parameter groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters, with its own hyperparameters (missing ones take
        the optimizer's defaults). Useful to unfreeze layers while training."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}.add_param_group: expected a dict with a 'params' entry, got "
                f"{type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(
                f"{name}.add_param_group: the group has no 'params' entry (keys: "
                f"{sorted(param_group)}); expected {{'params': [...], 'lr': ...}}"
            )
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(_set_message(name))
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError(
                    f"{name}: give either all parameters with names, as (name, tensor) "
                    "pairs, or none"
                )
            params = [p[1] for p in params]
            group["param_names"] = names
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"{name}: can only optimize Tensors, but parameter {i} of the group "
                    f"is a {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: can't optimize a non-leaf Tensor (parameter {i}, shape "
                    f"{tuple(p.shape)}, computed by {p.grad_fn.op.name}); optimize the tensors "
                    "created with requires_grad=True it was computed from, or .detach() "
                    "it and call .requires_grad_()"
                )
        group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(
                    f"{name}: the parameter group does not give {key!r}, which has no "
                    "default; pass it to the optimizer or in the group"
                )
            group.setdefault(key, default)
        if self.param_groups and \
                ("param_names" in group) != ("param_names" in self.param_groups[0]):
            raise ValueError(
                f"{name}: all parameter groups should be with names or all without"
            )
        ids = [id(p) for p in params]
        id_set = set(ids)
        if len(id_set) != len(ids):
            dup = next(i for i, x in enumerate(ids) if ids.index(x) != i)
            raise ValueError(
                f"{name}: parameters {ids.index(ids[dup])} and {dup} of the group are the "
                "same tensor; it would be updated twice per step; list each parameter once"
            )
        for j, other in enumerate(self.param_groups):
            if any(id(p) in id_set for p in other["params"]):
                raise ValueError(
                    f"{name}: some parameters appear in more than one parameter group "
                    f"(the new group shares parameters with group {j}); each parameter "
                    "must belong to exactly one group"
                )
        self._check_group(group)
        self.param_groups.append(group)

    def _check_group(self, group: dict[str, Any]) -> None:
        """Validate the hyperparameters of a group (subclasses raise ValueError)."""

    # ------------------------------------------------------------------ stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients: ``p.grad = None`` (the default, which also skips the
        parameter at the next step if it gets no gradient), or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                grad = p._grad  # the slot: no property call per parameter
                if grad is not None:
                    if set_to_none:
                        p._grad = None
                    else:
                        grad._array[...] = 0

    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient, in place.

        ``closure``, if given, re-evaluates the model and returns the loss (it is
        called with gradients enabled, before the update); ``step`` returns that loss.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def _update_group(self, group: dict[str, Any]) -> None:
        raise NotImplementedError(
            f"{type(self).__name__} must define _update_group(group)"
        )

    @staticmethod
    def _params_with_grad(group: dict[str, Any]) -> Iterable[Tensor]:
        """The parameters of a group that have a gradient (the others are skipped)."""
        return (p for p in group["params"] if p.grad is not None)

    # ---------------------------------------------------------------- saving
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as a dict that refers to parameters by position.

        ``{"state": {index: {"step": ..., "exp_avg": Tensor...}}, "param_groups":
        [{"lr": ..., ..., "params": [index, ...]}]}``, where parameters are numbered
        in the order of the groups. Every array is copied, so the dict is a snapshot
        that later steps do not change.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {k: _copy_value(v) for k, v in s.items()}
            for p, s in self.state.items()
            if id(p) in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state saved by ``state_dict()`` into an optimizer built on the same
        parameters (same groups, same order): training then continues exactly as if
        it had not been interrupted. The hyperparameters of the groups are restored
        too (including a learning rate set by a scheduler)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups' "
                "entries, as returned by optimizer.state_dict()"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(saved_groups)} "
                f"parameter groups but this optimizer has {len(self.param_groups)}"
            )
        for i, (g, sg) in enumerate(zip(self.param_groups, saved_groups)):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {len(g['params'])} "
                    f"parameters but the saved group has {len(sg['params'])}; build the "
                    "optimizer on the same parameters as the saved one"
                )
        by_index = {
            idx: p
            for g, sg in zip(self.param_groups, saved_groups)
            for idx, p in zip(sg["params"], g["params"])
        }
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for idx, saved in state_dict["state"].items():
            if idx not in by_index:
                raise ValueError(
                    f"{name}.load_state_dict: the saved state refers to parameter {idx}, "
                    "which no saved parameter group lists"
                )
            p = by_index[idx]
            state[p] = {k: self._load_value(p, idx, k, v) for k, v in saved.items()}
        groups = []
        for g, sg in zip(self.param_groups, saved_groups):
            new = {k: copy.deepcopy(v) for k, v in sg.items() if k != "params"}
            if "param_names" in g and "param_names" not in new:
                new["param_names"] = g["param_names"]
            new["params"] = g["params"]
            groups.append(new)
        self.state = state
        self.param_groups = groups

    def _load_value(self, p: Tensor, idx: int, key: str, value):
        """Copy a saved state value, cast to the parameter's dtype and moved to its device
        (as PyTorch's; the step stays where it is), checking its shape."""
        if isinstance(value, (Tensor, np.ndarray)) or backend.device_of(value) != CPU:
            arr = value._array if isinstance(value, Tensor) else value
            if key != "step" and arr.ndim > 0 and arr.shape != p.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: state {key!r} of parameter "
                    f"{idx} has shape {arr.shape} but the parameter has shape {p._array.shape}; "
                    "the saved optimizer was built on different parameters"
                )
            if key != "step" and np.issubdtype(arr.dtype, np.floating):
                arr = arr.astype(p.dtype)
            return Tensor._make(backend.array(arr, device=None if key == "step" else p.device))
        return copy.deepcopy(value)

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"


def _check_non_negative(opt: str, group: dict[str, Any], *keys: str) -> None:
    """Raise ValueError if one of ``group[key]`` is negative (or not a number)."""
    for key in keys:
        value = group[key]
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise TypeError(f"{opt}: {key} must be a number, got {value!r}")
        if not value >= 0.0:  # also catches nan
            raise ValueError(
                f"{opt}: invalid {key} {value!r}; it must be >= 0"
                + (" (the step goes against the gradient already: no minus sign "
                   "needed; use maximize=True to ascend)" if key == "lr" else "")
            )
