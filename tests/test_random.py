"""reseau's random streams against PyTorch's CPU generator: the same seed gives the same
numbers, bit for bit (uniform, integer, permutation, normal, Bernoulli, exponential and
multinomial draws), across mixed sequences of calls, in the initial weights of
``nn.Linear`` and in a bigram model's samples (Karpathy's makemore)."""

import math

import numpy as np
import pytest

import reseau
from reseau import random as rrandom

torch = pytest.importorskip("torch")

SEEDS = [0, 1, 42, 2147483647]
SIZES = [1, 15, 16, 17, 1000]
DTYPES = [(reseau.float32, torch.float32), (reseau.float64, torch.float64)]


def same(ours, theirs):
    """Bit for bit: equal values, dtypes and shapes."""
    a = ours.numpy() if hasattr(ours, "numpy") else np.asarray(ours)
    b = theirs.numpy()
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
    np.testing.assert_array_equal(a, b)


def pair(seed):
    return reseau.Generator().manual_seed(seed), torch.Generator().manual_seed(seed)


def torch_bernoulli_scalar_is_portable() -> bool:
    """PyTorch's ``bernoulli_(p)`` takes Intel's MKL stream on Intel processors (reseau
    follows the portable one, used everywhere else): tell which one this torch uses."""
    torch.manual_seed(5)
    drawn = torch.empty(64, dtype=torch.float64).bernoulli_(0.5).numpy()
    reseau.manual_seed(5)
    return np.array_equal(drawn, rrandom.draw_bernoulli((64,), np.float64, 0.5))


# --- the generator itself ------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS + [2**32 + 5, 2**64 - 1, -1])
def test_seeding_and_state_bytes_equal_pytorchs(seed):
    g, tg = pair(seed)
    assert g.initial_seed() == tg.initial_seed()
    same(g.get_state(), tg.get_state())
    reseau.rand(3, generator=g), torch.rand(3, generator=tg)
    reseau.randn(3, dtype=reseau.float64, generator=g)  # leaves a cached normal
    torch.randn(3, dtype=torch.float64, generator=tg)
    same(g.get_state(), tg.get_state())


def test_a_new_generator_has_pytorchs_default_seed():
    g, tg = reseau.Generator(), torch.Generator()
    assert g.initial_seed() == tg.initial_seed() == 67280421310721
    same(reseau.rand(5, generator=g), torch.rand(5, generator=tg))


def test_manual_seed_returns_the_generator_and_module_functions_use_the_default():
    g = reseau.Generator()
    assert g.manual_seed(3) is g
    assert reseau.manual_seed(7) is reseau.default_generator
    assert reseau.initial_seed() == 7
    torch.manual_seed(7)
    same(reseau.rand(4), torch.rand(4))
    new = reseau.seed()
    assert reseau.initial_seed() == new and 0 <= new < 2**64


def test_state_round_trips_both_ways_with_pytorch():
    g, tg = pair(11)
    reseau.randn(5, generator=g), torch.randn(5, generator=tg)  # a cached normal too
    state = g.get_state()
    first = reseau.randn(7, generator=g)
    g.set_state(state)
    same(reseau.randn(7, generator=g), torch.randn(7, generator=tg))
    same(first, torch.randn(7, generator=torch.Generator().set_state(state_as_torch(state))))
    # and PyTorch's bytes drive reseau
    reseau.set_rng_state(tg.get_state().numpy())
    same(reseau.rand(9), torch.rand(9, generator=tg))


def state_as_torch(state):
    return torch.from_numpy(np.array(state.numpy()))


def test_fork_rng_restores_the_default_generator():
    reseau.manual_seed(0)
    with reseau.random.fork_rng():
        reseau.randn(100)
    torch.manual_seed(0)
    same(reseau.randn(3), torch.randn(3))


def test_bad_seeds_and_states_are_refused_with_a_clear_message():
    with pytest.raises(TypeError, match="integer seed"):
        reseau.manual_seed(1.5)
    with pytest.raises(RuntimeError, match="out of range"):
        reseau.manual_seed(2**64)
    with pytest.raises(RuntimeError, match="5056"):
        reseau.set_rng_state(np.zeros(10, np.uint8))


