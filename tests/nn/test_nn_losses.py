"""Every loss of reseau.nn.functional against PyTorch (values and gradients, float64,
every reduction and option), against finite differences, at extreme logits, and the
worked examples of the seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F
from reseau import nn
from nn_helpers import compare_with_torch, gradcheck_float64

pytestmark = pytest.mark.nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(1234)
N, C = 4, 3
X = RNG.standard_normal((N, C))
Y = RNG.standard_normal((N, C))
P = RNG.uniform(0.05, 0.95, (N, C))  # probabilities
B = RNG.uniform(0, 1, (N, C))  # soft binary targets
LABELS = np.array([0, 2, 1, 2])
LABELS_IGN = np.array([0, -100, 1, 2])
CW = np.array([0.3, 1.0, 2.5])  # class weights
PM = np.array([1.0, -1.0, -1.0, 1.0])  # +-1 targets
REDUCTIONS = ["mean", "sum", "none"]


def _t(a):
    return None if a is None else torch.tensor(a)


def _r(a):
    return None if a is None else reseau.tensor(a)


# One row per loss configuration: (id, reseau fn, torch fn, arrays, which arrays get
# a gradient). Each row is compared with PyTorch and gradchecked.
CASES = []


def case(id, fn, tfn, arrays, grads=None):
    CASES.append(pytest.param(fn, tfn, arrays, grads, id=id))


def _ce_pair(opts, kw):
    """cross_entropy with reseau and with torch, with the same options."""
    w, ls = opts.get("weight"), opts.get("label_smoothing", 0.0)
    return (lambda z, t: F.cross_entropy(z, t, _r(w), label_smoothing=ls, **kw),
            lambda z, t: TF.cross_entropy(z, t, _t(w), label_smoothing=ls, **kw))


for red in REDUCTIONS:
    kw = dict(reduction=red)
    case(f"l1-{red}", lambda x, y, kw=kw: F.l1_loss(x, y, **kw),
         lambda x, y, kw=kw: TF.l1_loss(x, y, **kw), [X, Y])
    case(f"mse-{red}", lambda x, y, kw=kw: F.mse_loss(x, y, **kw),
         lambda x, y, kw=kw: TF.mse_loss(x, y, **kw), [X, Y])
    for delta in (0.5, 1.0, 2.0):
        k = dict(kw, delta=delta)
        case(f"huber-{red}-d{delta}", lambda x, y, k=k: F.huber_loss(x, y, **k),
             lambda x, y, k=k: TF.huber_loss(x, y, **k), [X, Y])
    for beta in (0.0, 0.5, 1.0):
        k = dict(kw, beta=beta)
        case(f"smooth_l1-{red}-b{beta}", lambda x, y, k=k: F.smooth_l1_loss(x, y, **k),
             lambda x, y, k=k: TF.smooth_l1_loss(x, y, **k), [X, Y])

    # binary cross-entropy on probabilities, with element and class weights
    for wid, w in (("", None), ("-w_class", CW), ("-w_elem", RNG.uniform(0.5, 2, (N, C)))):
        case(f"bce-{red}{wid}", lambda x, y, w=w, kw=kw: F.binary_cross_entropy(x, y, _r(w), **kw),
             lambda x, y, w=w, kw=kw: TF.binary_cross_entropy(x, y, _t(w), **kw), [P, B])
    # on logits, with weight and pos_weight
    for wid, w, pw in (("", None, None), ("-w", CW, None), ("-pw", None, CW), ("-both", CW, CW)):
        case(f"bce_logits-{red}{wid}",
             lambda z, y, w=w, pw=pw, kw=kw: F.binary_cross_entropy_with_logits(
                 z, y, _r(w), pos_weight=_r(pw), **kw),
             lambda z, y, w=w, pw=pw, kw=kw: TF.binary_cross_entropy_with_logits(
                 z, y, _t(w), pos_weight=_t(pw), **kw), [3 * X, B])

    # cross-entropy with class indices
    # (the default ignore_index, -100, is in LABELS_IGN)
    for oid, opts in (("", {}), ("-weight", dict(weight=CW)),
                      ("-smooth", dict(label_smoothing=0.2)), ("-ignore", dict(target=LABELS_IGN)),
                      ("-all", dict(weight=CW, label_smoothing=0.1, target=LABELS_IGN))):
        opts = dict(opts)
        target = opts.pop("target", LABELS)
        case(f"ce_index-{red}{oid}", *_ce_pair(opts, kw), [X, target], [True, False])
        case(f"nll-{red}{oid}",
             lambda z, t, o=opts, kw=kw: F.nll_loss(z, t, _r(o.get("weight")), **kw),
             lambda z, t, o=opts, kw=kw: TF.nll_loss(z, t, _t(o.get("weight")), **kw),
             [X, target], [True, False])
    # K-dimensional: (N, C, d) logits, (N, d) targets
    X3 = RNG.standard_normal((2, C, 4))
    T3 = RNG.integers(0, C, (2, 4))
    case(f"ce_index_kdim-{red}", lambda z, t, kw=kw: F.cross_entropy(z, t, _r(CW), **kw),
         lambda z, t, kw=kw: TF.cross_entropy(z, t, _t(CW), **kw), [X3, T3], [True, False])
    case(f"nll_kdim-{red}", lambda z, t, kw=kw: F.nll_loss(z, t, **kw),
         lambda z, t, kw=kw: TF.nll_loss(z, t, **kw), [X3, T3], [True, False])
    # class probabilities as targets (soft labels)
    SOFT = np.exp(Y) / np.exp(Y).sum(1, keepdims=True)
    for oid, opts in (("", {}), ("-weight", dict(weight=CW)),
                      ("-smooth_weight", dict(weight=CW, label_smoothing=0.3))):
        case(f"ce_probs-{red}{oid}", *_ce_pair(opts, kw), [X, SOFT])
    SOFT3 = np.exp(X3) / np.exp(X3).sum(1, keepdims=True)
    case(f"ce_probs_kdim-{red}", lambda z, p, kw=kw: F.cross_entropy(z, p, **kw),
         lambda z, p, kw=kw: TF.cross_entropy(z, p, **kw), [X3 * 2, SOFT3])

    # multiclass SVM hinge
    for p, margin in ((1, 1.0), (2, 1.0), (1, 0.3)):
        for wid, w in (("", None), ("-w", CW)):
            case(f"multi_margin-{red}-p{p}-m{margin}{wid}",
                 lambda z, t, p=p, m=margin, w=w, kw=kw: F.multi_margin_loss(
                     z, t, p, m, _r(w), **kw),
                 lambda z, t, p=p, m=margin, w=w, kw=kw: TF.multi_margin_loss(
                     z, t, p, m, _t(w), **kw),
                 [X, LABELS], [True, False])

    # embeddings and rankings (seed 001)
    D = np.abs(X[:, 0]) * 2  # distances
    for margin in (1.0, 0.5):
        case(f"hinge_embedding-{red}-m{margin}",
             lambda d, y, m=margin, kw=kw: F.hinge_embedding_loss(d, y, m, **kw),
             lambda d, y, m=margin, kw=kw: TF.hinge_embedding_loss(d, y, m, **kw),
             [D, PM], [True, False])
    for margin in (0.0, 0.3, -0.2):
        case(f"cosine_embedding-{red}-m{margin}",
             lambda a, b, y, m=margin, kw=kw: F.cosine_embedding_loss(a, b, y, m, **kw),
             lambda a, b, y, m=margin, kw=kw: TF.cosine_embedding_loss(a, b, y, m, **kw),
             [X, Y, PM], [True, True, False])
        case(f"margin_ranking-{red}-m{margin}",
             lambda a, b, y, m=margin, kw=kw: F.margin_ranking_loss(a, b, y, m, **kw),
             lambda a, b, y, m=margin, kw=kw: TF.margin_ranking_loss(a, b, y, m, **kw),
             [X[:, 0], Y[:, 0], PM], [True, True, False])

    # gaussian negative log-likelihood: heteroscedastic, shared, full, clamped var
    V = RNG.uniform(0.2, 2.0, (N, C))
    for vid, var in (("same", V), ("short", V[:, 0]), ("last1", V[:, :1]),
                     ("tiny", np.where(V > 1, 1e-8, V))):
        for full in (False, True):
            case(f"gaussian_nll-{red}-{vid}-full{full}",
                 lambda x, y, v, f=full, kw=kw: F.gaussian_nll_loss(x, y, v, full=f, **kw),
                 lambda x, y, v, f=full, kw=kw: TF.gaussian_nll_loss(x, y, v, full=f, **kw),
                 [X, Y, var])
    # a larger eps clamps part of V (whose entries are in [0.2, 2])
    for full in (False, True):
        case(f"gaussian_nll-{red}-eps0.5-full{full}",
             lambda x, y, v, f=full, kw=kw: F.gaussian_nll_loss(x, y, v, full=f, eps=0.5, **kw),
             lambda x, y, v, f=full, kw=kw: TF.gaussian_nll_loss(x, y, v, full=f, eps=0.5, **kw),
             [X, Y, V])

for red in REDUCTIONS + ["batchmean"]:
    LOGQ = X - np.log(np.exp(X).sum(1, keepdims=True))
    PT = np.exp(Y) / np.exp(Y).sum(1, keepdims=True)
    PT0 = PT.copy()
    PT0[0, 1] = 0.0  # a zero probability: 0 log 0 = 0
    case(f"kl_div-{red}", lambda q, p, red=red: F.kl_div(q, p, reduction=red),
         lambda q, p, red=red: TF.kl_div(q, p, reduction=red), [LOGQ, PT])
    case(f"kl_div_zero-{red}", lambda q, p, red=red: F.kl_div(q, p, reduction=red),
         lambda q, p, red=red: TF.kl_div(q, p, reduction=red), [LOGQ, PT0], [True, False])
    case(f"kl_div_log_target-{red}",
         lambda q, p, red=red: F.kl_div(q, p, reduction=red, log_target=True),
         lambda q, p, red=red: TF.kl_div(q, p, reduction=red, log_target=True),
         [LOGQ, np.log(PT)])


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # torch's kl_div note
@pytest.mark.parametrize("fn, tfn, arrays, grads", CASES)
def test_loss_matches_torch(fn, tfn, arrays, grads):
    compare_with_torch(fn, tfn, arrays, grads)


# finite differences on every loss and option with reductions 'mean' and 'none'; not
# where var is clamped at eps (there PyTorch's gradient, which we follow, is by design
# not the derivative of the flat clamped loss)
GRADCHECKED = [c for c in CASES if c.id.split("-")[1] in ("mean", "none")
               and "-tiny-" not in c.id and "-eps" not in c.id]


@pytest.mark.parametrize("fn, tfn, arrays, grads", GRADCHECKED)
def test_loss_gradcheck(fn, tfn, arrays, grads):
    assert gradcheck_float64(fn, arrays, grads)


# ----------------------------------------------------------------- single samples
def test_single_sample_shapes_match_torch():
    z = RNG.standard_normal(C)
    for red in REDUCTIONS:
        compare_with_torch(lambda a, t: F.cross_entropy(a, t, reduction=red),
                           lambda a, t: TF.cross_entropy(a, t, reduction=red),
                           [z, np.array(2)], [True, False])
        compare_with_torch(lambda a, t: F.nll_loss(a, t, reduction=red),
                           lambda a, t: TF.nll_loss(a, t, reduction=red),
                           [z, np.array(1)], [True, False])
        compare_with_torch(lambda a, t: F.multi_margin_loss(a, t, reduction=red),
                           lambda a, t: TF.multi_margin_loss(a, t, reduction=red),
                           [z, np.array(0)], [True, False])
        compare_with_torch(lambda a, b, y: F.cosine_embedding_loss(a, b, y, reduction=red),
                           lambda a, b, y: TF.cosine_embedding_loss(a, b, y, reduction=red),
                           [z, X[0], np.array(-1.0)], [True, True, False])


def test_gaussian_nll_with_float_variance():
    compare_with_torch(lambda x, y: F.gaussian_nll_loss(x, y, 0.7),
                       lambda x, y: TF.gaussian_nll_loss(x, y, 0.7), [X, Y])


# ----------------------------------------------------------------- modules
# (module, torch module, arrays, which arrays get a gradient)
MODULES = [
    (nn.L1Loss(reduction="sum"), torch.nn.L1Loss(reduction="sum"), [X, Y], [1, 1]),
    (nn.MSELoss(), torch.nn.MSELoss(), [X, Y], [1, 1]),
    (nn.HuberLoss(delta=0.7), torch.nn.HuberLoss(delta=0.7), [X, Y], [1, 1]),
    (nn.SmoothL1Loss(beta=0.4), torch.nn.SmoothL1Loss(beta=0.4), [X, Y], [1, 1]),
    (nn.BCELoss(weight=reseau.tensor(CW)), torch.nn.BCELoss(weight=torch.tensor(CW)), [P, B],
     [1, 1]),
    (nn.BCEWithLogitsLoss(pos_weight=reseau.tensor(CW)),
     torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(CW)), [X, B], [1, 1]),
    (nn.CrossEntropyLoss(weight=reseau.tensor(CW), label_smoothing=0.1),
     torch.nn.CrossEntropyLoss(weight=torch.tensor(CW), label_smoothing=0.1), [X, LABELS],
     [1, 0]),
    (nn.NLLLoss(ignore_index=2), torch.nn.NLLLoss(ignore_index=2), [X, LABELS], [1, 0]),
    (nn.MultiMarginLoss(p=2, margin=0.5), torch.nn.MultiMarginLoss(p=2, margin=0.5),
     [X, LABELS], [1, 0]),
    (nn.HingeEmbeddingLoss(margin=0.5), torch.nn.HingeEmbeddingLoss(margin=0.5),
     [np.abs(X[:, 0]), PM], [1, 0]),
    (nn.CosineEmbeddingLoss(margin=0.1), torch.nn.CosineEmbeddingLoss(margin=0.1), [X, Y, PM],
     [1, 1, 0]),
    (nn.MarginRankingLoss(margin=0.2), torch.nn.MarginRankingLoss(margin=0.2),
     [X[:, 0], Y[:, 0], PM], [1, 1, 0]),
    (nn.GaussianNLLLoss(full=True), torch.nn.GaussianNLLLoss(full=True),
     [X, Y, np.abs(Y) + 0.1], [1, 1, 1]),
    (nn.KLDivLoss(reduction="batchmean"), torch.nn.KLDivLoss(reduction="batchmean"),
     [np.log(P / P.sum(1, keepdims=True)), B / B.sum(1, keepdims=True)], [1, 1]),
]


@pytest.mark.parametrize("module, tmodule, arrays, grads", MODULES,
                         ids=[type(m[0]).__name__ for m in MODULES])
def test_loss_modules_match_torch(module, tmodule, arrays, grads):
    compare_with_torch(module, tmodule, arrays, grads)


def test_loss_module_weight_is_a_buffer_and_follows_double():
    loss = nn.CrossEntropyLoss(weight=reseau.tensor([1.0, 2.0]))
    assert [name for name, _ in loss.named_buffers()] == ["weight"]
    assert loss.weight.dtype == np.float32
    loss.double()
    assert loss.weight.dtype == np.float64


def test_loss_module_rejects_unknown_reduction():
    with pytest.raises(ValueError, match="MSELoss: reduction must be one of"):
        nn.MSELoss(reduction="average")
    with pytest.raises(ValueError, match="batchmean"):
        F.mse_loss(reseau.tensor(X), reseau.tensor(Y), reduction="batchmean")


# ----------------------------------------------------------------- extreme logits
def _finite_value_and_grad(loss, x):
    assert np.isfinite(loss._array).all(), loss
    loss.backward()
    assert np.isfinite(x.grad._array).all()


EXTREME = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 5.0], [0.0, 0.0, -1e4], [1e4, 1e4, -1e4]])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, fn", [
    ("cross_entropy", lambda z: F.cross_entropy(z, reseau.tensor(LABELS))),
    ("cross_entropy_smooth", lambda z: F.cross_entropy(z, reseau.tensor(LABELS),
                                                       label_smoothing=0.1)),
    ("cross_entropy_probs", lambda z: F.cross_entropy(z, reseau.tensor(B / B.sum(1, keepdims=True),
                                                                       dtype=z.dtype))),
    ("nll_of_log_softmax", lambda z: F.nll_loss(F.log_softmax(z, 1), reseau.tensor(LABELS))),
    ("bce_logits", lambda z: F.binary_cross_entropy_with_logits(
        z, reseau.tensor(B, dtype=z.dtype))),
    ("bce_logits_pos_weight", lambda z: F.binary_cross_entropy_with_logits(
        z, reseau.tensor(B, dtype=z.dtype), pos_weight=reseau.tensor(CW))),
    ("multi_margin", lambda z: F.multi_margin_loss(z, reseau.tensor(LABELS))),
    ("kl_div", lambda z: F.kl_div(F.log_softmax(z, 1), reseau.tensor(B / B.sum(1, keepdims=True),
                                                                     dtype=z.dtype),
                                  reduction="batchmean")),
])
def test_extreme_logits_give_finite_losses_and_gradients(name, fn, dtype):
    z = reseau.tensor(EXTREME, dtype=dtype, requires_grad=True)
    _finite_value_and_grad(fn(z), z)


def test_extreme_logits_match_torch():
    # not only finite: the same numbers as PyTorch
    compare_with_torch(lambda z, t: F.cross_entropy(z, t), lambda z, t: TF.cross_entropy(z, t),
                       [EXTREME, LABELS], [True, False])
    compare_with_torch(lambda z, y: F.binary_cross_entropy_with_logits(z, y),
                       lambda z, y: TF.binary_cross_entropy_with_logits(z, y), [EXTREME, B])


def test_bce_on_probabilities_0_and_1_is_clamped_like_torch():
    # log(0) clamped at -100: a sure and wrong prediction costs 100, with a finite gradient
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    out = compare_with_torch(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
                             lambda a, b: TF.binary_cross_entropy(a, b, reduction="none"),
                             [p, y], [True, False], rtol=1e-8)
    np.testing.assert_allclose(out._array, [100.0, 100.0, 0.0, 0.0, math.log(2)])


# ----------------------------------------------------------------- seeds' worked examples
def test_seed004_multiclass_svm_example():
    # cs231n's example of seed 004: scores of 3 examples (rows) over 3 classes, targets
    # 0, 1 and 2. L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + 1):
    #   max(0, 4.1 - 2.3 + 1) + max(0, -2.1 - 2.3 + 1) = 2.8 + 0   = 2.8
    #   max(0, 1.7 - 5.4 + 1) + max(0,  2.3 - 5.4 + 1) = 0 + 0     = 0
    #   max(0, 1.7 + 1.3 + 1) + max(0,  1.4 + 1.3 + 1) = 4.0 + 3.7 = 7.7
    # and the mean (2.8 + 0 + 7.7) / 3 = 3.5. PyTorch's multi_margin_loss divides each
    # L_i by the number of classes C = 3.
    scores = reseau.tensor([[2.3, 4.1, -2.1], [1.7, 5.4, 2.3], [1.7, 1.4, -1.3]],
                           dtype="float64", requires_grad=True)
    target = reseau.tensor([0, 1, 2])
    per_example = F.multi_margin_loss(scores, target, reduction="none") * 3
    np.testing.assert_allclose(per_example._array, [2.8, 0.0, 7.7], atol=1e-12)
    mean = F.multi_margin_loss(scores, target) * 3
    assert mean.item() == pytest.approx(3.5, abs=1e-12)
    # gradient of the mean course loss: +1 for each violating j, -(number of violations)
    # for the target class, divided by the 3 examples
    mean.backward()
    expected = np.array([[-1, 1, 0], [0, 0, 0], [1, 1, -2]]) / 3
    np.testing.assert_allclose(scores.grad._array, expected, atol=1e-12)


def test_softmax_cross_entropy_gradient_is_y_hat_minus_y():
    z = reseau.tensor(X, requires_grad=True)
    F.cross_entropy(z, reseau.tensor(LABELS), reduction="sum").backward()
    y_hat = np.exp(X) / np.exp(X).sum(1, keepdims=True)
    np.testing.assert_allclose(z.grad._array, y_hat - np.eye(C)[LABELS], atol=1e-12)


def test_gaussian_nll_with_predicted_precision():
    # seed 004: predict the precision beta = 1/sigma^2 rather than the variance. Same
    # loss as with var = 1/beta, gradient in beta = ((x - y)^2 - 1/beta) / 2 (no
    # division by a small variance).
    beta = RNG.uniform(0.3, 3.0, (N, C))
    a = F.gaussian_nll_loss_precision(reseau.tensor(X), reseau.tensor(Y), reseau.tensor(beta),
                                      reduction="none", full=True)
    b = F.gaussian_nll_loss(reseau.tensor(X), reseau.tensor(Y), reseau.tensor(1 / beta),
                            reduction="none", full=True)
    np.testing.assert_allclose(a._array, b._array, rtol=1e-12)
    bt = reseau.tensor(beta, requires_grad=True)
    F.gaussian_nll_loss_precision(reseau.tensor(X), reseau.tensor(Y), bt,
                                  reduction="sum").backward()
    np.testing.assert_allclose(bt.grad._array, ((X - Y) ** 2 - 1 / beta) / 2, rtol=1e-12)
    assert gradcheck_float64(lambda x, y, p: F.gaussian_nll_loss_precision(x, y, p),
                             [X, Y, beta])
    # a shared precision per example, one dimension short, as for the variance
    assert gradcheck_float64(lambda x, p: F.gaussian_nll_loss_precision(x, reseau.tensor(Y), p),
                             [X, beta[:, 0]])


def test_multi_term_loss_is_a_weighted_sum():
    z = reseau.tensor(X, requires_grad=True)
    t = reseau.tensor(LABELS)
    loss = F.cross_entropy(z, t) + 0.5 * F.multi_margin_loss(z, t)
    loss.backward()
    z2 = torch.tensor(X, requires_grad=True)
    (TF.cross_entropy(z2, torch.tensor(LABELS)) + 0.5 * TF.multi_margin_loss(
        z2, torch.tensor(LABELS))).backward()
    np.testing.assert_allclose(z.grad._array, z2.grad.numpy(), atol=1e-12)


# ----------------------------------------------------------------- bad input
def test_mismatched_shapes_name_the_loss_and_the_shapes():
    x, y = reseau.tensor(X), reseau.tensor(Y[:, 0])
    for fn, name in [(F.mse_loss, "mse_loss"), (F.l1_loss, "l1_loss"),
                     (F.huber_loss, "huber_loss"), (F.binary_cross_entropy, "binary_cross_entropy"),
                     (F.binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits"),
                     (F.kl_div, "kl_div")]:
        with pytest.raises(ValueError, match=rf"{name}: target shape \(4,\) must equal the "
                                             rf"input shape \(4, 3\)"):
            fn(reseau.tensor(P), y) if "binary" in name else fn(x, y)


@pytest.mark.parametrize("call, message", [
    (lambda: F.smooth_l1_loss(reseau.tensor(X), reseau.tensor(Y[:, 0])),
     r"smooth_l1_loss: target shape \(4,\) must equal the input shape \(4, 3\)"),
    (lambda: F.gaussian_nll_loss(reseau.tensor(X), reseau.tensor(Y[:, 0]), reseau.tensor(Y)),
     r"gaussian_nll_loss: target shape \(4,\) must equal the input shape \(4, 3\)"),
    (lambda: F.cross_entropy(reseau.tensor(X), reseau.tensor(LABELS[:3])),
     r"cross_entropy: target must have shape \(4,\) to match logits \(4, 3\), got \(3,\)"),
    (lambda: F.nll_loss(reseau.tensor(X), reseau.tensor(LABELS[:3])),
     r"nll_loss: .* target must have shape \(4,\), got \(3,\)"),
    (lambda: F.multi_margin_loss(reseau.tensor(X), reseau.tensor(LABELS[:3])),
     r"multi_margin_loss: target must have shape \(4,\) for input \(4, 3\), got \(3,\)"),
    (lambda: F.hinge_embedding_loss(reseau.tensor(X[:, 0]), reseau.tensor(PM[:2])),
     r"hinge_embedding_loss: target must have shape \(4,\), got \(2,\)"),
    (lambda: F.margin_ranking_loss(reseau.tensor(X[:, 0]), reseau.tensor(Y[:2, 0]),
                                   reseau.tensor(PM)),
     r"margin_ranking_loss: input1 and input2 must have the same shape, got \(4,\) and \(2,\)"),
    (lambda: F.cosine_embedding_loss(reseau.tensor(X), reseau.tensor(Y), reseau.tensor(PM[:2])),
     r"cosine_embedding_loss: target must have shape \(4,\), got \(2,\)"),
], ids=["smooth_l1", "gaussian_nll", "cross_entropy", "nll", "multi_margin", "hinge_embedding",
        "margin_ranking", "cosine_embedding"])
def test_other_losses_name_the_mismatched_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_class_index_out_of_range_is_an_index_error():
    bad = reseau.tensor([0, 3, 1, 2])
    for fn in (F.cross_entropy, F.nll_loss, F.multi_margin_loss):
        with pytest.raises(IndexError, match=r"target 3 is out of range for 3 classes"):
            fn(reseau.tensor(X), bad)
    with pytest.raises(IndexError, match="out of range"):
        F.cross_entropy(reseau.tensor(X), reseau.tensor([0, -1, 1, 2]))


def test_float_targets_where_indices_are_needed():
    with pytest.raises(TypeError, match=r"cross_entropy: got a floating target of shape \(4,\)"):
        F.cross_entropy(reseau.tensor(X), reseau.tensor([0.0, 1.0, 2.0, 1.0]))
    for fn, name in ((F.nll_loss, "nll_loss"), (F.multi_margin_loss, "multi_margin_loss")):
        with pytest.raises(TypeError, match=rf"{name}: target must hold integer class indices"):
            fn(reseau.tensor(X), reseau.tensor([0.0, 1.0, 2.0, 1.0]))


def test_integer_targets_where_floats_are_needed():
    y = reseau.tensor(np.array([[1, 0, 1]] * N))
    with pytest.raises(TypeError, match=r"binary_cross_entropy_with_logits: target must be "
                                        r"floating .* got dtype reseau.int64"):
        F.binary_cross_entropy_with_logits(reseau.tensor(X), y)
    with pytest.raises(TypeError, match=r"binary_cross_entropy: target must be floating"):
        F.binary_cross_entropy(reseau.tensor(P), y)
    with pytest.raises(TypeError, match=r"cross_entropy: target has the input's shape"):
        F.cross_entropy(reseau.tensor(X), y)
    # regression losses accept integer targets and convert them, as PyTorch does
    compare_with_torch(lambda a, b: F.mse_loss(a, b), lambda a, b: TF.mse_loss(a, b),
                       [X, np.arange(12).reshape(N, C)], [True, False])


def test_bce_input_outside_unit_interval_names_the_value():
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must hold probabilities "
                                         r"in \[0, 1\], got 1.5"):
        F.binary_cross_entropy(reseau.tensor([0.5, 1.5]), reseau.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match="got -0.1"):
        nn.BCELoss()(reseau.tensor([-0.1, 0.5]), reseau.tensor([1.0, 0.0]))


def test_other_bad_options():
    x = reseau.tensor(X)
    with pytest.raises(ValueError, match="only p = 1 and p = 2"):
        F.multi_margin_loss(x, reseau.tensor(LABELS), p=3)
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.cross_entropy(x, reseau.tensor(LABELS), weight=reseau.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"var has shape \(3,\), which does not fit"):
        F.gaussian_nll_loss(x, reseau.tensor(Y), reseau.tensor([1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="var has negative entries"):
        F.gaussian_nll_loss(x, reseau.tensor(Y), reseau.tensor(-np.ones((N, C))))
    with pytest.raises(ValueError, match=r"target must have shape \(4, 4\)"):
        F.cross_entropy(reseau.tensor(np.zeros((4, 3, 4))), reseau.tensor(np.zeros((4, 3), int)))
    with pytest.raises(ValueError, match="delta must be positive"):
        F.huber_loss(x, reseau.tensor(Y), delta=0.0)
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: input1 and input2 must have"):
        F.cosine_embedding_loss(x, reseau.tensor(Y[:2]), reseau.tensor(PM))
