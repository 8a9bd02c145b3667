"""The layers added for PyTorch's surface, built after the same seed, hold PyTorch's very
weights (their initialisation draws what PyTorch's draws, in the same order)."""

import numpy as np
import pytest

import reseau

LAYERS = [("Embedding", (10, 3), {}), ("Embedding", (10, 3), {"padding_idx": 1}),
          ("EmbeddingBag", (10, 3), {}), ("LSTM", (3, 4, 2), {"bidirectional": True}),
          ("GRU", (3, 4), {}), ("RNN", (3, 4), {"num_layers": 2}), ("RNNCell", (3, 4), {}),
          ("LSTMCell", (3, 4), {}), ("GRUCell", (3, 4), {}), ("MultiheadAttention", (8, 2), {}),
          ("LayerNorm", (4,), {}), ("GroupNorm", (2, 4), {}), ("PReLU", (3,), {}),
          ("InstanceNorm2d", (3,), {"affine": True})]


@pytest.mark.parametrize("name,args,kwargs", LAYERS, ids=[f"{n}{k}" for n, _, k in LAYERS])
def test_weights_after_the_same_seed_are_pytorchs(name, args, kwargs):
    torch = pytest.importorskip("torch")
    for seed in (0, 1234):
        reseau.manual_seed(seed)
        torch.manual_seed(seed)
        ours = getattr(reseau.nn, name)(*args, **kwargs)
        theirs = getattr(torch.nn, name)(*args, **kwargs)
        pairs = list(zip(ours.named_parameters(), theirs.named_parameters()))
        assert len(pairs) == len(list(theirs.parameters())) > 0
        for (n1, p), (n2, q) in pairs:
            assert n1 == n2
            np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


@pytest.mark.parametrize("name,shape", [("Dropout1d", (4, 6, 5)), ("Dropout1d", (6, 5)),
                                        ("Dropout3d", (2, 3, 2, 2, 2)),
                                        ("Dropout3d", (3, 2, 2, 2))])
def test_channel_dropout_masks_are_pytorchs(name, shape):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    reseau.manual_seed(3)
    torch.manual_seed(3)
    ours, theirs = getattr(reseau.nn, name)(0.4), getattr(torch.nn, name)(0.4)
    assert repr(ours) == repr(theirs)
    out = ours(reseau.tensor(x)).numpy()
    np.testing.assert_array_equal(out, theirs(torch.tensor(x)).numpy())
    kept = (out != 0).reshape(shape[:-1] + (-1,)) if len(shape) == 3 else out != 0
    assert kept.any() and not kept.all()
    assert ours.eval()(reseau.tensor(x)).tolist() == x.tolist()
    with pytest.raises(ValueError, match="probability p must be between 0 and 1"):
        getattr(reseau.nn.functional, name.lower())(reseau.tensor(x), 1.5)
