"""Every schedule gives exactly PyTorch's learning rates over 120 epochs, for two
parameter groups with different rates; resumed from a state_dict it continues
identically."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import reseau
from reseau.optim import lr_scheduler as L

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.optim

EPOCHS = 120


class Halve:
    """A callable object (its attributes are saved by LambdaLR.state_dict)."""

    def __init__(self, every):
        self.every = every

    def __call__(self, epoch):
        return 0.5 ** (epoch // self.every)


def warm_then_cosine(lib, opt):
    sched = lib.optim.lr_scheduler
    return sched.SequentialLR(opt, [sched.LinearLR(opt, start_factor=0.1, total_iters=5),
                                    sched.CosineAnnealingLR(opt, T_max=115, eta_min=1e-4)],
                              milestones=[5])


def three_phases(lib, opt):
    sched = lib.optim.lr_scheduler
    return sched.SequentialLR(opt, [sched.ConstantLR(opt, factor=0.5, total_iters=3),
                                    sched.ExponentialLR(opt, gamma=0.95),
                                    sched.StepLR(opt, step_size=7, gamma=0.5)],
                              milestones=[10, 40])


def chained(lib, opt):
    sched = lib.optim.lr_scheduler
    return sched.ChainedScheduler([sched.ExponentialLR(opt, gamma=0.98),
                                   sched.MultiStepLR(opt, milestones=[30, 80], gamma=0.5)])


SCHEDULES = {
    "StepLR": lambda lib, opt: lib.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1),
    "MultiStepLR(60,90)": lambda lib, opt: lib.optim.lr_scheduler.MultiStepLR(
        opt, milestones=[60, 90], gamma=0.1),
    "MultiStepLR(repeated)": lambda lib, opt: lib.optim.lr_scheduler.MultiStepLR(
        opt, milestones=[10, 50, 50], gamma=0.3),
    "ExponentialLR": lambda lib, opt: lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.97),
    "PolynomialLR(power=4)": lambda lib, opt: lib.optim.lr_scheduler.PolynomialLR(
        opt, total_iters=100, power=4),
    "PolynomialLR(power=0.5)": lambda lib, opt: lib.optim.lr_scheduler.PolynomialLR(
        opt, total_iters=120, power=0.5),
    "CosineAnnealingLR": lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=120),
    "CosineAnnealingLR(periodic)": lambda lib, opt: lib.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=25, eta_min=0.001),
    "LinearLR(warm-up)": lambda lib, opt: lib.optim.lr_scheduler.LinearLR(
        opt, start_factor=0.01, total_iters=10),
    "LinearLR(decay)": lambda lib, opt: lib.optim.lr_scheduler.LinearLR(
        opt, start_factor=1.0, end_factor=0.0, total_iters=100),
    "ConstantLR": lambda lib, opt: lib.optim.lr_scheduler.ConstantLR(
        opt, factor=0.25, total_iters=8),
    "LambdaLR": lambda lib, opt: lib.optim.lr_scheduler.LambdaLR(
        opt, lambda epoch: 1.0 / (1.0 + 0.05 * epoch)),
    "LambdaLR(per group)": lambda lib, opt: lib.optim.lr_scheduler.LambdaLR(
        opt, [Halve(10), lambda epoch: 0.99**epoch]),
    "MultiplicativeLR": lambda lib, opt: lib.optim.lr_scheduler.MultiplicativeLR(
        opt, lambda epoch: 0.95 if epoch % 2 else 1.0),
    "SequentialLR(warm-up, cosine)": warm_then_cosine,
    "SequentialLR(three phases)": three_phases,
    "ChainedScheduler": chained,
}


def make(lib, schedule, lrs=(0.1, 0.03)):
    params = [lib.zeros(2, requires_grad=True) for _ in lrs]
    opt = lib.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)],
                        lr=lrs[0], momentum=0.9)
    return opt, SCHEDULES[schedule](lib, opt)


def lr_sequence(lib, schedule, epochs=EPOCHS):
    opt, sched = make(lib, schedule)
    seq = [sched.get_last_lr()]
    for _ in range(epochs):
        opt.step()
        sched.step()
        seq.append(sched.get_last_lr())
        assert seq[-1] == [g["lr"] for g in opt.param_groups]
    return seq


@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_120_epochs_equal_pytorch(schedule):
    ours = lr_sequence(reseau, schedule)
    theirs = lr_sequence(torch, schedule)
    assert len(ours) == EPOCHS + 1
    assert ours == theirs  # the same floating-point operations: exactly equal


@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_resumed_schedule_continues_identically(schedule):
    expected = lr_sequence(reseau, schedule)
    opt, sched = make(reseau, schedule)
    for _ in range(20):
        opt.step()
        sched.step()
    saved = pickle.dumps((opt.state_dict(), sched.state_dict()))  # as on disk
    for _ in range(5):  # later steps must not leak into the saved state
        sched.step()
    opt2, sched2 = make(reseau, schedule)
    opt_state, sched_state = pickle.loads(saved)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    resumed = [sched2.get_last_lr()]
    for _ in range(EPOCHS - 20):
        opt2.step()
        sched2.step()
        resumed.append(sched2.get_last_lr())
    assert resumed == expected[20:]


def test_seed_004_step_decay_by_hand():
    # "dividing it by 10 at 60 and 90 epochs", from 1e-3
    opt = reseau.optim.SGD([reseau.zeros(1, requires_grad=True)], lr=1e-3, momentum=0.9,
                           weight_decay=5e-4)
    sched = L.MultiStepLR(opt, milestones=[60, 90], gamma=0.1)
    lrs = []
    for _ in range(160):
        lrs.append(sched.get_last_lr()[0])
        opt.step()
        sched.step()
    np.testing.assert_allclose(lrs[:60], 1e-3)
    np.testing.assert_allclose(lrs[60:90], 1e-4)
    np.testing.assert_allclose(lrs[90:], 1e-5)


def test_polynomial_decay_power_4_by_hand():
    opt = reseau.optim.SGD([reseau.zeros(1, requires_grad=True)], lr=0.1)
    sched = L.PolynomialLR(opt, total_iters=160, power=4)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(170):
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    t = np.arange(171)
    np.testing.assert_allclose(lrs, 0.1 * (1 - np.minimum(t, 160) / 160) ** 4, atol=1e-15)
    assert lrs[-1] == 0.0


def test_base_lrs_last_epoch_and_initial_lr():
    opt, sched = make(reseau, "ExponentialLR")
    assert sched.base_lrs == [0.1, 0.03] and sched.last_epoch == 0
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.03]
    sched.step()
    sched.step()
    assert sched.last_epoch == 2
    assert sched.get_last_lr() == [0.1 * 0.97 * 0.97, 0.03 * 0.97 * 0.97]
    sched.get_last_lr().append(1.0)  # a copy: the scheduler is unaffected
    assert len(sched.get_last_lr()) == 2
    assert "step" not in vars(opt)  # the optimizer's step is not patched


def test_resume_with_last_epoch_needs_initial_lr():
    opt = reseau.optim.SGD([reseau.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(KeyError, match="initial_lr"):
        L.StepLR(opt, step_size=5, last_epoch=10)


@pytest.mark.parametrize("options", [
    dict(),
    dict(mode="max", patience=2, factor=0.5),
    dict(threshold_mode="abs", threshold=0.05, cooldown=3, patience=1),
    dict(mode="max", threshold_mode="abs", threshold=0.1, min_lr=[0.02, 0.005], patience=0),
    dict(patience=3, factor=0.2, min_lr=1e-3, eps=1e-3),
])
def test_reduce_lr_on_plateau_equals_pytorch(options):
    rng = np.random.default_rng(4)
    # a metric that improves, then plateaus with noise, then jumps
    metrics = np.concatenate([np.linspace(2.0, 1.0, 30), 1.0 + 0.05 * rng.normal(size=60),
                              np.linspace(1.0, 3.0, 30)]).tolist()

    def run(lib):
        opt = lib.optim.SGD([{"params": [lib.zeros(1, requires_grad=True)], "lr": 0.1},
                             {"params": [lib.zeros(1, requires_grad=True)], "lr": 0.05}])
        sched = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, **options)
        out = []
        for m in metrics:
            sched.step(m)
            out.append(sched.get_last_lr())
        return out, sched

    ours, sched = run(reseau)
    theirs, _ = run(torch)
    assert ours == theirs
    assert ours[-1] != ours[0]  # the schedule did reduce the rate
    assert sched.last_epoch == len(metrics)


def test_reduce_lr_on_plateau_takes_a_tensor_metric_and_resumes():
    opt = reseau.optim.SGD([reseau.zeros(1, requires_grad=True)], lr=1.0)
    sched = L.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    for m in [3.0, 2.0, 2.0]:
        sched.step(reseau.tensor(m))
    state = pickle.loads(pickle.dumps(sched.state_dict()))
    sched.step(2.0)  # second bad epoch: reduce
    assert sched.get_last_lr() == [0.5]
    opt2 = reseau.optim.SGD([reseau.zeros(1, requires_grad=True)], lr=1.0)
    sched2 = L.ReduceLROnPlateau(opt2, patience=1, factor=0.5)
    sched2.load_state_dict(state)
    sched2.step(2.0)
    assert opt2.param_groups[0]["lr"] == 0.5 and sched2.best == 2.0


def test_scheduler_errors():
    opt = reseau.optim.SGD([reseau.zeros(1, requires_grad=True)], lr=0.1)
    other = reseau.optim.SGD([reseau.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(TypeError, match="expected an optimizer"):
        L.StepLR([1.0], step_size=3)
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 0"):
        L.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        L.CosineAnnealingLR(opt, T_max=0)
    with pytest.raises(ValueError, match="total_iters"):
        L.PolynomialLR(opt, total_iters=0)
    with pytest.raises(ValueError, match="start_factor"):
        L.LinearLR(opt, start_factor=0.0)
    with pytest.raises(TypeError, match="callable"):
        L.LambdaLR(opt, 0.5)
    with pytest.raises(ValueError, match="factor must be < 1.0"):
        L.ReduceLROnPlateau(opt, factor=2.0)
    with pytest.raises(ValueError, match="mode"):
        L.ReduceLROnPlateau(opt, mode="minimum")
    plateau = L.ReduceLROnPlateau(opt)
    with pytest.raises(TypeError, match=r"step\(val_loss\)"):
        plateau.step()
    a, b = L.StepLR(opt, step_size=2), L.StepLR(opt, step_size=3)
    with pytest.raises(ValueError, match="one milestone fewer"):
        L.SequentialLR(opt, [a, b], milestones=[2, 5])
    with pytest.raises(ValueError, match="another optimizer"):
        L.SequentialLR(opt, [a, L.StepLR(other, step_size=2)], milestones=[2])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        L.SequentialLR(opt, [a, plateau], milestones=[2])
