"""The module system: registration by attribute, traversal, shared parameters,
modes, state_dict round trips and their errors, dtype conversion, the repr, and the
containers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import reseau
from reseau import nn

pytestmark = pytest.mark.nn


class TwoLayer(nn.Module):
    """Seed 002's network: o = W2 relu(W1 x + b1) + b2."""

    def __init__(self, d, d_h, m):
        super().__init__()
        self.fc1 = nn.Linear(d, d_h)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(d_h, m)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


# ----------------------------------------------------------------- registration
def test_attributes_register_parameters_modules_and_buffers_in_order():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(reseau.zeros(2, 2))
            self.sub = nn.Linear(2, 1)
            self.register_buffer("count", reseau.zeros(1))
            self.plain = 3

    m = M()
    assert list(m._parameters) == ["w"]
    assert list(m._modules) == ["sub"]
    assert list(m._buffers) == ["count"]
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    assert [n for n, _ in m.named_buffers()] == ["count"]
    assert list(m.buffers()) == [m.count]
    assert list(m.children()) == [m.sub] and list(m.modules()) == [m, m.sub]
    assert list(m.parameters()) == [m.w, m.sub.weight, m.sub.bias]
    assert m.plain == 3 and "plain" not in m._parameters
    # re-assigning a registered name with the wrong kind is refused
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'w'"):
        m.w = reseau.zeros(2, 2)
    with pytest.raises(TypeError, match="child module 'sub'"):
        m.sub = 5
    # None is allowed (e.g. removing a layer), and del removes the entry
    m.sub = None
    assert [n for n, _ in m.named_parameters()] == ["w"]
    del m.w
    assert list(m._parameters) == []


def test_parameter_shares_memory_and_requires_grad():
    t = reseau.zeros(3)
    p = nn.Parameter(t)
    assert p.requires_grad and isinstance(p, reseau.Tensor)
    t._array[0] = 5.0
    assert p._array[0] == 5.0
    assert repr(p).startswith("Parameter containing:\ntensor(")
    with pytest.raises(TypeError, match="expected a Tensor or a numpy.ndarray"):
        nn.Parameter([1.0, 2.0])


def test_assigning_before_super_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Bad()


def test_getattr_suggests_close_names():
    net = TwoLayer(2, 3, 1)
    with pytest.raises(AttributeError,
                       match=r"no attribute 'fc3'; did you mean 'fc[12]' or 'fc[12]'"):
        net.fc3
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'weigth'; did you "
                                             "mean 'weight'"):
        net.fc1.weigth


