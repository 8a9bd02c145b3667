"""LayerNorm, F.layer_norm, F.normalize, F.pad and the padding layers: values and
gradients equal to PyTorch's, finite differences in float64."""

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F
from reseau import nn

from nn_helpers import compare_with_torch, gradcheck_float64

RNG = np.random.default_rng(0)
X = RNG.standard_normal((2, 3, 4))


@pytest.mark.parametrize("shape", [(4,), (3, 4)])
def test_layer_norm_matches_pytorch(shape):
    torch = pytest.importorskip("torch")
    w, b = RNG.standard_normal(shape), RNG.standard_normal(shape)
    compare_with_torch(lambda x, w, b: F.layer_norm(x, shape, w, b, 1e-5),
                       lambda x, w, b: torch.nn.functional.layer_norm(x, shape, w, b, 1e-5),
                       [X, w, b])
    assert gradcheck_float64(lambda x, w, b: F.layer_norm(x, shape, w, b), [X, w, b])


def test_layer_norm_module_defaults_and_pytorch_outputs():
    torch = pytest.importorskip("torch")
    ln = nn.LayerNorm(4)
    assert ln.weight.tolist() == [1.0] * 4 and ln.bias.tolist() == [0.0] * 4
    assert ln.weight.dtype == np.float32
    assert [n for n, _ in ln.named_parameters()] == ["weight", "bias"]
    plain = nn.LayerNorm((3, 4), elementwise_affine=False)
    assert list(plain.parameters()) == [] and plain.bias is None
    assert nn.LayerNorm(4, bias=False).bias is None
    ours, theirs = nn.LayerNorm(4, eps=1e-6).double(), torch.nn.LayerNorm(4, eps=1e-6).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.5, 1.0, 2.0, -1.0]))
        theirs.bias.copy_(torch.tensor([0.0, 0.1, 0.2, 0.3]))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    out, tout = ours(reseau.tensor(X)), theirs(torch.tensor(X))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-12,
                               atol=1e-14)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="must be the last dimensions"):
        nn.LayerNorm(5)(reseau.tensor(X))


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, -1), (3.0, 0), (float("inf"), 2)])
def test_normalize_matches_pytorch(p, dim):
    torch = pytest.importorskip("torch")
    compare_with_torch(lambda x: F.normalize(x, p, dim),
                       lambda x: torch.nn.functional.normalize(x, p, dim), [X])
    assert gradcheck_float64(lambda x: F.normalize(x, p, dim), [X])


def test_normalize_of_a_zero_vector_is_zero_with_a_finite_gradient():
    torch = pytest.importorskip("torch")
    z = np.zeros((2, 3))
    z[1] = [3.0, 0.0, 4.0]
    out = compare_with_torch(lambda x: F.normalize(x), lambda x: torch.nn.functional.normalize(x),
                             [z])
    assert out.tolist() == [[0.0, 0.0, 0.0], [0.6, 0.0, 0.8]]


@pytest.mark.parametrize("pads,mode", [
    ((1, 2), "constant"), ((1, 0, 2, 1), "constant"), ((0, 1, 1, 1, 1, 0), "constant"),
    ((-1, 2), "constant"), ((1, 1), "reflect"), ((2, 1, 1, 2), "reflect"),
    ((1, 2), "replicate"), ((2, 1, 0, 2), "replicate"), ((1, 2), "circular"),
    ((2, 2, 1, 1), "circular"),
])
def test_pad_matches_pytorch(pads, mode):
    torch = pytest.importorskip("torch")
    compare_with_torch(lambda x: F.pad(x, pads, mode), lambda x: torch.nn.functional.pad(
        x, pads, mode), [X])
    assert gradcheck_float64(lambda x: F.pad(x, pads, mode), [X])


def test_pad_value_and_dtype_and_errors():
    assert F.pad(reseau.tensor([1, 2]), (1, 1), value=7).tolist() == [7, 1, 2, 7]
    assert F.pad(reseau.tensor([1, 2]), (1, 0), value=7).dtype == np.int64
    assert F.pad(reseau.ones(2, 2), (0, 0, 1, 0), value=-1.0).tolist() == [
        [-1.0, -1.0], [1.0, 1.0], [1.0, 1.0]]
    with pytest.raises(ValueError, match="padding length must be even"):
        F.pad(reseau.ones(2, 2), (1,))
    with pytest.raises(ValueError, match="is too large"):
        F.pad(reseau.ones(1, 2), (2, 0), mode="reflect")
    with pytest.raises(ValueError, match="not supported for a 1-D input"):
        F.pad(reseau.ones(3), (1, 1), mode="reflect")


