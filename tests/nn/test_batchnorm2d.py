"""BatchNorm2d: PyTorch's outputs, gradients and running statistics over several
training steps, then in evaluation (momentum None included); its buffers, state_dict
keys, errors, finite differences and save / load."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
from reseau import io, nn
from reseau.nn import functional as F


def _pair(torch, c, dtype, **kw):
    ours = nn.BatchNorm2d(c, dtype=dtype, **kw)
    theirs = torch.nn.BatchNorm2d(c, dtype=getattr(torch, np.dtype(dtype).name), **kw)
    if ours.affine:  # the same non-trivial affine parameters on both sides
        rng = np.random.default_rng(5)
        w, b = rng.uniform(0.5, 1.5, c).astype(dtype), rng.standard_normal(c).astype(dtype)
        ours.weight._array[...], ours.bias._array[...] = w, b
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(w))
            theirs.bias.copy_(torch.from_numpy(b))
    return ours, theirs


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("kw", [
    {}, dict(momentum=None), dict(momentum=0.5, eps=1e-3), dict(affine=False),
    dict(track_running_stats=False), dict(momentum=None, affine=False),
], ids=["default", "momentum_none", "momentum0.5", "no_affine", "no_running", "none_noaff"])
def test_train_steps_then_eval_match_torch(kw, dtype):
    torch = pytest.importorskip("torch")
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-5)
    c = 3
    ours, theirs = _pair(torch, c, dtype, **kw)
    rng = np.random.default_rng(0)
    for step in range(4):
        shape = (int(rng.integers(2, 5)), c, int(rng.integers(1, 6)), int(rng.integers(2, 6)))
        x = (rng.standard_normal(shape) * (1 + step) + step).astype(dtype)
        a, b = reseau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        out, tout = ours(a), theirs(b)
        np.testing.assert_allclose(out._array, tout.detach().numpy(), **tol)
        g = rng.standard_normal(shape).astype(dtype)
        out.backward(reseau.tensor(g))
        tout.backward(torch.from_numpy(g))
        np.testing.assert_allclose(a.grad._array, b.grad.numpy(), **tol)
        if ours.affine:
            np.testing.assert_allclose(ours.weight.grad._array, theirs.weight.grad.numpy(), **tol)
            np.testing.assert_allclose(ours.bias.grad._array, theirs.bias.grad.numpy(), **tol)
            ours.zero_grad(), theirs.zero_grad()
        if ours.track_running_stats:
            for name in ("running_mean", "running_var"):
                np.testing.assert_allclose(getattr(ours, name)._array,
                                           getattr(theirs, name).numpy(), **tol)
            assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked) == \
                step + 1
    ours.eval(), theirs.eval()
    x = rng.standard_normal((2, c, 4, 3)).astype(dtype)
    np.testing.assert_allclose(ours(reseau.tensor(x))._array,
                               theirs(torch.tensor(x)).detach().numpy(), **tol)


def test_momentum_none_is_the_cumulative_average():
    bn = nn.BatchNorm2d(1, momentum=None, dtype=reseau.float64)
    means = []
    for k in range(3):
        x = reseau.full((2, 1, 2, 2), float(k + 1), dtype=reseau.float64)
        x = x + reseau.tensor(np.array([-1.0, 1.0]).reshape(2, 1, 1, 1))
        bn(x)
        means.append(k + 1.0)
    # the running mean is the plain average of the batch means 1, 2, 3
    assert bn.running_mean.item() == pytest.approx(np.mean(means))
    # each batch: values k, k+2 four times each: unbiased variance 8 / 7
    assert bn.running_var.item() == pytest.approx(8 / 7)


def test_buffers_and_state_dict_keys_are_pytorchs():
    bn = nn.BatchNorm2d(4)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    assert bn.running_mean.tolist() == [0.0] * 4 and bn.running_var.tolist() == [1.0] * 4
    assert bn.num_batches_tracked.dtype == np.int64
    assert list(nn.BatchNorm2d(4, affine=False, track_running_stats=False).state_dict()) == []
    assert repr(bn) == ("BatchNorm2d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                        "track_running_stats=True)")  # PyTorch 2.13's repr


def test_statistics_are_per_channel_over_batch_and_space():
    x = reseau.randn(6, 2, 5, 4, dtype=reseau.float64) * 3 + 7
    y = nn.BatchNorm2d(2, dtype=reseau.float64)(x)._array
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-4)  # eps = 1e-5


def test_gradcheck_in_training_mode():
    # the functional form BatchNorm2d calls, with batch statistics (N, H and W)
    x = reseau.randn(3, 2, 2, 3, dtype=reseau.float64, requires_grad=True)
    w = reseau.tensor([0.7, 1.3], requires_grad=True)
    b = reseau.tensor([0.1, -0.4], requires_grad=True)
    scale = reseau.arange(36.0).reshape(3, 2, 2, 3)  # a non-symmetric upstream gradient
    assert reseau.gradcheck(
        lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True) * scale, [x, w, b])


def test_errors_name_the_layer_and_the_shapes():
    bn = nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected a 4-D input \(N, 3, H, W\), "
                                         r"got shape \(3, 5, 5\); add a batch axis"):
        bn(reseau.randn(3, 5, 5))
    with pytest.raises(ValueError, match=r"BatchNorm2d: .*\(2, 4, 5, 5\)"):
        bn(reseau.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(reseau.randn(1, 3, 1, 1))
    with pytest.raises(ValueError, match="BatchNorm2d: num_features"):
        nn.BatchNorm2d(0)
    with pytest.raises(ValueError, match="BatchNorm2d: momentum"):
        nn.BatchNorm2d(3, momentum=2.0)


def test_batchnorm1d_keeps_its_checks():
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected input of shape \(N, 3\)"):
        nn.BatchNorm1d(3)(reseau.randn(2, 3, 4, 4))


def test_save_load_keeps_arguments_and_running_statistics(tmp_path):
    bn = nn.BatchNorm2d(3, eps=1e-3, momentum=None, affine=False)
    bn(reseau.randn(4, 3, 2, 2))
    io.save(bn, tmp_path / "bn.npz")
    back = io.load(tmp_path / "bn.npz")
    assert type(back) is nn.BatchNorm2d and repr(back) == repr(bn)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        np.testing.assert_array_equal(getattr(back, name)._array, getattr(bn, name)._array)
