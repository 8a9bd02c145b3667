"""reseau.compile: a recorded step replays bit for bit what the normal path computes.

Each training runs twice from the same seed, once plain and once compiled, and the
parameters, buffers, optimizer state, losses and the random stream are compared with
``np.array_equal`` (not a tolerance): a replay calls the same array functions on the
same arrays in the same order."""

import gc
import tracemalloc
import warnings

import numpy as np
import pytest

import reseau
import reseau.nn.functional as F
from reseau import nn, optim


def _data(n, d, k, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    y = rng.integers(0, k, n)
    return x, y


def _train(make_model, make_opt, x, y, batch, epochs, compiled, returns="item",
           toggle_eval=False):
    """Losses, final state (parameters and buffers), optimizer state and the next
    random number of one training; the step returns ``loss.item()`` or ``loss``."""
    reseau.manual_seed(0)
    model = make_model()
    opt = make_opt(model.parameters())

    def step(xb, yb):
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item() if returns == "item" else loss

    run = reseau.compile(step) if compiled else step
    losses = []
    for _ in range(epochs):
        model.train()
        for i in range(0, len(x), batch):
            out = run(reseau.tensor(x[i:i + batch]), reseau.tensor(y[i:i + batch]))
            losses.append(out if returns == "item" else out.detach().numpy().copy())
        if toggle_eval:
            model.eval()
            with reseau.no_grad():
                losses.append(model(reseau.tensor(x)).numpy().copy())
    state = [v.numpy().copy() for v in model.state_dict().values()]
    opt_state = [v.numpy().copy() for s in opt.state.values() for v in s.values()
                 if isinstance(v, reseau.Tensor)]
    return losses, state, opt_state, reseau.rand(3).numpy(), run


def _assert_same(a, b):
    assert len(a[0]) == len(b[0])
    for u, v in zip(a[0], b[0]):
        assert np.array_equal(u, v), (u, v)
    for key in (1, 2, 3):
        assert len(a[key]) == len(b[key])
        assert all(np.array_equal(u, v) for u, v in zip(a[key], b[key]))


def _circle(hidden):
    return lambda: nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 2))


OPTIMIZERS = {
    "sgd-momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "adam": lambda p: optim.Adam(p, lr=0.01),
}


@pytest.mark.parametrize("opt", sorted(OPTIMIZERS))
@pytest.mark.parametrize("hidden, batch", [(4, 500), (16, 32)])
def test_circle_training_is_bit_identical(opt, hidden, batch):
    x, y = reseau.data.circles(500, seed=0, as_tensor=False)
    x, y = np.asarray(x, np.float32), np.asarray(y, np.int64)
    runs = [_train(_circle(hidden), OPTIMIZERS[opt], x, y, batch, 6, c) for c in (False, True)]
    _assert_same(*runs)
    step = runs[1][4]
    assert step.refused is None
    assert step.replays == 6 * -(-500 // batch) - step.variants  # all but the recordings
    assert step.variants == (1 if 500 % batch == 0 else 2)  # the smaller last batch


def test_mnist_sized_mlp_returning_the_loss_tensor():
    x, y = _data(300, 784, 10)
    make = lambda: nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))  # noqa: E731
    opt = lambda p: optim.SGD(p, lr=0.05, momentum=0.9)  # noqa: E731
    runs = [_train(make, opt, x, y, 128, 2, c, returns="tensor") for c in (False, True)]
    _assert_same(*runs)
    assert runs[1][4].replays == 4


@pytest.mark.parametrize("layer", ["dropout", "batchnorm"])
def test_dropout_and_batchnorm_with_train_eval_switches(layer):
    x, y = _data(200, 20, 5)

    def make():
        extra = nn.Dropout(0.3) if layer == "dropout" else nn.BatchNorm1d(32)
        return nn.Sequential(nn.Linear(20, 32), extra, nn.ReLU(), nn.Linear(32, 5))

    runs = [_train(make, OPTIMIZERS["adam"], x, y, 64, 3, c, toggle_eval=True)
            for c in (False, True)]
    _assert_same(*runs)  # includes the random stream after training and the running stats
    assert runs[1][4].replays > 0