def test_padding_layers_match_pytorch():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((1, 2, 3, 4))
    for name, args in [("ZeroPad2d", (1,)), ("ZeroPad2d", ((1, 0, 2, 1),)),
                       ("ConstantPad2d", (2, 3.5)), ("ConstantPad1d", ((1, 2), -1.0)),
                       ("ReflectionPad2d", (1,)), ("ReflectionPad1d", ((2, 1),)),
                       ("ReplicationPad2d", ((1, 2, 0, 1),)), ("ReplicationPad1d", (2,)),
                       ("CircularPad2d", (1,)), ("CircularPad1d", ((1, 2),)), ("ZeroPad1d", (2,))]:
        ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(ours) == repr(theirs)
        compare_with_torch(ours, theirs, [x[0] if name.endswith("1d") else x])


@pytest.mark.parametrize("shapes,dim", [(((4, 3), (4, 3)), 1), (((2, 3, 4), (3, 4)), -1),
                                        (((5, 3), (1, 3)), 1), (((3, 4), (3, 4)), 0)])
def test_cosine_similarity_matches_pytorch(shapes, dim):
    torch = pytest.importorskip("torch")
    a, b = (RNG.standard_normal(s) for s in shapes)
    compare_with_torch(lambda x, y: F.cosine_similarity(x, y, dim),
                       lambda x, y: torch.nn.functional.cosine_similarity(x, y, dim), [a, b])
    assert gradcheck_float64(lambda x, y: F.cosine_similarity(x, y, dim), [a, b])
    assert repr(nn.CosineSimilarity(dim)) == repr(torch.nn.CosineSimilarity(dim))


def test_cosine_similarity_of_a_zero_vector_has_pytorchs_gradient():
    torch = pytest.importorskip("torch")
    compare_with_torch(F.cosine_similarity, torch.nn.functional.cosine_similarity,
                       [np.zeros((2, 3)), np.ones((2, 3))], rtol=1e-9, atol=1e-3)


@pytest.mark.parametrize("p,keepdim", [(2.0, False), (1.0, True), (3.0, False),
                                       (float("inf"), False)])
def test_pairwise_distance_matches_pytorch(p, keepdim):
    torch = pytest.importorskip("torch")
    a, b = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
    compare_with_torch(lambda x, y: nn.PairwiseDistance(p, keepdim=keepdim)(x, y),
                       lambda x, y: torch.nn.PairwiseDistance(p, keepdim=keepdim)(x, y), [a, b])
    assert gradcheck_float64(lambda x, y: F.pairwise_distance(x, y, p), [a, b])


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_group_norm_matches_pytorch(groups):
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 4, 3, 2))
    w, b = RNG.standard_normal(4), RNG.standard_normal(4)
    compare_with_torch(lambda x, w, b: F.group_norm(x, groups, w, b),
                       lambda x, w, b: torch.nn.functional.group_norm(x, groups, w, b), [x, w, b])
    assert gradcheck_float64(lambda x, w, b: F.group_norm(x, groups, w, b), [x, w, b])
    assert repr(nn.GroupNorm(groups, 4)) == repr(torch.nn.GroupNorm(groups, 4))
    with pytest.raises(ValueError, match="divisible by num_groups"):
        nn.GroupNorm(3, 4)


@pytest.mark.parametrize("name,shape", [("InstanceNorm1d", (2, 3, 5)),
                                        ("InstanceNorm2d", (2, 3, 4, 5)),
                                        ("InstanceNorm2d", (3, 4, 5))])
@pytest.mark.parametrize("kwargs", [{}, {"affine": True}, {"track_running_stats": True},
                                    {"affine": True, "track_running_stats": True,
                                     "momentum": 0.3}])
def test_instance_norm_matches_pytorch_in_training_and_evaluation(name, shape, kwargs):
    torch = pytest.importorskip("torch")
    ours = getattr(nn, name)(3, **kwargs).double()
    theirs = getattr(torch.nn, name)(3, **kwargs).double()
    assert repr(ours) == repr(theirs)
    if kwargs.get("affine"):
        with torch.no_grad():
            theirs.weight.copy_(torch.tensor([0.5, 2.0, -1.0]))
            theirs.bias.copy_(torch.tensor([0.1, 0.0, 0.3]))
        ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    for _ in range(2):
        compare_with_torch(ours, theirs, [RNG.standard_normal(shape)], atol=1e-12)
    for a, b in zip(ours.buffers(), theirs.buffers()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
    ours.eval()
    theirs.eval()
    compare_with_torch(ours, theirs, [RNG.standard_normal(shape)], atol=1e-12)
