"""Recurrent layers with PyTorch's names, parameters and gate order: the cells
(``RNNCell``, ``LSTMCell``, ``GRUCell``: one time step) and the sequence layers
(``RNN``, ``LSTM``, ``GRU``: several layers, either direction, ``batch_first``,
dropout between layers). Each step is composed of ``linear``, ``sigmoid`` and ``tanh``,
so backpropagation through time is the engine's ordinary backward.

Gates, as PyTorch stacks them in ``weight_ih`` / ``weight_hh`` (rows):

- RNN: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (or relu);
- LSTM, rows (i, f, g, o): ``c' = f * c + i * g``, ``h' = o * tanh(c')``, with i, f, o
  sigmoids and g a tanh of ``W_ih x + b_ih + W_hh h + b_hh``;
- GRU, rows (r, z, n): ``r, z = sigmoid(W_i. x + b_i. + W_h. h + b_h.)``,
  ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.

Every weight and bias starts uniform in ``(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``,
drawn in the order of ``parameters()``, as in PyTorch.
"""

from __future__ import annotations

import math

import numpy as np

from .. import backend
from ..dtypes import dtype_or_default
from ..ops.activation import relu, sigmoid, tanh
from ..ops.nn import linear
from ..ops.shape import cat, stack
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU"]

_GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def _check_sizes(layer: str, input_size, hidden_size) -> None:
    for arg, v in (("input_size", input_size), ("hidden_size", hidden_size)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v <= 0:
            raise ValueError(f"{layer}: {arg} must be a positive int, got {v!r}")


def _rnn_step(x, h, w_ih, w_hh, b_ih, b_hh, act):
    return act(linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh))


def _lstm_step(x, state, w_ih, w_hh, b_ih, b_hh):
    h, c = state
    gates = linear(x, w_ih, b_ih) + linear(h, w_hh, b_hh)
    i, f, g, o = _split(gates, 4)
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c), c


def _gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    xr, xz, xn = _split(linear(x, w_ih, b_ih), 3)
    hr, hz, hn = _split(linear(h, w_hh, b_hh), 3)
    r = sigmoid(xr + hr)
    z = sigmoid(xz + hz)
    n = tanh(xn + r * hn)
    return (1 - z) * n + z * h


def _split(t: Tensor, k: int) -> list[Tensor]:
    """``k`` equal slices of the last dimension."""
    size = t.shape[-1] // k
    return [t[..., j * size:(j + 1) * size] for j in range(k)]


def _activation(nonlinearity: str, layer: str):
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{layer}: nonlinearity must be 'tanh' or 'relu', got "
                         f"{nonlinearity!r}")
    return tanh if nonlinearity == "tanh" else relu


class _CellBase(Module):
    """What the cells share: their four parameters, initialisation and repr."""

    _kind = "RNN"

    def __init__(self, input_size: int, hidden_size: int, bias: bool, dtype) -> None:
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, input_size, hidden_size)
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bias
        rows = _GATES[self._kind] * self.hidden_size
        dtype = dtype_or_default(dtype)
        self.weight_ih = Parameter(backend.empty((rows, self.input_size), dtype))
        self.weight_hh = Parameter(backend.empty((rows, self.hidden_size), dtype))
        if bias:
            self.bias_ih = Parameter(backend.empty((rows,), dtype))
            self.bias_hh = Parameter(backend.empty((rows,), dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self, generator=None) -> None:
        """Every parameter uniform in ``(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size else 0.0
        for p in self.parameters():
            init.uniform_(p, -bound, bound, generator=generator)

    def _prepare(self, input: Tensor, hx, n_states: int):
        """The input as a batch, the initial state(s) (zeros by default), and whether
        the input had no batch dimension."""
        name = type(self).__name__
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected an input of shape (N, {self.input_size}) or "
                             f"({self.input_size},), got {tuple(input.shape)}")
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        if hx is None:
            zero = Tensor._make(np.zeros_like(x._array, shape=(x.shape[0], self.hidden_size)))
            states = [zero] * n_states
        else:
            states = list(hx) if n_states > 1 else [hx]
            states = [s.unsqueeze(0) if unbatched else s for s in states]
        return x, states, unbatched

    def init_kwargs(self) -> dict:
        return {"input_size": self.input_size, "hidden_size": self.hidden_size,
                "bias": self.bias}

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class RNNCell(_CellBase):
    """One step of an Elman RNN: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)``
    (``nonlinearity="relu"`` for a relu). ``forward(input, hx=None)``: input (N, I) or
    (I,), ``hx`` (N, H) (zeros by default); returns h' (N, H).

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> cell = nn.RNNCell(3, 5)
    >>> tuple(cell(reseau.randn(2, 3)).shape)
    (2, 5)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None) -> None:
        self.nonlinearity = nonlinearity  # plain attributes may come before Module.__init__
        _activation(nonlinearity, "RNNCell")
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), unbatched = self._prepare(input, hx, 1)
        h = _rnn_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                      _activation(self.nonlinearity, "RNNCell"))
        return h.squeeze(0) if unbatched else h

    def init_kwargs(self) -> dict:
        return {**super().init_kwargs(), "nonlinearity": self.nonlinearity}


