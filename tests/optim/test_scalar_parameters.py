"""Optimizers on 0-d parameters (a single learnable scalar, e.g. a temperature): NumPy
turns 0-d results into scalars, which must not break the in-place updates."""

import numpy as np
import pytest

import reseau

CASES = [
    ("SGD", dict(lr=0.1)),  # plain gradient descent: the fast path of SGD
    ("SGD", dict(lr=0.1, weight_decay=0.01, maximize=True)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.1)),
    ("AdamW", dict(lr=0.1, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1)),
]


@pytest.mark.parametrize("name,options", CASES)
def test_scalar_parameter_matches_pytorch(name, options):
    torch = pytest.importorskip("torch")
    p = reseau.tensor(1.5, dtype="float64", requires_grad=True)
    q = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    ours = getattr(reseau.optim, name)([p], **options)
    theirs = getattr(torch.optim, name)([q], **options)
    array = p._array
    for _ in range(5):
        ours.zero_grad()
        (p * p * p).backward()  # d/dp p^3 = 3 p^2
        version = p._version
        ours.step()
        assert p._array is array and p._version == version + 1  # in place, and seen
        theirs.zero_grad()
        (q * q * q).backward()
        theirs.step()
    assert p._array.shape == () and type(p._array) is np.ndarray
    np.testing.assert_allclose(p.item(), q.item(), rtol=1e-12)
    # the state has PyTorch's entries (none for SGD without momentum), 0-d arrays too
    ours_state, theirs_state = ours.state_dict()["state"], theirs.state_dict()["state"]
    assert set(ours_state) == set(theirs_state)
    for i, entry in theirs_state.items():
        assert set(ours_state[i]) == set(entry)
        for key, value in entry.items():
            np.testing.assert_allclose(np.asarray(getattr(ours_state[i][key], "data",
                                                          ours_state[i][key])),
                                       np.asarray(value), rtol=1e-12)
            if key != "step":
                assert ours_state[i][key].shape == ()
