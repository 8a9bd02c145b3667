"""RNN, LSTM, GRU and their cells against PyTorch's given the same weights: outputs,
final states and every gradient (float64), PyTorch's parameter names and reprs; finite
differences through time."""

import numpy as np
import pytest

import reseau
from reseau import nn

RNG = np.random.default_rng(0)

CONFIGS = [
    ("RNN", {}), ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("RNN", {"bidirectional": True, "batch_first": True}),
    ("LSTM", {}), ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"bias": False, "batch_first": True}),
    ("GRU", {}), ("GRU", {"num_layers": 3, "batch_first": True, "bidirectional": True}),
]


def _pair(torch, name, **kwargs):
    theirs = getattr(torch.nn, name)(3, 4, **kwargs).double()
    ours = getattr(nn, name)(3, 4, **kwargs).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _flat(state):
    return list(state) if isinstance(state, tuple) else [state]


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}{k}" for n, k in CONFIGS])
@pytest.mark.parametrize("with_state", [False, True])
def test_sequence_layers_match_pytorch(name, kwargs, with_state):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, name, **kwargs)
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = RNG.standard_normal((2, 5, 3) if kwargs.get("batch_first") else (5, 2, 3))
    xs = [reseau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)]
    args = [[xs[0]], [xs[1]]]
    if with_state:
        count = kwargs.get("num_layers", 1) * (2 if kwargs.get("bidirectional") else 1)
        states = [RNG.standard_normal((count, 2, 4)) for _ in range(2 if name == "LSTM" else 1)]
        ours_state = [reseau.tensor(s, requires_grad=True) for s in states]
        theirs_state = [torch.tensor(s, requires_grad=True) for s in states]
        args[0].append(tuple(ours_state) if name == "LSTM" else ours_state[0])
        args[1].append(tuple(theirs_state) if name == "LSTM" else theirs_state[0])
    out, state = ours(*args[0])
    tout, tstate = theirs(*args[1])
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-13)
    for a, b in zip(_flat(state), _flat(tstate)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-13)
    v = RNG.standard_normal(out.shape)
    loss = (out * reseau.tensor(v)).sum() + sum(s.sum() for s in _flat(state))
    tloss = (tout * torch.tensor(v)).sum() + sum(s.sum() for s in _flat(tstate))
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(xs[0].grad.numpy(), xs[1].grad.numpy(), atol=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=1e-12)
    if with_state:
        for a, b in zip(ours_state, theirs_state):
            np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), atol=1e-12)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_pytorch_batched_and_unbatched(name):
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, name)(3, 4).double()
    ours = getattr(nn, name)(3, 4).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    for shape in ((2, 3), (3,)):
        x = RNG.standard_normal(shape)
        a, b = _flat(ours(reseau.tensor(x))), _flat(theirs(torch.tensor(x)))
        for u, w in zip(a, b):
            assert tuple(u.shape) == tuple(w.shape)
            np.testing.assert_allclose(u.detach().numpy(), w.detach().numpy(), atol=1e-14)


def test_unbatched_sequence_matches_pytorch():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, "GRU", num_layers=2)
    x = RNG.standard_normal((6, 3))
    (out, h), (tout, th) = ours(reseau.tensor(x)), theirs(torch.tensor(x))
    assert out.shape == (6, 4) and h.shape == (2, 4)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-13)
    np.testing.assert_allclose(h.detach().numpy(), th.detach().numpy(), atol=1e-13)


def test_backpropagation_through_time_passes_finite_differences():
    lstm = nn.LSTM(2, 3, num_layers=2).double()
    x = reseau.tensor(RNG.standard_normal((4, 1, 2)), requires_grad=True)
    assert reseau.gradcheck(lambda t: lstm(t)[0], [x])
    cell = nn.GRUCell(2, 3).double()
    assert reseau.gradcheck(lambda t: cell(t),
                            [reseau.tensor(RNG.standard_normal((2, 2)), requires_grad=True)])


def test_initialisation_is_uniform_in_one_over_sqrt_hidden():
    reseau.manual_seed(0)
    lstm = nn.LSTM(10, 25, num_layers=2)
    values = np.concatenate([p.detach().numpy().ravel() for p in lstm.parameters()])
    assert values.dtype == np.float32 and np.abs(values).max() <= 0.2
    assert np.abs(values).max() > 0.19 and abs(values.mean()) < 0.01


def test_reprs_and_errors():
    torch = pytest.importorskip("torch")
    for expr in ("RNN(10, 20, 2, nonlinearity='relu', bias=False, dropout=0.1)",
                 "RNNCell(3, 4, nonlinearity='relu', bias=False)", "GRUCell(3, 4, bias=False)"):
        assert repr(eval("nn." + expr)) == repr(eval("torch.nn." + expr))
    with pytest.raises(ValueError, match="nonlinearity must be 'tanh' or 'relu'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"expected an input of shape \(L, N, 3\)"):
        nn.LSTM(3, 4)(reseau.ones(2, 2, 5))
    with pytest.raises(ValueError, match=r"expected hidden state of shape \(1, 2, 4\)"):
        nn.GRU(3, 4)(reseau.ones(5, 2, 3), reseau.zeros(2, 2, 4))
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(3, 4, proj_size=2)


def test_dropout_between_layers_only_in_training():
    rnn = nn.RNN(3, 4, num_layers=2, dropout=0.5).double()
    x = reseau.tensor(RNG.standard_normal((5, 2, 3)))
    rnn.eval()
    first, second = rnn(x)[0], rnn(x)[0]
    assert first.tolist() == second.tolist()
    rnn.train()
    reseau.manual_seed(1)
    a = rnn(x)[0]
    reseau.manual_seed(2)
    b = rnn(x)[0]
    assert a.tolist() != b.tolist()
