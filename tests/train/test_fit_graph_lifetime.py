"""fit drops each batch's graph before the next forward: a graph keeps its structure after
backward (so that it can be drawn), which must not keep two batches' activations alive."""

import weakref

import numpy as np

import reseau
from reseau import nn, optim
from reseau.train import fit


class Probe(nn.Module):
    """A linear layer that notes, at each forward, whether the previous batch's hidden
    activation is still alive."""

    def __init__(self):
        super().__init__()
        self.hidden, self.out = nn.Linear(2, 8), nn.Linear(8, 2)
        self.previous, self.alive = None, []

    def forward(self, x):
        if self.previous is not None:
            self.alive.append(self.previous() is not None)
        h = self.hidden(x).tanh()
        self.previous = weakref.ref(h)
        return self.out(h)


def test_no_batch_graph_outlives_its_step():
    reseau.manual_seed(0)
    X = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    model = Probe()
    fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), (X, y),
        epochs=2, batch_size=10, log_every=0)
    assert len(model.alive) >= 7 and not any(model.alive)
