"""Functions outside the op table (counting, searching, masks, functional helpers) on the
stand-in's cuda: the same values as on the cpu, the result on the device, no NumPy call
CuPy would refuse."""

from __future__ import annotations

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F
from standin_helpers import assert_same

X = np.random.default_rng(11).uniform(0.1, 0.9, size=(3, 4))

CALLS = {
    "histc": lambda x: x.histc(4),
    "histogram": lambda x: reseau.histogram(x, 4)[0],
    "histogram_edges": lambda x: reseau.histogram(x, 4)[1],
    "bincount": lambda x: (x * 10).long().flatten().bincount(),
    "unique": lambda x: (x * 10).long().unique(),
    "nonzero": lambda x: (x > 0.5).nonzero(),
    "argwhere": lambda x: reseau.argwhere(x > 0.5),
    "isclose": lambda x: x.isclose(x + 1e-9),
    "count_nonzero": lambda x: reseau.count_nonzero(x > 0.5, 0),
    "any": lambda x: x.any(1),
    "all": lambda x: (x > 0.3).all(dim=1, keepdim=True),
    "one_hot": lambda x: F.one_hot((x * 3).long(), 3),
    "norm": lambda x: x.norm(1, 1),
    "median": lambda x: x.median(),
    "meshgrid": lambda x: reseau.meshgrid(x[0], x[1], indexing="ij")[0],
    "normalize": lambda x: F.normalize(x),
    "pad_reflect": lambda x: F.pad(x[None], (1, 1), mode="reflect"),
    "pad_constant": lambda x: F.pad(x, (1, 2, 0, 1), value=0.5),
    "interpolate": lambda x: F.interpolate(x[None, None], scale_factor=2),
    "causal_attention": lambda x: F.scaled_dot_product_attention(x[None], x[None], x[None],
                                                                 is_causal=True),
    "dropout_p1": lambda x: F.dropout(x, 1.0, training=True),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_function_on_cuda_is_the_cpu_function(name, cuda):
    fn = CALLS[name]
    assert_same(fn(reseau.tensor(X, device=cuda)), fn(reseau.tensor(X)), name)


def test_predicates_on_cuda(cuda):
    x = reseau.tensor(X, device=cuda)
    assert x.equal(x.clone()) and x.allclose(x + 1e-9) and not x.equal(x + 1)
