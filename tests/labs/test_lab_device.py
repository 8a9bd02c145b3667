"""Labs with ``device="cuda"`` (the stand-in): a Circle lab whose networks see no random
draw during training reports the cpu run's numbers exactly; the MNIST lab, whose dropout
masks come from the device's generator on ``cuda`` (docs/gpu.md), trains as well."""

from __future__ import annotations

import pytest


def test_early_stopping_lab_on_cuda_reports_the_cpu_numbers(cuda, run_quick):
    cpu, gpu = run_quick("early-stopping"), run_quick("early-stopping", device=cuda)
    assert cpu.results["device"] == "cpu" and gpu.results["device"] == "cuda"
    assert set(gpu.results) == set(cpu.results)
    for key in set(cpu.results) - {"seconds", "device"}:
        assert gpu.results[key] == cpu.results[key], key
    assert "--device cuda" in gpu.markdown
    gpu.check_images()


def test_mnist_lab_trains_on_cuda(cuda, run_quick, mnist_dir):
    cpu = run_quick("mnist", data_dir=mnist_dir)
    gpu = run_quick("mnist", data_dir=mnist_dir, device=cuda)
    r = gpu.results
    assert r["device"] == "cuda" and len(r["log"]) == r["epochs"] == 3
    assert r["test_acc"] > 0.85
    # the same data, initial weights and batches; other dropout masks
    assert r["test_acc"] == pytest.approx(cpu.results["test_acc"], abs=0.03)
    assert sum(map(sum, r["confusion"])) == 1000
    assert "--device cuda" in gpu.markdown


def test_gradient_descent_variants_on_cuda_follow_the_cpu_paths(cuda, run_quick):
    # its own training loop: the model, the data and the batches' indices on the device
    cpu, gpu = run_quick("gradient-descent-variants"), \
        run_quick("gradient-descent-variants", device=cuda)
    assert gpu.results["device"] == "cuda"
    timed = {"seconds_per_epoch", "time"}
    for name, expected in cpu.results["variants"].items():
        got = gpu.results["variants"][name]
        assert {k: v for k, v in got.items() if k not in timed} == \
            {k: v for k, v in expected.items() if k not in timed}, name


def test_zero_init_on_cuda_records_the_cpu_weights(cuda, run_quick):
    # a callback reads the hidden weights during training: from the device, on the host
    cpu, gpu = run_quick("zero-init"), run_quick("zero-init", device=cuda)
    assert gpu.results["logistic"] == cpu.results["logistic"]  # scikit-style, on the cpu
    runs = cpu.results["network"]
    assert len(runs) == 5
    for label in runs:
        if "dropout" in label:  # its masks come from the device's generator on cuda
            assert gpu.results["network"][label]["spread"] > 0
        else:
            assert gpu.results["network"][label] == runs[label], label


def test_mnist_cnn_lab_trains_lenet5_on_cuda_as_on_the_cpu(cuda, run_quick, mnist_dir):
    # LeNet-5 draws nothing during training (its random shifts are drawn on the host):
    # the cpu's log and accuracy; the two networks with dropout draw on the device
    cpu = run_quick("mnist-cnn", data_dir=mnist_dir)
    gpu = run_quick("mnist-cnn", data_dir=mnist_dir, device=cuda)
    assert gpu.results["device"] == "cuda"
    log, cpu_log = gpu.results["log"], cpu.results["log"]
    assert log[:2] == cpu_log[:2] and log[0] == "LeNet-5"
    assert gpu.results["test_acc"]["lenet5"] == cpu.results["test_acc"]["lenet5"]
    assert min(gpu.results["test_acc"].values()) > 0.5
    gpu.check_images()