# --- each draw, against PyTorch ------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtypes", DTYPES, ids=["float32", "float64"])
def test_rand_randn_uniform_normal_are_pytorchs(seed, n, dtypes):
    ours, theirs = dtypes
    g, tg = pair(seed)
    same(reseau.rand(n, dtype=ours, generator=g), torch.rand(n, dtype=theirs, generator=tg))
    same(reseau.randn(n, dtype=ours, generator=g), torch.randn(n, dtype=theirs, generator=tg))
    same(reseau.empty(n, dtype=ours).uniform_(-0.3, 0.7, generator=g),
         torch.empty(n, dtype=theirs).uniform_(-0.3, 0.7, generator=tg))
    same(reseau.empty(n, dtype=ours).normal_(1.5, 0.02, generator=g),
         torch.empty(n, dtype=theirs).normal_(1.5, 0.02, generator=tg))
    same(reseau.randn(n, 3, dtype=ours, generator=g),
         torch.randn(n, 3, dtype=theirs, generator=tg))


def test_half_precision_uniforms_are_pytorchs():
    g, tg = pair(1)
    for low, high in [(0, 1), (-0.3, 0.7), (-3.3, 100.1)]:
        same(reseau.empty(1000, dtype=reseau.float16).uniform_(low, high, generator=g),
             torch.empty(1000, dtype=torch.float16).uniform_(low, high, generator=tg))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
def test_integer_draws_and_permutations_are_pytorchs(seed, n):
    g, tg = pair(seed)
    same(reseau.randint(-5, 17, (n,), generator=g), torch.randint(-5, 17, (n,), generator=tg))
    same(reseau.randint(10, (n,), generator=g), torch.randint(10, (n,), generator=tg))
    same(reseau.randint(0, 2**40, (n,), generator=g),
         torch.randint(0, 2**40, (n,), generator=tg))
    same(reseau.randperm(n, generator=g), torch.randperm(n, generator=tg))
    for ours, theirs in [(reseau.int64, torch.int64), (reseau.int32, torch.int32),
                         (reseau.float32, torch.float32), (reseau.float64, torch.float64)]:
        same(reseau.empty(n, dtype=ours).random_(generator=g),
             torch.empty(n, dtype=theirs).random_(generator=tg))
        same(reseau.empty(n, dtype=ours).random_(3, 9, generator=g),
             torch.empty(n, dtype=theirs).random_(3, 9, generator=tg))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtypes", DTYPES, ids=["float32", "float64"])
def test_bernoulli_exponential_and_multinomial_are_pytorchs(seed, dtypes):
    ours, theirs = dtypes
    g, tg = pair(seed)
    probs, tprobs = reseau.rand(4, 27, dtype=ours, generator=g), torch.rand(
        4, 27, dtype=theirs, generator=tg)
    same(reseau.bernoulli(probs, generator=g), torch.bernoulli(tprobs, generator=tg))
    same(reseau.empty(100, dtype=ours).exponential_(2.5, generator=g),
         torch.empty(100, dtype=theirs).exponential_(2.5, generator=tg))
    for k, replacement in [(1, True), (1, False), (5, True), (7, False), (27, False)]:
        same(reseau.multinomial(probs, k, replacement, generator=g),
             torch.multinomial(tprobs, k, replacement, generator=tg))
        same(probs[0].multinomial(k, replacement=replacement, generator=g),
             tprobs[0].multinomial(k, replacement=replacement, generator=tg))
    if torch_bernoulli_scalar_is_portable():
        same(reseau.empty(50, dtype=ours).bernoulli_(0.3, generator=g),
             torch.empty(50, dtype=theirs).bernoulli_(0.3, generator=tg))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtypes", DTYPES, ids=["float32", "float64"])