def test_small_cnn():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((24, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 3, 24)

    def make():
        return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(36, 3))

    runs = [_train(make, OPTIMIZERS["sgd-momentum"], x, y, 8, 2, c) for c in (False, True)]
    _assert_same(*runs)
    assert runs[1][4].replays == 5


def test_a_module_comes_back_as_itself():
    m = nn.Linear(2, 3)
    assert reseau.compile(m) is m
    assert reseau.compile(m, mode="reduce-overhead", fullgraph=True) is m
    fn = lambda t: t * 2  # noqa: E731
    assert reseau.compile(fn, disable=True) is fn
    decorated = reseau.compile(mode="max-autotune")(fn)
    assert decorated(reseau.tensor([1.0, 2.0])).tolist() == [2.0, 4.0]
    with pytest.raises(TypeError, match="compile: expected a function or a Module"):
        reseau.compile(3)


def _simple_setup():
    reseau.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    x = reseau.randn(4, 3)
    y = reseau.tensor([0, 1, 1, 0])
    return model, opt, x, y


def _refused(step, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        step(*args)
    assert step.refused is not None
    assert len(caught) == 1 and "runs uncompiled" in str(caught[0].message)
    assert "\n" not in str(caught[0].message)
    return step.refused


def test_a_branch_on_a_value_is_refused_and_the_step_still_runs():
    model, opt, x, y = _simple_setup()
    calls = []

    @reseau.compile
    def step(xb, yb):
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        if loss > 10:  # data-dependent control flow
            calls.append("big")
        loss.backward()
        opt.step()
        return loss.item()

    assert "bool()" in _refused(step, x, y)
    before = model.weight.detach().numpy().copy()
    step(x, y)  # still the normal path: the parameters move
    assert not np.array_equal(before, model.weight.detach().numpy())
    assert step.variants == 0 and step.replays == 0


@pytest.mark.parametrize("body, reason", [
    ("loss.item() * 2", "reads a tensor's value"),
    ("print_it", "printed"),
    ("manual_update", ".grad"),
    ("inplace", "in place"),
    ("clip", ".grad"),
    ("fresh_tensor", "made inside the step"),
    ("plateau", "a tensor passed to ReduceLROnPlateau.step()"),
])
def test_what_a_replay_cannot_see_is_refused(body, reason, capsys):
    model, opt, x, y = _simple_setup()

    def step(xb, yb):
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        if body == "fresh_tensor":
            loss = loss + (reseau.ones(2) * model.bias).sum()
        loss.backward()
        if body == "manual_update":
            with reseau.no_grad():
                for p in model.parameters():
                    p -= 0.1 * p.grad
        elif body == "inplace":
            with reseau.no_grad():
                model.weight.mul_(0.999)
        elif body == "clip":
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if body == "plateau":
            optim.lr_scheduler.ReduceLROnPlateau(opt).step(loss)
        if body == "print_it":
            print(loss)
        return loss.item() * 2 if body == "loss.item() * 2" else None

    assert reason in _refused(reseau.compile(step), x, y)


def test_returned_values_and_side_calls_are_replayed():
    """Module.zero_grad, a scheduler's step and the returned values (a dict of item(),
    a tensor, a constant) come back the same from a replay."""

    def run(compiled):
        model, opt, x, y = _simple_setup()
        sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)

        def step(xb, yb):
            model.zero_grad()
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            loss.backward()
            opt.step()
            sched.step()
            correct = (out.argmax(1) == yb).sum().item()
            return {"loss": loss.item(), "correct": correct, "out": out, "n": len(yb)}

        fn = reseau.compile(step) if compiled else step
        got = [fn(x, y) for _ in range(5)]
        return got, model.weight.detach().numpy(), opt.param_groups[0]["lr"], fn

    plain, w_plain, lr_plain, _ = run(False)
    got, w_got, lr_got, compiled = run(True)
    assert compiled.replays == 4
    for a, b in zip(plain, got):
        assert a["loss"] == b["loss"] and a["correct"] == b["correct"] and b["n"] == 4
        assert type(b["correct"]) is int and type(b["loss"]) is float
        assert np.array_equal(a["out"].detach().numpy(), b["out"].detach().numpy())
    assert np.array_equal(w_plain, w_got)
    assert lr_got == lr_plain == 0.025


