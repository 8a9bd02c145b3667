"""The worked examples of the course documents (seeds/), as tests, with the arithmetic
in comments.

- seed 004: f = (u + v) * w; f = w3 * ReLU(w1 x1 + w1 x2 + b) with a shared weight; the
  max gate; the softmax Jacobian; the gradient of an MLP layer (g h^T and W^T g).
- seed 001: the chain rule with one path, two paths, n paths, and the DAG exercise.
- seed 002: sigmoid(x) = (tanh(x/2) + 1)/2, log sigmoid(x) = -softplus(-x),
  sigmoid' = sigmoid (1 - sigmoid), tanh' = 1 - tanh^2, abs' = sign, rect' = 1{x > 0},
  the gradients of ||x||_2^2 and ||x||_1.
- seed 000: the logistic-regression gradient (y_hat - y) x, and question 5: the gradient
  of softmax + negative log-likelihood is y_hat - y.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import reseau
from reseau.ops.nn import binary_cross_entropy_with_logits, cross_entropy, linear


def scalar(v):
    return reseau.tensor(float(v), dtype="float64", requires_grad=True)


def vec(values, grad=True):
    return reseau.tensor(np.array(values, dtype=np.float64), requires_grad=grad)


# ------------------------------------------------------------------ seed 004
def test_seed004_sum_then_product():
    u, v, w = scalar(2), scalar(3), scalar(4)
    t1 = u + v  # t1 = 2 + 3 = 5
    f = t1 * w  # f = 5 * 4 = 20
    f.backward()
    assert f.item() == 20.0
    assert w.grad.item() == 5.0  # df/dw = t1 * df/df = 5 * 1
    # df/dt1 = w = 4, and dt1/du = dt1/dv = 1
    assert u.grad.item() == 4.0
    assert v.grad.item() == 4.0


def test_seed004_shared_weight_through_relu():
    # f = w3 * ReLU(w1*x1 + w1*x2 + b) (the seed gives no numbers; these are ours)
    x1, x2, w1, b, w3 = scalar(1), scalar(2), scalar(3), scalar(-4), scalar(-2)
    a = w1 * x1 + w1 * x2 + b  # 3*1 + 3*2 - 4 = 5
    f = w3 * reseau.relu(a)  # -2 * ReLU(5) = -10
    f.backward()
    assert a.item() == 5.0 and f.item() == -10.0
    assert w3.grad.item() == 5.0  # df/dw3 = ReLU(a) = 5
    # df/da = w3 * ReLU'(5) = -2 * 1 = -2
    assert b.grad.item() == -2.0  # da/db = 1
    # w1 is used twice: the two paths add up, df/dw1 = -2 * (x1 + x2) = -2 * 3 = -6
    assert w1.grad.item() == -6.0
    assert x1.grad.item() == -6.0  # df/da * w1 = -2 * 3
    assert x2.grad.item() == -6.0


def test_seed004_shared_weight_inactive_relu_blocks_every_gradient():
    x1, x2, w1, b, w3 = scalar(1), scalar(2), scalar(3), scalar(-10), scalar(-2)
    a = w1 * x1 + w1 * x2 + b  # 3 + 6 - 10 = -1 < 0
    f = w3 * reseau.relu(a)  # -2 * 0 = 0
    f.backward()
    assert f.item() == 0.0
    for p in (x1, x2, w1, b, w3):  # ReLU'(-1) = 0, and df/dw3 = ReLU(-1) = 0
        assert p.grad.item() == 0.0


def test_seed004_max_gate_routes_the_gradient_to_the_larger_input():
    x, y = scalar(3), scalar(1)
    f = reseau.maximum(x, y)  # max(3, 1) = 3
    f.backward()
    assert f.item() == 3.0
    assert x.grad.item() == 1.0 and y.grad.item() == 0.0
    # max(z1, z2, z3): the whole gradient goes to the largest
    z = vec([1.0, 5.0, 2.0])
    m, i = z.max(0)
    (2 * m).backward()  # df/dm = 2
    assert m.item() == 5.0 and i.item() == 1
    np.testing.assert_array_equal(z.grad._array, [0, 2, 0])


def test_seed004_softmax_jacobian():
    # d y_j / d s_i = y_i (1 - y_i) if i = j, else -y_i y_j
    s = vec([1.0, 2.0, 0.5])
    y = s.softmax(0)
    p = y._array
    rows = []
    for j in range(3):
        s.grad = None
        y.backward(reseau.tensor(np.eye(3)[j]), retain_graph=True)  # row j: d y_j / d s
        rows.append(s.grad._array.copy())
    expected = np.diag(p) - np.outer(p, p)
    np.testing.assert_allclose(np.array(rows), expected, rtol=1e-14, atol=1e-16)
    assert rows[0][0] == pytest.approx(p[0] * (1 - p[0]), rel=1e-14)
    assert rows[0][1] == pytest.approx(-p[0] * p[1], rel=1e-14)


def test_seed004_mlp_layer_gradients():
    # a = W h + b; with g = dL/da: dL/dW = g h^T, dL/dh = W^T g, dL/db = g
    W = vec([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    h = vec([1.0, 0.0, -1.0])
    b = vec([0.5, -0.5])
    a = linear(h, W, b)  # [1 - 3 + 0.5, 4 - 6 - 0.5] = [-1.5, -2.5]
    np.testing.assert_array_equal(a._array, [-1.5, -2.5])
    g = vec([1.0, 2.0], grad=False)
    (g * a).sum().backward()  # dL/da = g
    np.testing.assert_array_equal(W.grad._array, [[1, 0, -1], [2, 0, -2]])  # g h^T
    np.testing.assert_array_equal(h.grad._array, [9, 12, 15])  # W^T g = [1+8, 2+10, 3+12]
    np.testing.assert_array_equal(b.grad._array, [1, 2])


# ------------------------------------------------------------------ seed 001
def test_seed001_chain_rule_one_path():
    x = scalar(2)
    y = 3 * x  # y = 6
    z = y**2  # z = 36
    z.backward()
    assert x.grad.item() == 36.0  # dz/dy * dy/dx = 2y * 3 = 12 * 3


def test_seed001_chain_rule_two_paths_add():
    x = scalar(2)
    y1 = x**2  # 4
    y2 = 3 * x  # 6
    z = y1 * y2  # 24 (= 3 x^3)
    z.backward()
    # dz/dx = dz/dy1 dy1/dx + dz/dy2 dy2/dx = y2 * 2x + y1 * 3 = 6*4 + 4*3 = 36 (= 9 x^2)
    assert z.item() == 24.0 and x.grad.item() == 36.0


def test_seed001_chain_rule_n_paths():
    x = scalar(1)
    ys = [i * x for i in range(1, 5)]  # y_i = i x
    z = sum(y**2 for y in ys)  # z = sum_i (i x)^2
    z.backward()
    # dz/dx = sum_i dz/dy_i dy_i/dx = sum_i 2 y_i * i = 2x (1 + 4 + 9 + 16) = 60
    assert x.grad.item() == 60.0


def test_seed001_dag_exercise():
    # The DAG of the exercise: x1 <- (i1, i2, i3); y2 <- x1; y1 <- (y2, x1, i1);
    # y3 <- (x1, i3); z <- (y1, y3, i3). Our functions on it:
    i1, i2, i3 = scalar(1), scalar(2), scalar(3)
    x1 = i1 + i2 * i3  # 1 + 2*3 = 7
    x1.retain_grad()
    y2 = x1**2  # 49
    y1 = y2 * i1 + x1  # 49 + 7 = 56
    y3 = x1 * i3  # 21
    z = y1 + 3 * y3 + i3  # 56 + 63 + 3 = 122
    z.backward()
    assert z.item() == 122.0
    # dz/dx1 = dz/dy1 dy1/dx1 + dz/dy1 dy1/dy2 dy2/dx1 + dz/dy3 dy3/dx1
    #        = 1 * 1         + 1 * i1 * 2 x1          + 3 * i3 = 1 + 14 + 9 = 24
    assert x1.grad.item() == 24.0
    assert i1.grad.item() == 73.0  # dz/dy1 * y2 + dz/dx1 * 1 = 49 + 24
    assert i2.grad.item() == 72.0  # dz/dx1 * i3 = 24 * 3
    assert i3.grad.item() == 70.0  # 1 (direct) + 3 * x1 (via y3) + 24 * i2 (via x1) = 1 + 21 + 48


# ------------------------------------------------------------------ seed 002
GRID = np.linspace(-8.0, 8.0, 33)


def test_seed002_sigmoid_is_a_shifted_tanh():
    x = vec(GRID, grad=False)
    np.testing.assert_allclose(
        reseau.sigmoid(x)._array, ((reseau.tanh(x / 2) + 1) / 2)._array, rtol=1e-14, atol=1e-16)


def test_seed002_log_sigmoid_is_minus_softplus_of_minus_x():
    x = vec(GRID, grad=False)
    np.testing.assert_allclose(
        reseau.log_sigmoid(x)._array, (-reseau.softplus(-x))._array, rtol=1e-14, atol=1e-300)
    # and it is the log of the sigmoid
    np.testing.assert_allclose(
        reseau.log_sigmoid(x)._array, reseau.log(reseau.sigmoid(x))._array, rtol=1e-12)


def test_seed002_sigmoid_derivative():
    x = vec(GRID)
    s = reseau.sigmoid(x)
    s.sum().backward()
    sd = s._array
    np.testing.assert_allclose(x.grad._array, sd * (1 - sd), rtol=1e-14)
    # the seed's derivation: exp(-x) / (1 + exp(-x))^2
    np.testing.assert_allclose(x.grad._array, np.exp(-GRID) / (1 + np.exp(-GRID)) ** 2, rtol=1e-12)
    assert x.grad._array.max() == pytest.approx(0.25)  # sigma' <= 1/4, at x = 0


def test_seed002_tanh_derivative():
    x = vec(GRID)
    t = reseau.tanh(x)
    t.sum().backward()
    np.testing.assert_allclose(x.grad._array, 1 - t._array**2, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(x.grad._array, 1 / np.cosh(GRID) ** 2, rtol=1e-12, atol=1e-15)


def test_seed002_abs_sign_and_rect():
    values = [-2.0, -0.5, 0.0, 0.5, 2.0]
    x = vec(values)
    reseau.abs(x).sum().backward()
    np.testing.assert_array_equal(x.grad._array, np.sign(values))  # abs' = sign
    x = vec(values)
    reseau.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad._array, [0, 0, 0, 1, 1])  # rect' = 1{x > 0}


def test_seed002_gradients_of_norms():
    v = [3.0, -1.0, 0.5]
    x = vec(v)
    (x**2).sum().backward()  # ||x||_2^2
    np.testing.assert_array_equal(x.grad._array, [6.0, -2.0, 1.0])  # 2 x
    x = vec(v)
    x.abs().sum().backward()  # ||x||_1
    np.testing.assert_array_equal(x.grad._array, [1.0, -1.0, 1.0])  # sign(x)


# ------------------------------------------------------------------ seed 000
def test_seed000_logistic_regression_gradient():
    # F(w, b) = L_nlv(sigmoid(w.x + b), y) + rho/2 ||w||^2 with
    # dF/dw_k = [-y (1 - y_hat) + (1 - y) y_hat] x_k + rho w_k = (y_hat - y) x_k + rho w_k
    x, y, rho = np.array([2.0, 1.0]), 1.0, 0.1
    w, b = vec([0.5, -1.0]), scalar(0.25)
    y_hat = reseau.sigmoid((w * vec(x, grad=False)).sum() + b)  # sigmoid(1 - 1 + 0.25)
    loss = -y * reseau.log(y_hat) - (1 - y) * reseau.log(1 - y_hat) + rho / 2 * (w**2).sum()
    loss.backward()
    yh = 1 / (1 + math.exp(-0.25))  # 0.5621765...
    assert y_hat.item() == pytest.approx(yh, rel=1e-15)
    np.testing.assert_allclose(w.grad._array, (yh - y) * x + rho * w._array, rtol=1e-14)
    assert b.grad.item() == pytest.approx(yh - y, rel=1e-14)  # dF/db = y_hat - y
    # the same with the fused, stable loss on the logit
    w2, b2 = vec([0.5, -1.0]), scalar(0.25)
    z = (w2 * vec(x, grad=False)).sum() + b2
    loss2 = binary_cross_entropy_with_logits(z, reseau.tensor(y, dtype="float64"))
    (loss2 + rho / 2 * (w2**2).sum()).backward()
    np.testing.assert_allclose(w2.grad._array, w.grad._array, rtol=1e-14)
    assert loss2.item() + rho / 2 * 1.25 == pytest.approx(loss.item(), rel=1e-14)


def test_seed000_question5_softmax_nll_gradient_is_y_hat_minus_y():
    a_values = [1.0, 2.0, 3.0]
    # y_hat = e^a / (e^1 + e^2 + e^3) = [2.718, 7.389, 20.086] / 30.193
    #       = [0.0900306, 0.2447285, 0.6652410]
    e = [math.exp(v) for v in a_values]
    y_hat = np.array(e) / sum(e)
    onehot = np.array([1.0, 0.0, 0.0])  # class y = 1 of the seed (index 0)
    # (a) d/da_y L = y_hat_y - 1; (b) d/da_i L = y_hat_i for i != y; (c) grad = y_hat - y
    expected = y_hat - onehot  # [-0.9099694, 0.2447285, 0.6652410]

    a = vec(a_values)
    loss = cross_entropy(a, reseau.tensor(0))  # fused log-softmax + NLL
    loss.backward()
    assert loss.item() == pytest.approx(-math.log(y_hat[0]), rel=1e-15)  # 2.4076059...
    np.testing.assert_allclose(a.grad._array, expected, rtol=1e-14)

    a2 = vec(a_values)
    (-reseau.log(reseau.softmax(a2, 0))[0]).backward()  # composed: -ln softmax(a)_y
    np.testing.assert_allclose(a2.grad._array, expected, rtol=1e-14)

    a3 = vec(a_values)
    (-reseau.log_softmax(a3, 0)[0]).backward()
    np.testing.assert_allclose(a3.grad._array, expected, rtol=1e-14)


def test_seed000_question5_batch_mean_divides_by_n():
    logits = vec([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    cross_entropy(logits, reseau.tensor([0, 2])).backward()
    p0 = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    expected = np.array([p0 - [1, 0, 0], [1 / 3, 1 / 3, 1 / 3 - 1]]) / 2
    np.testing.assert_allclose(logits.grad._array, expected, rtol=1e-14)