def test_cauchy_log_normal_and_geometric_are_pytorchs(seed, dtypes):
    ours, theirs = dtypes
    g, tg = pair(seed)
    for n in (5, 40):
        same(reseau.empty(n, dtype=ours).cauchy_(0.5, 2.0, generator=g),
             torch.empty(n, dtype=theirs).cauchy_(0.5, 2.0, generator=tg))
        same(reseau.empty(n, dtype=ours).log_normal_(1.0, 0.5, generator=g),
             torch.empty(n, dtype=theirs).log_normal_(1.0, 0.5, generator=tg))
        same(reseau.empty(n, dtype=ours).geometric_(0.3, generator=g),
             torch.empty(n, dtype=theirs).geometric_(0.3, generator=tg))


@pytest.mark.parametrize("seed", SEEDS)
def test_normal_with_tensor_arguments_is_pytorchs(seed):
    g, tg = pair(seed)
    tmean, tstd = torch.arange(20.0), torch.linspace(0.1, 2.0, 20)
    mean, std = reseau.tensor(tmean.numpy()), reseau.tensor(tstd.numpy())
    same(reseau.normal(mean, std, generator=g), torch.normal(tmean, tstd, generator=tg))
    same(reseau.normal(mean, 2.0, generator=g), torch.normal(tmean, 2.0, generator=tg))
    same(reseau.normal(1.0, std, generator=g), torch.normal(1.0, tstd, generator=tg))
    same(reseau.normal(2.0, 3.0, (5, 4), generator=g),
         torch.normal(2.0, 3.0, (5, 4), generator=tg))


def test_like_functions_follow_the_default_generator():
    x = reseau.zeros(3, 5, dtype=reseau.float64)
    reseau.manual_seed(4)
    torch.manual_seed(4)
    tx = torch.zeros(3, 5, dtype=torch.float64)
    same(reseau.rand_like(x), torch.rand_like(tx))
    same(reseau.randn_like(x), torch.randn_like(tx))
    same(reseau.randint_like(x, 3, 8), torch.randint_like(tx, 3, 8))


def test_a_mixed_sequence_of_calls_stays_on_pytorchs_stream():
    for seed in SEEDS:
        reseau.manual_seed(seed)
        torch.manual_seed(seed)
        same(reseau.randn(3), torch.randn(3))  # caches a normal
        same(reseau.randint(0, 100, (4,)), torch.randint(0, 100, (4,)))
        p, tp = reseau.rand(6), torch.rand(6)
        same(p, tp)
        same(reseau.multinomial(p, 3), torch.multinomial(tp, 3))
        same(reseau.randn(1), torch.randn(1))  # the cached normal
        same(reseau.randn(40, dtype=reseau.float64), torch.randn(40, dtype=torch.float64))
        same(reseau.randperm(30), torch.randperm(30))
        same(reseau.rand(2, 2, dtype=reseau.float64), torch.rand(2, 2, dtype=torch.float64))
        same(reseau.empty(5).exponential_(), torch.empty(5).exponential_())
        same(reseau.randn(5), torch.randn(5))


# --- what courses print ----------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 42])
def test_linear_layers_start_with_pytorchs_weights(seed):
    reseau.manual_seed(seed)
    torch.manual_seed(seed)
    ours, theirs = reseau.nn.Linear(784, 256), torch.nn.Linear(784, 256)
    same(ours.weight.detach(), theirs.weight.detach())
    same(ours.bias.detach(), theirs.bias.detach())
    # the next layer continues the same stream
    same(reseau.nn.Linear(256, 10).weight.detach(), torch.nn.Linear(256, 10).weight.detach())


def test_conv_and_embedding_layers_start_with_pytorchs_weights():
    reseau.manual_seed(3)
    torch.manual_seed(3)
    for ours, theirs in [(reseau.nn.Conv2d(3, 8, 5), torch.nn.Conv2d(3, 8, 5)),
                         (reseau.nn.Embedding(27, 10), torch.nn.Embedding(27, 10)),
                         (reseau.nn.Conv1d(4, 6, 3), torch.nn.Conv1d(4, 6, 3))]:
        for name, tensor in theirs.named_parameters():
            same(getattr(ours, name).detach(), tensor.detach())


