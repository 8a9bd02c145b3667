"""LeNet-5 and PyTorch's MNIST example network: parameter counts layer by layer, the
MODELS registry, and PyTorch's outputs and gradients from the same weights."""

import re

import numpy as np
import pytest

import reseau
from reseau import nn
from reseau.models import lenet5, mnist_net
from reseau.registry import MODELS


def counts(model):
    return {name: p.numel() for name, p in model.named_parameters()}


def test_lenet5_has_61706_parameters_layer_by_layer():
    c = counts(lenet5())
    assert c == {
        "0.weight": 6 * 1 * 5 * 5, "0.bias": 6,          # 156
        "3.weight": 16 * 6 * 5 * 5, "3.bias": 16,        # 2,416
        "7.weight": 120 * 400, "7.bias": 120,            # 48,120
        "9.weight": 84 * 120, "9.bias": 84,              # 10,164
        "11.weight": 10 * 84, "11.bias": 10,             # 850
    }
    assert sum(c.values()) == 156 + 2416 + 48120 + 10164 + 850 == 61706


def test_the_example_network_has_1199882_parameters():
    c = counts(mnist_net())
    assert c == {"0.weight": 32 * 9, "0.bias": 32, "2.weight": 64 * 32 * 9, "2.bias": 64,
                 "7.weight": 128 * 9216, "7.bias": 128, "10.weight": 10 * 128, "10.bias": 10}
    assert sum(c.values()) == 320 + 18496 + 1179776 + 1290 == 1199882


def test_variants_and_registry():
    assert MODELS.get("lenet5") is lenet5 and MODELS.get("mnist-net") is mnist_net
    assert MODELS.info("lenet5") == {"input_shape": (1, 28, 28)}
    paper = lenet5(activation="tanh", pool="avg")
    assert [type(m).__name__ for m in paper][:3] == ["Conv2d", "Tanh", "AvgPool2d"]
    # three input channels add 2 * 6 * 25 weights; 2 classes remove 8 * 84 + 8
    assert sum(counts(lenet5(num_classes=2, in_channels=3)).values()) == \
        61706 + 300 - 8 * 85
    with pytest.raises(ValueError, match="lenet5: pool must be 'max' or 'avg'"):
        lenet5(pool="min")
    with pytest.raises(ValueError, match="lenet5: unknown activation 'rleu'"):
        lenet5(activation="rleu")
    with pytest.raises(ValueError, match="mnist_net: num_classes must be at least 2"):
        mnist_net(num_classes=1)


@pytest.mark.parametrize("build", [lenet5, mnist_net])
def test_a_batch_of_digits_gives_ten_logits(build):
    reseau.manual_seed(0)
    out = build()(reseau.randn(3, 1, 28, 28))
    assert out.shape == (3, 10)


# ------------------------------------------------------------------ against PyTorch
def torch_lenet5(torch):
    tn = torch.nn
    return tn.Sequential(
        tn.Conv2d(1, 6, 5, padding=2), tn.ReLU(), tn.MaxPool2d(2),
        tn.Conv2d(6, 16, 5), tn.ReLU(), tn.MaxPool2d(2), tn.Flatten(),
        tn.Linear(400, 120), tn.ReLU(), tn.Linear(120, 84), tn.ReLU(), tn.Linear(84, 10))


def torch_mnist_net(torch):
    tn = torch.nn
    return tn.Sequential(
        tn.Conv2d(1, 32, 3), tn.ReLU(), tn.Conv2d(32, 64, 3), tn.ReLU(), tn.MaxPool2d(2),
        tn.Dropout(0.25), tn.Flatten(), tn.Linear(9216, 128), tn.ReLU(), tn.Dropout(0.5),
        tn.Linear(128, 10))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ours, theirs", [(lenet5, torch_lenet5),
                                          (mnist_net, torch_mnist_net)])
def test_outputs_and_gradients_equal_pytorchs(ours, theirs, dtype):
    torch = pytest.importorskip("torch")
    reseau.manual_seed(1)
    net = ours().to(dtype=np.dtype(dtype))
    ref = theirs(torch).to(getattr(torch, dtype))
    # the same layer indices in both Sequentials: the state_dict keys match
    assert set(net.state_dict()) == set(ref.state_dict())
    ref.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in net.state_dict().items()})
    net.eval(), ref.eval()  # dropout off in both: the same function
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 1, 28, 28)).astype(dtype)
    y = np.array([3, 1, 4, 1])
    xr = reseau.tensor(x, requires_grad=True)
    loss = nn.CrossEntropyLoss()(net(xr), reseau.tensor(y))
    loss.backward()
    xt = torch.tensor(x, requires_grad=True)
    out_t = ref(xt)
    loss_t = torch.nn.functional.cross_entropy(out_t, torch.tensor(y))
    loss_t.backward()
    tol = {"float32": dict(rtol=2e-4, atol=2e-5),
           "float64": dict(rtol=1e-10, atol=1e-12)}[dtype]
    np.testing.assert_allclose(net(reseau.tensor(x)).detach().numpy(), out_t.detach().numpy(),
                               **tol)
    assert loss.item() == pytest.approx(loss_t.item(), rel=tol["rtol"])
    np.testing.assert_allclose(xr.grad.numpy(), xt.grad.numpy(), **tol)
    grads = dict(ref.named_parameters())
    for name, p in net.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), grads[name].grad.numpy(), err_msg=name,
                                   **tol)


# ------------------------------------------------------------------ the guide
def test_the_guide_runs_and_prints_what_it_shows(run_doc, tmp_path, monkeypatch, capsys,
                                                 mnist_dir):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RESEAU_DATA", str(mnist_dir.parent))  # load_mnist reads the cache there
    ns, text = run_doc("cnn.md", min_blocks=7)
    out = capsys.readouterr().out
    fences = re.findall(r"^```(\w*)\n(.*?)^```$", text, re.S | re.M)
    shown = [body for lang, body in fences if not lang]  # the page's output blocks
    assert len(shown) == 4
    for block in shown:
        assert block in out, block[:80]
    acc = float(re.search(r"test accuracy after 1 epoch on 3000 digits: (\S+)%", out)[1])
    assert acc > 70
    for name in ("filters.png", "feature_maps.png"):
        assert (tmp_path / name).stat().st_size > 2000


@pytest.mark.parametrize("module", ["reseau.models.cnn", "reseau.viz.summary",
                                    "reseau.data.augmentation"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
