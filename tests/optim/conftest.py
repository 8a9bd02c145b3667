"""The optimizer tests run PyTorch on tiny tensors, thousands of small ops: its
intra-op thread pool only adds overhead there, and on a loaded machine it makes each
trajectory ~10x slower. Run PyTorch on one thread in these tests (restored after)."""

import sys

import pytest


@pytest.fixture(autouse=True, scope="module")
def _torch_on_one_thread():
    torch = sys.modules.get("torch")  # imported by the test module, if installed
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