def test_guards_record_again_when_a_parameter_is_frozen():
    model, opt, x, y = _simple_setup()

    @reseau.compile
    def step(xb, yb):
        opt.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        opt.step()

    step(x, y)
    step(x, y)
    assert step.replays == 1
    model.bias.requires_grad_(False)
    bias = model.bias.detach().numpy().copy()
    step(x, y)  # guard miss: recorded again, bias has no gradient now
    step(x, y)
    assert step.replays == 2 and step.variants == 1
    assert np.array_equal(bias, model.bias.numpy()) and model.bias.grad is None
    step(x[:2], y[:2])  # another shape: another variant
    assert step.variants == 2 and step.refused is None


def test_no_reference_cycles_and_flat_memory():
    x, y = _data(64, 20, 3)
    reseau.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.Dropout(0.2), nn.ReLU(), nn.Linear(32, 3))
    opt = optim.Adam(model.parameters(), lr=0.01)

    @reseau.compile
    def step(xb, yb):
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        return loss.item()

    xb, yb = reseau.tensor(x), reseau.tensor(y)
    for _ in range(5):
        step(xb, yb)
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            step(xb, yb)
        assert gc.collect() == 0  # every replay's arrays freed by reference counting
    finally:
        gc.enable()
    tracemalloc.start()
    try:
        for _ in range(20):
            step(xb, yb)
        first = tracemalloc.get_traced_memory()[0]
        for _ in range(100):
            step(xb, yb)
        assert tracemalloc.get_traced_memory()[0] - first < 4096
    finally:
        tracemalloc.stop()


def test_the_guide_runs(run_doc, capsys):
    run_doc("compile.md", min_blocks=3)
    out = capsys.readouterr().out
    assert "2 recordings, 318 replays" in out
    assert "noisy_step runs uncompiled: it reads a tensor's value into Python (item())" in out


@pytest.mark.parametrize("eval_train", [True, False])
def test_fit_compile_trains_bit_for_bit(eval_train):
    import reseau.train

    def run(compiled):
        reseau.manual_seed(0)
        x, y = reseau.data.circles(200, seed=0)
        model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Dropout(0.1), nn.Linear(16, 2))
        opt = optim.Adam(model.parameters(), lr=0.01)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no refusal
            h = reseau.train.fit(model, nn.CrossEntropyLoss(), opt, (x, y), (x[:50], y[:50]),
                                 epochs=3, batch_size=32, log_every=None, compile=compiled,
                                 eval_train=eval_train)
        return [v.numpy() for v in model.state_dict().values()], h

    (wa, ha), (wb, hb) = run(False), run(True)
    assert all(np.array_equal(u, v) for u, v in zip(wa, wb))
    for column in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert ha[column] == hb[column]


def test_targets_are_checked_and_ignored_per_batch_in_a_replay():
    """cross_entropy decides from the targets whether any is ignored, and checks their
    range: a replay does both again for each batch (recorded on a batch without
    ignore_index, replayed on one with it, then on one out of range)."""
    reseau.manual_seed(0)
    lin = nn.Linear(3, 4)
    x = reseau.tensor(np.ones((4, 3), np.float32))

    def step(y):
        return F.cross_entropy(lin(x), y, ignore_index=2).item()

    run = reseau.compile(step)
    plain = [0, 1, 3, 1]
    with_ignored = [2, 2, 2, 0]  # three ignored: the mean is over one row
    run(reseau.tensor(plain))
    run(reseau.tensor(plain))  # recorded and replayed on a batch that ignores nothing
    assert run(reseau.tensor(with_ignored)) == step(reseau.tensor(with_ignored))
    assert run(reseau.tensor(with_ignored)) != run(reseau.tensor(plain))
    with pytest.raises(IndexError, match="target 7 is out of range for 4 classes"):
        run(reseau.tensor([0, 7, 1, 1]))
