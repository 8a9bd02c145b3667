"""Shared test configuration: hypothesis profiles, and where the real data sets are.

The ``ci`` profile (the default) keeps property-based tests fast: few examples, no
deadline (the machine is shared), no database writes. ``HYPOTHESIS_PROFILE=thorough``
runs many more examples locally.

The real MNIST and Fashion-MNIST files are found through one environment variable,
``RESEAU_TEST_DATA``: a folder holding ``mnist/`` and ``fashion-mnist/`` with their four
``.gz`` files each (the layout of reseau's download cache). Tests that need them take the
``mnist_dir`` or ``test_data`` fixture and are skipped when it is unset or incomplete.
Test files never import this module (``from conftest import ...`` picks whichever
conftest.py was imported first): what they share is a fixture.
"""

import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=15,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: the environment variable naming the folder of the real data sets (see above)
TEST_DATA_VARIABLE = "RESEAU_TEST_DATA"


def _test_data() -> Path | None:
    value = os.environ.get(TEST_DATA_VARIABLE)
    return Path(value) if value else None


@pytest.fixture(scope="session")
def test_data() -> Path:
    """The folder named by ``RESEAU_TEST_DATA`` (skips the test when it is unset or
    missing)."""
    folder = _test_data()
    if folder is None or not folder.is_dir():
        pytest.skip(f"the real data sets are not available: set {TEST_DATA_VARIABLE} to the "
                    "folder holding mnist/ and fashion-mnist/")
    return folder


@pytest.fixture(scope="session")
def mnist_dir(test_data) -> Path:
    """The folder of the four real MNIST ``.gz`` files (skips the test without them)."""
    folder = test_data / "mnist"
    if not (folder / "t10k-labels-idx1-ubyte.gz").is_file():
        pytest.skip(f"{TEST_DATA_VARIABLE}={test_data} has no mnist/ folder of MNIST files")
    return folder


@pytest.fixture
def run_doc():
    """``run_doc("nn.md", min_blocks=10)`` runs the page's ```python blocks in order in
    one namespace, like a session, and returns ``(namespace, text of the page)``."""

    def run(page: str, min_blocks: int = 1):
        text = (DOCS / page).read_text()
        blocks = re.findall(r"```python\n(.*?)```", text, re.S)
        assert len(blocks) >= min_blocks, f"docs/{page} has {len(blocks)} Python blocks"
        namespace: dict = {}
        for i, code in enumerate(blocks):
            exec(compile(code, f"docs/{page}, block {i}", "exec"), namespace)
        return namespace, text

    return run


@pytest.fixture
def cuda():
    """``cuda`` served by the CuPy stand-in (``reseau.standin``) for one test, which fails
    if the stand-in recorded a NumPy call CuPy would refuse (even one whose error was
    caught). tests/standin/ has its own, the same."""
    import reseau
    from reseau import backend, standin

    backend.use_standin()
    standin.clear_violations()
    yield "cuda"
    reseau.set_default_device(None)
    backend.use_standin(False)
    found = standin.violations()
    standin.clear_violations()
    assert not found, "NumPy calls CuPy would refuse:\n" + "\n".join(found)


@pytest.fixture
def no_cuda(monkeypatch):
    """A machine without CUDA: no stand-in, and CuPy absent (skipped where it is
    installed, since cuda may then be real)."""
    from reseau import backend

    try:
        import cupy  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("CuPy is installed here: cuda may be available")
    monkeypatch.delenv("RESEAU_CUDA_STANDIN", raising=False)
    backend.use_standin(False)
