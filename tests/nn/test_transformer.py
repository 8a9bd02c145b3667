"""TransformerEncoderLayer and TransformerEncoder: PyTorch's sub-modules, names, repr and
initial weights after the same seed; outputs and gradients equal to PyTorch's."""

import numpy as np
import pytest

import reseau
from reseau import nn

RNG = np.random.default_rng(0)
CONFIGS = [{}, {"norm_first": True, "activation": "gelu", "batch_first": True}]


def _pair(torch, dropout=0.0, **kwargs):
    reseau.manual_seed(0)
    torch.manual_seed(0)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout, **kwargs), 2,
                                 norm=nn.LayerNorm(8)).double()
    theirs = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, 16, dropout, **kwargs), 2,
        norm=torch.nn.LayerNorm(8), enable_nested_tensor=False).double()
    return ours, theirs


@pytest.mark.parametrize("kwargs", CONFIGS, ids=["post_norm", "pre_norm_gelu"])
def test_encoder_is_pytorchs(kwargs):
    torch = pytest.importorskip("torch")
    ours, theirs = _pair(torch, **kwargs)
    assert repr(ours) == repr(theirs)
    pairs = list(zip(ours.named_parameters(), theirs.named_parameters()))
    assert len(pairs) == len(list(theirs.parameters()))
    for (n1, p), (n2, q) in pairs:  # the same names and the same initial weights
        assert n1 == n2
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    batch_first = kwargs.get("batch_first", False)
    x = RNG.standard_normal((3, 5, 8) if batch_first else (5, 3, 8))
    mask = np.triu(np.ones((5, 5), dtype=bool), 1)
    pad = np.zeros((3, 5), dtype=bool)
    pad[:, -1] = True
    xo, xt = reseau.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = ours(xo, mask=reseau.tensor(mask), src_key_padding_mask=reseau.tensor(pad))
    tout = theirs(xt, mask=torch.tensor(mask), src_key_padding_mask=torch.tensor(pad))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
    v = RNG.standard_normal(out.shape)
    (out * reseau.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), atol=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), atol=1e-12)


def test_layers_are_copies_with_their_own_weights_and_eval_is_deterministic():
    layer = nn.TransformerEncoderLayer(8, 2, 16)
    enc = nn.TransformerEncoder(layer, 3)
    assert len(enc.layers) == 3 and enc.layers[0].linear1.weight is not layer.linear1.weight
    enc.eval()
    x = reseau.randn(4, 2, 8)
    assert enc(x).tolist() == enc(x).tolist()
    with pytest.raises(ValueError, match="activation should be relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