class LSTMCell(_CellBase):
    """One step of an LSTM: ``forward(input, (h, c)=None)`` returns ``(h', c')``, each
    (N, H); gates (i, f, g, o) as PyTorch."""

    _kind = "LSTM"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Tensor, hx=None):
        x, (h, c), unbatched = self._prepare(input, hx, 2)
        h, c = _lstm_step(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih,
                          self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(_CellBase):
    """One step of a GRU: ``forward(input, hx=None)`` returns h' (N, H); gates
    (r, z, n) as PyTorch."""

    _kind = "GRU"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, (h,), unbatched = self._prepare(input, hx, 1)
        h = _gru_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return h.squeeze(0) if unbatched else h


class _RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: the parameters of every layer and
    direction (PyTorch's names: ``weight_ih_l0``, ``bias_hh_l1_reverse``...), the loop
    over layers, directions and time steps."""

    _kind = "RNN"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None,
                 dtype=None) -> None:
        super().__init__()
        name = type(self).__name__
        _check_sizes(name, input_size, hidden_size)
        if not isinstance(num_layers, (int, np.integer)) or num_layers < 1:
            raise ValueError(f"{name}: num_layers must be a positive int, got {num_layers!r}")
        if not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] "
                             f"representing the probability of an element being zeroed, got "
                             f"{dropout!r}")
        if proj_size:
            raise NotImplementedError(f"{name}: proj_size is not implemented (got "
                                      f"{proj_size}); use proj_size=0")
        self.input_size, self.hidden_size = int(input_size), int(hidden_size)
        self.num_layers, self.bias, self.batch_first = int(num_layers), bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, 0
        rows = _GATES[self._kind] * self.hidden_size
        dtype = dtype_or_default(dtype)
        directions = 2 if bidirectional else 1
        for layer in range(self.num_layers):
            size = self.input_size if layer == 0 else self.hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = [("weight_ih", (rows, size)), ("weight_hh", (rows, self.hidden_size))]
                if bias:
                    shapes += [("bias_ih", (rows,)), ("bias_hh", (rows,))]
                for kind, shape in shapes:
                    self.register_parameter(f"{kind}_l{layer}{suffix}",
                                            Parameter(backend.empty(shape, dtype)))
        self.reset_parameters()

    def reset_parameters(self, generator=None) -> None:
        """Every parameter uniform in ``(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound, generator=generator)

    def _weights(self, layer: int, suffix: str):
        p = self._parameters
        return (p[f"weight_ih_l{layer}{suffix}"], p[f"weight_hh_l{layer}{suffix}"],
                p.get(f"bias_ih_l{layer}{suffix}"), p.get(f"bias_hh_l{layer}{suffix}"))

    def _step(self, x, state, weights):
        raise NotImplementedError

    def _states(self, hx, batch: int, like, unbatched: bool):
        """The initial states, one list per state kind (h, and c for an LSTM), of
        (N, H) tensors indexed by ``layer * directions + direction`` (zeros of the array
        ``like``'s dtype and device by default)."""
        count = self.num_layers * (2 if self.bidirectional else 1)
        kinds = 2 if self._kind == "LSTM" else 1
        if hx is None:
            zero = Tensor._make(np.zeros_like(like, shape=(batch, self.hidden_size)))
            return [[zero] * count for _ in range(kinds)]
        given = list(hx) if kinds == 2 else [hx]
        out = []
        for t in given:
            t = t.unsqueeze(1) if unbatched else t
            if tuple(t.shape) != (count, batch, self.hidden_size):
                raise ValueError(f"{type(self).__name__}: expected hidden state of shape "
                                 f"({count}, {batch}, {self.hidden_size}), got "
                                 f"{tuple(t.shape)}")
            out.append([t[k] for k in range(count)])
        return out

    def forward(self, input: Tensor, hx=None):
        name = type(self).__name__
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected an input of shape (L, N, {self.input_size}) "
                             f"(batch_first: (N, L, {self.input_size})) or (L, "
                             f"{self.input_size}), got {tuple(input.shape)}")
        unbatched = input.ndim == 2
        x = input.unsqueeze(1) if unbatched else (
            input.transpose(0, 1) if self.batch_first else input)
        steps, batch = x.shape[0], x.shape[1]
        states = self._states(hx, batch, x._array, unbatched)
        directions = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(("", "_reverse")[:directions]):
                k = layer * directions + d
                state = tuple(s[k] for s in states)
                state = state if len(state) > 1 else state[0]
                order = range(steps - 1, -1, -1) if d else range(steps)
                seq = [None] * steps
                weights = self._weights(layer, suffix)
                for t in order:
                    state = self._step(x[t], state, weights)
                    seq[t] = state[0] if isinstance(state, tuple) else state
                for kind, s in enumerate(state if isinstance(state, tuple) else (state,)):
                    finals[kind].append(s)
                outputs.append(stack(seq) if steps else x[:, :, :0])
            x = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        output = x.squeeze(1) if unbatched else (x.transpose(0, 1) if self.batch_first else x)
        last = [stack(f) for f in finals]
        if unbatched:
            last = [t.squeeze(1) for t in last]
        return output, (tuple(last) if len(last) > 1 else last[0])

    def init_kwargs(self) -> dict:
        return {"input_size": self.input_size, "hidden_size": self.hidden_size,
                "num_layers": self.num_layers, "bias": self.bias,
                "batch_first": self.batch_first, "dropout": self.dropout,
                "bidirectional": self.bidirectional}

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(_RNNBase):
    """A multi-layer Elman RNN (``nonlinearity`` "tanh" or "relu") over a sequence:
    ``forward(input, h0=None)`` with input (L, N, I) (``batch_first``: (N, L, I)) or
    (L, I) returns ``(output, h_n)``: output (L, N, D*H), the last layer's state at every
    step (D = 2 when bidirectional), and h_n (D*num_layers, N, H), every layer's last
    state.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> rnn = nn.RNN(3, 5, num_layers=2, batch_first=True)
    >>> out, h = rnn(reseau.randn(4, 7, 3))
    >>> tuple(out.shape), tuple(h.shape)
    ((4, 7, 5), (2, 4, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None) -> None:
        self.nonlinearity = nonlinearity  # plain attributes may come before Module.__init__
        self._act = _activation(nonlinearity, "RNN")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)

    def _step(self, x, h, weights):
        return _rnn_step(x, h, *weights, self._act)

    def init_kwargs(self) -> dict:
        return {**super().init_kwargs(), "nonlinearity": self.nonlinearity}


class LSTM(_RNNBase):
    """A multi-layer LSTM: ``forward(input, (h0, c0)=None)`` returns
    ``(output, (h_n, c_n))``, shapes as :class:`RNN` (c_n like h_n). ``proj_size`` is
    not implemented.

    Examples
    --------
    >>> import reseau
    >>> from reseau import nn
    >>> lstm = nn.LSTM(3, 5)
    >>> out, (h, c) = lstm(reseau.randn(7, 2, 3))
    >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
    ((7, 2, 5), (1, 2, 5), (1, 2, 5))
    """

    _kind = "LSTM"

    def _step(self, x, state, weights):
        return _lstm_step(x, state, *weights)


class GRU(_RNNBase):
    """A multi-layer GRU: ``forward(input, h0=None)`` returns ``(output, h_n)``, shapes
    as :class:`RNN`."""

    _kind = "GRU"

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)

    def _step(self, x, h, weights):
        return _gru_step(x, h, *weights)