def test_plain_list_of_modules_warns():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2), nn.Linear(2, 2)]

    with pytest.warns(UserWarning, match=r"Net.layers is a plain list of Modules.*nn.ModuleList"):
        net = Net()
    assert list(net.parameters()) == []  # the bug the warning is about

    class Dict(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = {"a": nn.Linear(2, 2)}

    with pytest.warns(UserWarning, match=r"nn.ModuleDict"):
        Dict()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TwoLayer(2, 2, 2).sizes = [1, 2, 3]  # a list of numbers is fine


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(3, 3)
    net = nn.Sequential(shared, nn.ReLU(), shared)
    names = [n for n, _ in net.named_parameters()]
    assert names == ["0.weight", "0.bias"]
    assert len(list(net.modules())) == 3  # Sequential, Linear (once), ReLU
    # tied weights between two different layers
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.weight = a.weight
    tied = nn.Sequential(a, b)
    assert [n for n, _ in tied.named_parameters()] == ["0.weight", "0.bias", "1.bias"]
    # the state dict keeps every name, as in PyTorch
    assert list(tied.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]


def test_seed002_parameter_count():
    # n_theta = m + d_h + d_h * d + m * d_h for W1 (d_h, d), b1, W2 (m, d_h), b2
    for d, d_h, m in [(4, 10, 3), (784, 100, 10), (1, 1, 1)]:
        expected = m + d_h + d_h * d + m * d_h
        assert sum(p.numel() for p in TwoLayer(d, d_h, m).parameters()) == expected
        assert sum(p.numel() for p in nn.MLP([d, d_h, m]).parameters()) == expected


def test_children_modules_and_get_submodule():
    net = nn.Sequential(TwoLayer(2, 3, 1), nn.Tanh())
    assert [type(m).__name__ for m in net.children()] == ["TwoLayer", "Tanh"]
    assert [n for n, _ in net.named_modules()] == ["", "0", "0.fc1", "0.act", "0.fc2", "1"]
    assert net.get_submodule("0.fc2") is net[0].fc2
    assert net.get_parameter("0.fc1.bias") is net[0].fc1.bias
    with pytest.raises(AttributeError, match="has no sub-module 'fc9'"):
        net.get_submodule("0.fc9")


# ----------------------------------------------------------------- modes, grads, apply
def test_train_eval_propagate():
    net = nn.MLP([2, 4, 1], dropout=0.5)
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_requires_grad():
    net = TwoLayer(2, 3, 2)
    net(reseau.randn(4, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all((p.grad._array == 0).all() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.fc1.requires_grad_(False)
    net(reseau.randn(4, 2)).sum().backward()
    assert net.fc1.weight.grad is None and net.fc2.weight.grad is not None


def test_apply_visits_children_then_self():
    net = TwoLayer(2, 3, 1)
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "ReLU", "Linear", "TwoLayer"]

    def zero_linear(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    net.apply(zero_linear)
    assert (net.fc1.weight._array == 0).all() and (net.fc2.weight._array == 0).all()


def test_forward_missing_is_a_clear_error():
    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="NoForward has no forward"):
        NoForward()(reseau.zeros(1))


# ----------------------------------------------------------------- dtype
def test_double_and_float_convert_in_place():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    params = list(net.parameters())
    assert all(p.dtype == np.float32 for p in params)
    net.double()
    assert all(a is b for a, b in zip(net.parameters(), params))  # the same objects
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net[1].running_mean.dtype == np.float64
    assert net[1].num_batches_tracked.dtype == np.int64  # integer buffers stay integer
    assert net(reseau.randn(4, 2, dtype="float64")).dtype == np.float64
    net.to(reseau.float32)
    assert all(p.dtype == np.float32 for p in net.parameters())
    assert net.to("cpu") is net
    net.to(device="cpu", dtype=reseau.float64)
    assert net[0].weight.dtype == np.float64
    with pytest.raises(RuntimeError, match="device .cuda. is not available"):
        net.to("cuda")
    with pytest.raises(TypeError, match="only floating dtypes"):
        net.to(reseau.int64)


def test_default_dtype_float64_builds_float64_layers():
    reseau.set_default_dtype(reseau.float64)
    try:
        assert nn.Linear(2, 2).weight.dtype == np.float64
    finally:
        reseau.set_default_dtype(reseau.float32)
    assert nn.Linear(2, 2, dtype="float64").weight.dtype == np.float64


# ----------------------------------------------------------------- state_dict
def test_state_dict_holds_tensors_sharing_memory_by_dotted_name():
    net = nn.Sequential(TwoLayer(2, 3, 2), nn.BatchNorm1d(2))
    sd = net.state_dict()
    assert list(sd) == ["0.fc1.weight", "0.fc1.bias", "0.fc2.weight", "0.fc2.bias",
                        "1.weight", "1.bias", "1.running_mean", "1.running_var",
                        "1.num_batches_tracked"]
    assert all(type(v) is reseau.Tensor and not v.requires_grad for v in sd.values())
    sd["0.fc1.weight"].fill_(42.0)  # shared, as in PyTorch: the model sees it
    assert (net[0].fc1.weight._array == 42.0).all()


def test_state_dict_round_trip():
    reseau.manual_seed(1)
    src = TwoLayer(3, 4, 2)
    reseau.manual_seed(2)
    dst = TwoLayer(3, 4, 2)
    x = reseau.randn(5, 3)
    assert not np.allclose(src(x)._array, dst(x)._array)
    weight = dst.fc1.weight
    result = dst.load_state_dict(src.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(src(x)._array, dst(x)._array)
    assert dst.fc1.weight is weight  # loaded in place: an optimizer's references stay valid
    # tensors are accepted too, and values are cast to the parameter dtype
    dst.load_state_dict({k: v.double() for k, v in src.state_dict().items()})
    assert dst.fc1.weight.dtype == np.float32


def test_non_persistent_buffers_are_not_saved():
    m = nn.Module()
    m.register_buffer("cache", reseau.zeros(2), persistent=False)
    m.register_buffer("kept", reseau.zeros(2))
    assert list(m.state_dict()) == ["kept"]
    m.extra = nn.Buffer(reseau.ones(1), persistent=False)
    assert [n for n, _ in m.named_buffers()] == ["cache", "kept", "extra"]
    assert list(m.state_dict()) == ["kept"]


def test_load_into_another_shape_fails_clearly_and_changes_nothing():
    small, big = TwoLayer(2, 3, 1), TwoLayer(2, 5, 1)
    before = {k: v.clone() for k, v in big.state_dict().items()}
    with pytest.raises(nn.StateDictError) as err:
        big.load_state_dict(small.state_dict())
    msg = str(err.value)
    assert "Error(s) in loading state_dict for TwoLayer" in msg
    assert "size mismatch for 'fc1.weight': the checkpoint has shape (3, 2), the model has " \
           "(5, 2)" in msg
    assert "'fc2.weight'" in msg
    for k, v in big.state_dict().items():  # nothing half-loaded
        np.testing.assert_array_equal(v.numpy(), before[k].numpy())
    # it is both a ValueError and, as in PyTorch, a RuntimeError
    assert isinstance(err.value, ValueError) and isinstance(err.value, RuntimeError)


def test_missing_and_unexpected_keys():
    net = TwoLayer(2, 3, 1)
    sd = net.state_dict()
    sd["fc3.weight"] = np.zeros((1, 1))
    del sd["fc2.bias"]
    with pytest.raises(nn.StateDictError, match=r"unexpected key\(s\): 'fc3.weight'"):
        net.load_state_dict(sd)
    with pytest.raises(nn.StateDictError, match=r"missing key\(s\): 'fc2.bias'"):
        net.load_state_dict(sd)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["fc3.weight"]
    # shapes are checked even when not strict
    sd["fc1.bias"] = np.zeros(7)
    with pytest.raises(nn.StateDictError, match="size mismatch for 'fc1.bias'"):
        net.load_state_dict(sd, strict=False)
    with pytest.raises(TypeError, match="expected a dict of arrays"):
        net.load_state_dict([1, 2])


def test_state_dict_loads_into_torch_and_back():
    torch = pytest.importorskip("torch")
    ours = TwoLayer(3, 4, 2).double()
    theirs = torch.nn.Sequential()
    theirs.fc1 = torch.nn.Linear(3, 4, dtype=torch.float64)
    theirs.act = torch.nn.ReLU()
    theirs.fc2 = torch.nn.Linear(4, 2, dtype=torch.float64)
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in
                            ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 3))
    np.testing.assert_allclose(ours(reseau.tensor(x))._array,
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-12)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


# ----------------------------------------------------------------- repr
def test_repr_prints_the_tree_and_summary_adds_the_parameter_count():
    net = TwoLayer(2, 3, 1)
    tree = (
        "TwoLayer(\n"
        "  (fc1): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (act): ReLU()\n"
        "  (fc2): Linear(in_features=3, out_features=1, bias=True)\n"
        ")"
    )
    assert repr(net) == tree  # as PyTorch prints it: no count
    assert net.summary() == tree + "\nParameters: 13 (trainable: 13)"
    assert repr(net.summary()) == str(net.summary())  # shown as printed in a notebook
    nested = nn.Sequential(nn.Flatten(), nn.MLP([4, 2]))
    nested[1].requires_grad_(False)
    assert nested.summary() == (
        "Sequential(\n"
        "  (0): Flatten(start_dim=1, end_dim=-1)\n"
        "  (1): MLP(\n"
        "    (0): Linear(in_features=4, out_features=2, bias=True)\n"
        "  )\n"
        ")\n"
        "Parameters: 10 (trainable: 0)"
    )
    assert nn.Linear(2, 2).summary().endswith("\nParameters: 6 (trainable: 6)")
    assert repr(nn.Linear(2, 2, bias=False)) == "Linear(in_features=2, out_features=2, bias=False)"
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2, inplace=False)"


# ----------------------------------------------------------------- containers
def test_sequential_chains_indexes_and_slices():
    reseau.manual_seed(0)
    a, b, c = nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    x = reseau.randn(4, 2)
    np.testing.assert_array_equal(seq(x)._array, c(b(a(x)))._array)
    assert len(seq) == 3 and seq[0] is a and seq[-1] is c
    assert list(seq) == [a, b, c]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    seq.append(nn.Sigmoid())
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    del seq[1]
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2"] and seq[1] is c
    named = nn.Sequential({"enc": nn.Linear(2, 2), "act": nn.ReLU()})
    assert [n for n, _ in named.named_children()] == ["enc", "act"]
    with pytest.raises(IndexError, match="index 5 is out of range for 3 module"):
        seq[5]
    with pytest.raises(TypeError, match="argument 1 is a function, not a Module"):
        nn.Sequential(nn.Linear(2, 2), reseau.relu)


def test_module_list_registers_its_modules():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    s = Stack()
    assert len(list(s.parameters())) == 6
    assert [n for n, _ in s.named_parameters()][:2] == ["layers.0.weight", "layers.0.bias"]
    s.layers.append(nn.Linear(2, 2))
    s.layers.insert(0, nn.Linear(2, 2))
    assert len(s.layers) == 5 and [n for n, _ in s.layers.named_children()] == list("01234")
    assert s(reseau.randn(1, 2)).shape == (1, 2)
    with pytest.raises(NotImplementedError, match="ModuleList has no forward"):
        s.layers(reseau.randn(1, 2))
    with pytest.raises(TypeError, match="expected a Module"):
        s.layers.append(3)


def test_module_dict():
    heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 2)})
    assert list(heads) == ["cls", "box"] and "cls" in heads
    assert [n for n, _ in heads.named_parameters()] == ["cls.weight", "cls.bias", "box.weight",
                                                        "box.bias"]
    heads["extra"] = nn.Identity()
    assert len(heads) == 3
    assert isinstance(heads.pop("extra"), nn.Identity) and len(heads) == 2
    with pytest.raises(KeyError, match="ModuleDict has no key 'nope'"):
        heads["nope"]


def test_deepcopy_gives_an_independent_model():
    import copy

    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    twin = copy.deepcopy(net)
    assert twin[0].weight is not net[0].weight
    np.testing.assert_array_equal(twin[0].weight._array, net[0].weight._array)
    twin[0].weight._array[...] = 0
    twin[1].running_mean._array[...] = 5
    assert net[0].weight._array.any() and not net[1].running_mean._array.any()
    assert [n for n, _ in twin.named_parameters()] == [n for n, _ in net.named_parameters()]