def test_initialisers_draw_pytorchs_numbers():
    init, tinit = reseau.nn.init, torch.nn.init
    for name, kwargs in [("uniform_", {"a": -0.2, "b": 0.5}), ("normal_", {"std": 0.02}),
                         ("xavier_uniform_", {}), ("xavier_normal_", {"gain": 2.0}),
                         ("kaiming_uniform_", {"a": math.sqrt(5)}),
                         ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"})]:
        w, tw = reseau.empty(64, 33), torch.empty(64, 33)
        reseau.manual_seed(9)
        torch.manual_seed(9)
        getattr(init, name)(w, **kwargs)
        getattr(tinit, name)(tw, **kwargs)
        same(w, tw)
        g, tg = pair(3)
        getattr(init, name)(w, **kwargs, generator=g)
        getattr(tinit, name)(tw, **kwargs, generator=tg)
        same(w, tw)


def test_makemore_bigram_samples_are_pytorchs():
    # Karpathy's makemore, part 1: a probability vector and names from a bigram table
    g, tg = pair(2147483647)
    p, tp = reseau.rand(3, generator=g), torch.rand(3, generator=tg)
    p, tp = p / p.sum(), tp / tp.sum()
    same(reseau.multinomial(p, num_samples=100, replacement=True, generator=g),
         torch.multinomial(tp, num_samples=100, replacement=True, generator=tg))
    counts = np.random.default_rng(0).integers(0, 300, size=(27, 27)).astype(np.float32)
    P, tP = reseau.tensor(counts + 1), torch.tensor(counts + 1)
    P, tP = P / P.sum(1, keepdim=True), tP / tP.sum(1, keepdim=True)
    g, tg = pair(2147483647)
    for _ in range(20):
        ours, theirs, ix, tix = [], [], 0, 0
        while True:
            ix = reseau.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
            tix = torch.multinomial(tP[tix], num_samples=1, replacement=True,
                                    generator=tg).item()
            ours.append(ix)
            theirs.append(tix)
            if tix == 0 or len(theirs) > 50:
                break
        assert ours == theirs


def test_dropout_masks_are_pytorchs():
    if not torch_bernoulli_scalar_is_portable():
        pytest.skip("this PyTorch draws bernoulli_(p) from Intel MKL's stream")
    x, tx = reseau.ones(8, 50), torch.ones(8, 50)
    reseau.manual_seed(1)
    torch.manual_seed(1)
    same(reseau.nn.functional.dropout(x, 0.3), torch.nn.functional.dropout(tx, 0.3))
    same(reseau.nn.Dropout(0.5)(x), torch.nn.Dropout(0.5)(tx))


def test_numpy_style_methods_draw_from_the_same_stream():
    # code written for numpy.random.Generator (reseau's data pipeline) draws PyTorch's
    # numbers from a reseau generator
    g, tg = pair(6)
    np.testing.assert_array_equal(g.random((2, 3)), torch.rand(2, 3, dtype=torch.float64,
                                                                generator=tg).numpy())
    np.testing.assert_array_equal(g.permutation(12), torch.randperm(12, generator=tg).numpy())
    np.testing.assert_array_equal(g.integers(0, 7, size=5),
                                  torch.randint(0, 7, (5,), generator=tg).numpy())
    assert sorted(g.choice(10, size=10, replace=False).tolist()) == list(range(10))


def test_in_place_draws_on_views_follow_pytorchs_order():
    for seed in [0, 5]:
        g, tg = pair(seed)
        w, tw = reseau.zeros(20, 30), torch.zeros(20, 30)
        w.t().normal_(generator=g), tw.t().normal_(generator=tg)  # a transpose: memory order
        same(w, tw)
        p, tp = reseau.rand(30, 20, generator=g), torch.rand(30, 20, generator=tg)
        w.t().bernoulli_(p, generator=g), tw.t().bernoulli_(tp, generator=tg)
        same(w, tw)
        w[:, 3].uniform_(generator=g), tw[:, 3].uniform_(generator=tg)  # strided
        w[:, 5].normal_(generator=g), tw[:, 5].normal_(generator=tg)  # element by element
        same(w, tw)
