"""Train seed 003's Circle network (2-4-2, tanh, softmax cross-entropy) with nothing
but reseau's tensors and autograd, and print its accuracy.

Two concentric classes: points inside the circle of radius sqrt(2/pi) are class 0, the
others class 1 (half the area of the square [-1, 1]^2 each). Mini-batch SGD, lr 0.1,
batch 10, 150 epochs, as in the seed's lab.
"""

import math

import numpy as np

import reseau
from reseau.ops.nn import cross_entropy, linear


def circle_data(n: int, rng: np.random.Generator):
    x = rng.uniform(-1, 1, size=(n, 2))
    y = (np.sum(x**2, axis=1) > 2 / math.pi).astype(np.int64)
    return reseau.tensor(x, dtype="float32"), reseau.tensor(y)


def main(epochs: int = 150, lr: float = 0.1, batch_size: int = 10, seed: int = 0) -> float:
    reseau.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x_train, y_train = circle_data(500, rng)
    x_test, y_test = circle_data(500, rng)

    def init(fan_out, fan_in):  # PyTorch's default: uniform in +-1/sqrt(fan_in)
        bound = 1 / math.sqrt(fan_in)
        w = (reseau.rand(fan_out, fan_in) * 2 - 1) * bound
        b = (reseau.rand(fan_out) * 2 - 1) * bound
        return w.requires_grad_(), b.requires_grad_()

    w1, b1 = init(4, 2)
    w2, b2 = init(2, 4)
    params = [w1, b1, w2, b2]

    def forward(x):
        return linear(linear(x, w1, b1).tanh(), w2, b2)

    def accuracy(x, y):
        with reseau.no_grad():
            return float((forward(x).argmax(1) == y).float().mean())

    n = len(x_train)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            loss = cross_entropy(forward(x_train[idx]), y_train[idx])
            for p in params:
                p.grad = None
            loss.backward()
            with reseau.no_grad():
                for p in params:
                    p -= lr * p.grad
        if epoch % 10 == 0 or epoch == 1:
            with reseau.no_grad():
                tl = cross_entropy(forward(x_train), y_train).item()
                vl = cross_entropy(forward(x_test), y_test).item()
            print(f"Iter {epoch}: Acc train {100 * accuracy(x_train, y_train):.1f}% ({tl:.2f}), "
                  f"acc test {100 * accuracy(x_test, y_test):.1f}% ({vl:.2f})")
    acc = accuracy(x_test, y_test)
    print(f"final test accuracy: {100 * acc:.1f}%")
    return acc


if __name__ == "__main__":
    main()
