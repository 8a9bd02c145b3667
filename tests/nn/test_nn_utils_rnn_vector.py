"""nn.utils.rnn.pad_sequence and nn.utils.parameters_to_vector / vector_to_parameters
against PyTorch's."""

import numpy as np
import pytest

import reseau
from reseau import nn
from reseau.nn.utils import parameters_to_vector, vector_to_parameters
from reseau.nn.utils.rnn import pad_sequence

SEQS = [np.random.default_rng(i).standard_normal((n, 2)) for i, n in enumerate([3, 1, 4])]


@pytest.mark.parametrize("kwargs", [{}, {"batch_first": True},
                                    {"padding_value": -1.0, "padding_side": "left"}])
def test_pad_sequence_matches_pytorch_with_gradients(kwargs):
    torch = pytest.importorskip("torch")
    ours = [reseau.tensor(s, requires_grad=True) for s in SEQS]
    theirs = [torch.tensor(s, requires_grad=True) for s in SEQS]
    out = pad_sequence(ours, **kwargs)
    tout = torch.nn.utils.rnn.pad_sequence(theirs, **kwargs)
    np.testing.assert_array_equal(out.detach().numpy(), tout.detach().numpy())
    v = np.random.default_rng(9).standard_normal(out.shape)
    (out * reseau.tensor(v)).sum().backward()
    (tout * torch.tensor(v)).sum().backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())


def test_pad_sequence_errors():
    with pytest.raises(ValueError, match="empty list"):
        pad_sequence([])
    with pytest.raises(ValueError, match="same trailing dimensions"):
        pad_sequence([reseau.ones(2, 3), reseau.ones(2, 4)])


def test_parameters_to_vector_and_back_match_pytorch():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Linear(3, 2).double()
    ours = nn.Linear(3, 2).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    vec = parameters_to_vector(ours.parameters())
    np.testing.assert_array_equal(
        vec.detach().numpy(),
        torch.nn.utils.parameters_to_vector(theirs.parameters()).detach().numpy())
    vector_to_parameters(reseau.arange(8, dtype=reseau.float64), ours.parameters())
    assert ours.weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert ours.bias.tolist() == [6.0, 7.0]
    with pytest.raises(ValueError, match="has 3 entries but the parameters hold 8"):
        vector_to_parameters(reseau.zeros(3), ours.parameters())
