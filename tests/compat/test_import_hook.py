"""The import hook: ``import torch`` loads reseau while it is installed, the reseau
modules themselves are left as they are, the parts of PyTorch reseau lacks fail in one
line, and the real PyTorch comes back untouched after ``uninstall_as_torch``."""

from __future__ import annotations

import importlib
import re
import textwrap
import sys
from pathlib import Path

import pytest

import reseau
from reseau.compat import (
    NOT_PROVIDED, TORCH_MODULES, NotProvidedError, install_as_torch, is_installed,
    uninstall_as_torch,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture
def hook():
    install_as_torch()
    try:
        yield
    finally:
        uninstall_as_torch()


def test_every_module_of_the_table_is_the_reseau_module_itself(hook):
    missing = []
    for torch_name, reseau_name in TORCH_MODULES.items():
        try:
            served = importlib.import_module(torch_name)
        except NotProvidedError:
            missing.append(torch_name)
            continue
        assert served is importlib.import_module(reseau_name), torch_name
        assert sys.modules[torch_name] is served
    assert not missing, f"the table claims modules reseau does not have: {missing}"


def test_the_table_keeps_pytorchs_suffix():
    # importing torch.a.b sets attribute b on the module served as torch.a, which must be
    # what a plain import of the reseau module sets
    for torch_name, reseau_name in TORCH_MODULES.items():
        assert reseau_name == "reseau" + torch_name[len("torch"):]


def test_the_usual_imports_of_a_course_script(hook):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.optim as optim
    from torch import nn as nn2
    from torch.optim.lr_scheduler import StepLR

    assert torch is reseau and torch.__name__ == "reseau"
    assert nn is nn2 is reseau.nn and F is reseau.nn.functional and optim is reseau.optim
    assert StepLR is reseau.optim.lr_scheduler.StepLR
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert type(x) is reseau.Tensor and type(x).__module__ == "reseau.tensor"
    loss = F.mse_loss(nn.Linear(2, 1)(x), torch.tensor([0.5]))
    loss.backward()
    assert x.grad.shape == (2,)


def test_served_modules_keep_their_own_name_and_spec(hook):
    import torch.nn.functional  # noqa: F401

    assert reseau.__name__ == "reseau" and reseau.__spec__.name == "reseau"
    assert reseau.nn.__spec__.name == "reseau.nn"
    assert reseau.nn.functional.__spec__.name == "reseau.nn.functional"
    assert importlib.util.find_spec("reseau.nn").name == "reseau.nn"


@pytest.mark.parametrize("name", ["torchvision", "torchvision.transforms", "torchaudio",
                                  "torch.distributed", "torch.jit", "torch._C",
                                  "torch.nn.utils.prune"])
def test_what_reseau_does_not_provide_fails_in_one_line(hook, name):
    with pytest.raises(ModuleNotFoundError) as info:
        importlib.import_module(name)
    err = info.value
    assert isinstance(err, NotProvidedError) and isinstance(err, ImportError)
    top = name.split(".")[0] if name.split(".")[0] in NOT_PROVIDED else name
    assert err.name == top
    message = str(err)
    assert "\n" not in message
    assert message.startswith(f"reseau does not provide {top}:")
    assert "reseau run" in message and "install_as_torch" in message


def test_from_torch_import_a_missing_name_names_reseau(hook):
    with pytest.raises(ImportError, match="cannot import name 'no_such_name' from 'reseau'"):
        from torch import no_such_name  # noqa: F401


def test_install_twice_then_uninstall_once(hook):
    install_as_torch()
    assert is_installed() and sys.meta_path[0].__class__.__name__ == "TorchFinder"
    assert sum(type(f).__name__ == "TorchFinder" for f in sys.meta_path) == 1
    uninstall_as_torch()
    assert not is_installed()
    assert not [n for n in sys.modules if n == "torch" or n.startswith("torch.")
                if sys.modules[n] is reseau or getattr(sys.modules[n], "__name__", "")
                .startswith("reseau")]


def test_the_hook_wins_over_the_real_pytorch_and_gives_it_back():
    real = pytest.importorskip("torch")
    import torch.nn as real_nn

    assert real.__name__ == "torch"
    install_as_torch()
    try:
        import torch
        import torch.nn as nn

        assert torch is reseau and nn is reseau.nn
        assert sys.meta_path[0].__class__.__name__ == "TorchFinder"
    finally:
        uninstall_as_torch()
    import torch
    import torch.nn as nn

    assert torch is real and nn is real_nn
    assert torch.tensor([1.0, 2.0]).sum().item() == 3.0  # the real one still works
    assert type(torch.tensor(1.0)).__module__ == "torch"


def test_cuda_and_backends_answer_as_pytorch_on_a_cpu_machine(hook):
    import torch

    assert torch.cuda is reseau.cuda and torch.backends is reseau.backends
    assert torch.cuda.is_available() is False and torch.cuda.device_count() == 0
    assert torch.backends.mps.is_available() is False and torch.backends.mps.is_built() is False
    torch.cuda.manual_seed(0)
    torch.cuda.manual_seed_all(0)
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    with pytest.raises(RuntimeError, match=r"^reseau.cuda.get_device_name: no CUDA device"):
        torch.cuda.get_device_name(0)
    import torch.backends.cudnn as cudnn

    saved = cudnn.deterministic, cudnn.benchmark
    try:
        cudnn.deterministic, cudnn.benchmark = True, False
        assert torch.backends.cudnn.deterministic is True
        assert torch.backends.cudnn.benchmark is False and cudnn.is_available() is False
    finally:
        cudnn.deterministic, cudnn.benchmark = saved


def test_the_pytorch_page_lists_exactly_the_served_modules():
    text = (DOCS / "pytorch.md").read_text()
    rows = dict(re.findall(r"^\| `(torch[\w.]*)` \| `(reseau[\w.]*)` \|$", text, flags=re.M))
    assert rows == TORCH_MODULES
    for name in NOT_PROVIDED:
        assert f"`{name}`" in text


def test_import_torch_alone_reaches_every_served_module_as_pytorch_does():
    # PyTorch's `import torch` makes torch.utils.data.DataLoader, torch.nn.functional...
    # reachable without importing them; course code relies on it. A fresh interpreter, so
    # that no earlier import of this test session helps.
    import subprocess

    code = textwrap.dedent("""
        import reseau
        reseau.install_as_torch()
        import torch
        from reseau.compat import TORCH_MODULES
        for name in TORCH_MODULES:
            obj = torch
            for part in name.split(".")[1:]:
                obj = getattr(obj, part, None)
            if obj is None:
                print(name)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [], "unreachable after `import torch` alone"


def test_cuda_and_backends_answer_as_a_cpu_only_pytorch():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available() or torch.backends.mps.is_available():
        pytest.skip("this PyTorch has a GPU: its answers differ from a CPU-only one")
    assert reseau.cuda.is_available() == torch.cuda.is_available()
    assert reseau.cuda.device_count() == torch.cuda.device_count()
    assert reseau.backends.mps.is_available() == torch.backends.mps.is_available()
    assert reseau.backends.cudnn.is_available() == torch.backends.cudnn.is_available()
    with pytest.raises(RuntimeError):
        reseau.cuda.current_device()
    with pytest.raises((RuntimeError, AssertionError)):  # PyTorch: not compiled with CUDA
        torch.cuda.current_device()
