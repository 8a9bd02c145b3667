"""``reseau.cuda``: PyTorch's ``torch.cuda`` questions, answered by the cuda backend.

Where CuPy finds a GPU (or the test stand-in is switched on, ``RESEAU_CUDA_STANDIN=1``),
these answer from the device: :func:`is_available` is True, :func:`device_count` the
number of GPUs, :func:`synchronize` waits for the device's queued work,
:func:`manual_seed` seeds its generator. Without one, :func:`is_available` is False and
:func:`device_count` 0 (what course code asks before it picks ``device = "cuda" if
torch.cuda.is_available() else "cpu"``); seeding, waiting and emptying the cache have
nothing to act on and do nothing, as in a CPU-only PyTorch; asking about a device raises
one clear error. Only :func:`is_available` and :func:`device_count` may import CuPy (they
are the questions that ask for it).
"""

from __future__ import annotations

import os

from . import backend
from .devices import as_device

__all__ = ["is_available", "device_count", "current_device", "get_device_name",
           "get_device_properties", "set_device", "manual_seed", "manual_seed_all", "seed",
           "seed_all", "synchronize", "empty_cache", "is_initialized", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "reset_peak_memory_stats",
           "get_device_capability", "mem_get_info", "device"]


def _backend(what: str) -> backend.CudaBackend:
    try:
        return backend.cuda_backend()
    except RuntimeError as e:
        raise RuntimeError(f"reseau.cuda.{what}: no CUDA device: {e}; use device 'cpu', or "
                           f"ask reseau.cuda.is_available() first") from None


def _index(cuda: backend.CudaBackend, device, what: str) -> int:
    """The index of ``device`` (None: the current one; an int, a string, a device)."""
    if device is None:
        return cuda.current
    index = device if isinstance(device, int) else as_device(device).index
    index = cuda.current if index is None else index
    if not 0 <= index < len(cuda.devices):
        raise RuntimeError(f"reseau.cuda.{what}: invalid device {device!r}: "
                           f"{len(cuda.devices)} CUDA device(s) (0 to {len(cuda.devices) - 1})")
    return index


def _built():
    """The cuda backend if one is in use (never builds one)."""
    return backend._cuda


def is_available() -> bool:
    """Whether a CUDA device can be used (CuPy with a GPU, or the stand-in)."""
    try:
        backend.cuda_backend()
    except RuntimeError:
        return False
    return True


def device_count() -> int:
    """The number of CUDA devices (0 without CuPy or a GPU)."""
    return backend.cuda_backend().device_count() if is_available() else 0


def is_initialized() -> bool:
    """Whether the cuda backend has been set up (by a first use of ``cuda``)."""
    return _built() is not None


def current_device() -> int:
    """The index of the device that ``"cuda"`` names."""
    return _backend("current_device").current


def set_device(device) -> None:
    """Make ``device`` (an index, ``"cuda:1"``) the one that ``"cuda"`` names."""
    cuda = _backend("set_device")
    cuda.set_current(_index(cuda, device, "set_device"))


def _properties(cuda: backend.CudaBackend, index: int) -> dict:
    return cuda.xp.cuda.runtime.getDeviceProperties(index)


def get_device_name(device=None) -> str:
    """The device's name (``"NVIDIA H200"``)."""
    cuda = _backend("get_device_name")
    name = _properties(cuda, _index(cuda, device, "get_device_name"))["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def get_device_properties(device=None):
    """The device's properties as CUDA reports them (a dict: ``name``,
    ``totalGlobalMem``, ``multiProcessorCount``...)."""
    cuda = _backend("get_device_properties")
    return _properties(cuda, _index(cuda, device, "get_device_properties"))


def get_device_capability(device=None) -> tuple[int, int]:
    """The device's compute capability ``(major, minor)`` (``(9, 0)`` for an H100/H200)."""
    cuda = _backend("get_device_capability")
    props = _properties(cuda, _index(cuda, device, "get_device_capability"))
    return int(props["major"]), int(props["minor"])


def mem_get_info(device=None) -> tuple[int, int]:
    """``(free, total)`` bytes of the device's memory, as the driver reports them."""
    cuda = _backend("mem_get_info")
    with cuda.on(_index(cuda, device, "mem_get_info")):
        free, total = cuda.xp.cuda.runtime.memGetInfo()
    return int(free), int(total)


class device:
    """``with reseau.cuda.device(1):`` makes ``"cuda"`` name device 1 inside the block
    (and CuPy compute there), as ``torch.cuda.device``."""

    def __init__(self, device):
        self.index, self.previous = device, None

    def __enter__(self):
        cuda = _backend("device")
        self.previous = cuda.current
        cuda.set_current(_index(cuda, self.index, "device"))
        return self

    def __exit__(self, *exc):
        backend.cuda_backend().set_current(self.previous)


def manual_seed(seed: int) -> None:
    """Seed the current device's generator (a no-op without one, as in PyTorch;
    ``reseau.manual_seed`` seeds every device too)."""
    if is_available():
        backend.cuda_backend().manual_seed(seed)


def manual_seed_all(seed: int) -> None:
    """Seed every device's generator (a no-op without a device)."""
    if is_available():
        backend.cuda_backend().manual_seed_all(seed)


def _fresh_seed() -> int:
    return int.from_bytes(os.urandom(8), "little")


def seed() -> None:
    """Seed the current device's generator with a random number."""
    manual_seed(_fresh_seed())


def seed_all() -> None:
    """Seed every device's generator with a random number."""
    manual_seed_all(_fresh_seed())


def synchronize(device=None) -> None:
    """Wait for the device's queued work to finish (a no-op without a device: NumPy's
    work is done when it returns)."""
    cuda = _built()
    if cuda is not None:
        cuda.xp.cuda.Device(_index(cuda, device, "synchronize")).synchronize()


def _pool(cuda):
    """CuPy's memory pool (None where the module has none)."""
    get_pool = getattr(cuda.xp, "get_default_memory_pool", None)
    return None if get_pool is None else get_pool()


def empty_cache() -> None:
    """Hand the memory pool's free blocks back to the driver (a no-op without a device)."""
    cuda = _built()
    pool = None if cuda is None else _pool(cuda)
    if pool is not None:
        pool.free_all_blocks()


def memory_allocated(device=None) -> int:
    """Bytes held by arrays in the memory pool (0 without a device)."""
    cuda = _built()
    pool = None if cuda is None else _pool(cuda)
    return 0 if pool is None else int(pool.used_bytes())


def max_memory_allocated(device=None) -> int:
    """The peak of :func:`memory_allocated` is not tracked by CuPy's pool: the bytes the
    pool holds (used and cached), its upper bound (0 without a device)."""
    return memory_reserved(device)


def reset_peak_memory_stats(device=None) -> None:
    """Nothing to reset: the peak is not tracked (:func:`max_memory_allocated`)."""


def memory_reserved(device=None) -> int:
    """Bytes the memory pool holds from the driver, used or cached (0 without a device)."""
    cuda = _built()
    pool = None if cuda is None else _pool(cuda)
    return 0 if pool is None else int(pool.total_bytes())
