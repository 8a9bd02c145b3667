"""ParameterList and ParameterDict: registration, names, state_dict keys and repr as
PyTorch's (its dtype names spelt reseau.), training through an optimizer."""

import numpy as np
import pytest

import reseau
from reseau import nn, optim


def _build(lib):
    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.ws = lib.nn.ParameterList([lib.nn.Parameter(lib.ones(3, 2)),
                                            lib.nn.Parameter(lib.zeros(4, dtype=lib.float64))])
            self.named = lib.nn.ParameterDict({"scale": lib.nn.Parameter(lib.ones(2))})
            self.fc = lib.nn.Linear(2, 1)

    return Net()


def test_names_state_dict_and_repr_are_pytorchs():
    torch = pytest.importorskip("torch")
    ours, theirs = _build(reseau), _build(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()] \
        == ["ws.0", "ws.1", "named.scale", "fc.weight", "fc.bias"]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs).replace("torch.", "reseau.")


def test_list_and_dict_behave_as_containers():
    ps = nn.ParameterList()
    ps.append(reseau.ones(2))  # a tensor is wrapped in a Parameter
    ps += [nn.Parameter(reseau.zeros(3))]
    assert len(ps) == 2 and isinstance(ps[0], nn.Parameter) and ps[-1].shape == (3,)
    assert [p.shape for p in ps] == [(2,), (3,)] and len(ps[:1]) == 1
    pd = nn.ParameterDict({"a": nn.Parameter(reseau.ones(1))})
    pd["b"] = reseau.zeros(2)
    assert list(pd) == ["a", "b"] and isinstance(pd["b"], nn.Parameter)
    assert pd.pop("a").tolist() == [1.0] and list(pd.keys()) == ["b"]
    with pytest.raises(KeyError, match="ParameterDict has no key 'z'"):
        pd["z"]


def test_parameters_in_containers_are_trained():
    net = _build(reseau)
    opt = optim.SGD(net.parameters(), lr=0.5)
    (net.ws[0].sum() + net.named["scale"].sum()).backward()
    opt.step()
    np.testing.assert_array_equal(net.ws[0].detach().numpy(), np.full((3, 2), 0.5, np.float32))
    assert net.named["scale"].tolist() == [0.5, 0.5]
