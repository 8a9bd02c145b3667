"""F.scaled_dot_product_attention and nn.MultiheadAttention against PyTorch given the
same weights: outputs, attention weights and gradients (float64), masks of both kinds,
batch_first and unbatched inputs; PyTorch's parameter names and repr."""

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F
from reseau import nn

from nn_helpers import compare_with_torch, gradcheck_float64

RNG = np.random.default_rng(0)
Q, K, V = (RNG.standard_normal((2, 3, 4, 5)) for _ in range(3))
BOOL_MASK = RNG.random((4, 4)) > 0.3
np.fill_diagonal(BOOL_MASK, True)  # every query attends to something


@pytest.mark.parametrize("kwargs", [{}, {"is_causal": True}, {"scale": 0.3}],
                         ids=["plain", "causal", "scale"])
def test_sdpa_matches_pytorch(kwargs):
    torch = pytest.importorskip("torch")
    compare_with_torch(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs),
                       lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(
                           q, k, v, **kwargs), [Q, K, V])
    assert gradcheck_float64(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kwargs),
                             [Q[:1, :1], K[:1, :1], V[:1, :1]])


@pytest.mark.parametrize("mask", [BOOL_MASK, RNG.standard_normal((4, 4))], ids=["bool", "float"])
def test_sdpa_masks_match_pytorch(mask):
    torch = pytest.importorskip("torch")
    compare_with_torch(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, reseau.tensor(mask)),
        lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(
            q, k, v, torch.tensor(mask)), [Q, K, V])


def _pair(torch, **kwargs):
    theirs = torch.nn.MultiheadAttention(8, 2, **kwargs).double()
    ours = nn.MultiheadAttention(8, 2, **kwargs).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


CALLS = [{}, {"key_padding_mask": "pad"}, {"attn_mask": "bool"}, {"attn_mask": "float"},
         {"is_causal": True, "attn_mask": "causal"}, {"average_attn_weights": False}]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("call", CALLS, ids=[",".join(c) or "plain" for c in CALLS])
def test_multihead_attention_matches_pytorch(batch_first, call):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, batch_first=batch_first)
    assert repr(ours) == repr(theirs)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    n, length = 3, 4
    shape = (n, length, 8) if batch_first else (length, n, 8)
    x = RNG.standard_normal(shape)
    masks = {"pad": np.zeros((n, length), dtype=bool), "bool": ~BOOL_MASK,
             "float": RNG.standard_normal((length, length)),
             "causal": np.triu(np.ones((length, length), dtype=bool), 1)}
    masks["pad"][:, -1] = True
    ours_kw = {k: reseau.tensor(masks[v]) if isinstance(v, str) else v for k, v in call.items()}
    theirs_kw = {k: torch.tensor(masks[v]) if isinstance(v, str) else v for k, v in call.items()}
    xo, xt = reseau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, w = ours(xo, xo, xo, **ours_kw)
    tout, tw = theirs(xt, xt, xt, **theirs_kw)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-13)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), atol=1e-13)
    v = RNG.standard_normal(out.shape)
    (out * reseau.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), atol=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=1e-12)


def test_unbatched_input_and_need_weights_false():
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch)
    q, kv = RNG.standard_normal((3, 8)), RNG.standard_normal((5, 8))
    (out, w), (tout, tw) = (ours(reseau.tensor(q), reseau.tensor(kv), reseau.tensor(kv)),
                            theirs(torch.tensor(q), torch.tensor(kv), torch.tensor(kv)))
    assert out.shape == (3, 8) and w.shape == (3, 5)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-13)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), atol=1e-13)
    assert ours(reseau.tensor(q), reseau.tensor(kv), reseau.tensor(kv),
                need_weights=False)[1] is None


def test_initialisation_and_errors():
    mha = nn.MultiheadAttention(6, 3)
    assert mha.in_proj_weight.shape == (18, 6) and mha.head_dim == 2
    assert mha.in_proj_bias.tolist() == [0.0] * 18 and mha.out_proj.bias.tolist() == [0.0] * 6
    bound = np.sqrt(6.0 / (18 + 6))  # xavier_uniform_ on (3E, E)
    assert np.abs(mha.in_proj_weight.detach().numpy()).max() <= bound
    with pytest.raises(ValueError, match="must be divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(NotImplementedError, match="kdim/vdim"):
        nn.MultiheadAttention(6, 3, kdim=4)
