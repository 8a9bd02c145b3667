"""``reseau.cuda``: PyTorch's ``torch.cuda`` questions, answered for the NumPy backend.

reseau computes on the CPU with NumPy, so there is no CUDA device: :func:`is_available` is
False and :func:`device_count` 0, which is what course code asks before it picks
``device = "cuda" if torch.cuda.is_available() else "cpu"``. Seeding and waiting are
no-ops (nothing to seed, nothing to wait for); asking about a device that does not exist is
one clear error.

A later GPU backend (CuPy, through ``reseau.backend``) will answer these from the device;
this module is its place.
"""

from __future__ import annotations

__all__ = ["is_available", "device_count", "current_device", "get_device_name",
           "get_device_properties", "set_device", "manual_seed", "manual_seed_all", "seed",
           "seed_all", "synchronize", "empty_cache", "is_initialized", "memory_allocated",
           "max_memory_allocated", "memory_reserved"]


def _no_device(what: str):
    raise RuntimeError(
        f"reseau.cuda.{what}: no CUDA device: reseau computes with NumPy on the CPU (a GPU "
        f"backend is planned); use device 'cpu', or ask reseau.cuda.is_available() first")


def is_available() -> bool:
    """Whether a CUDA device can be used: never, on the NumPy backend."""
    return False


def device_count() -> int:
    """The number of CUDA devices: 0."""
    return 0


def is_initialized() -> bool:
    """Whether CUDA has been initialised: never."""
    return False


def current_device() -> int:
    """PyTorch's index of the current CUDA device; there is none, so this raises."""
    _no_device("current_device")


def get_device_name(device=None) -> str:
    """The name of a CUDA device; there is none, so this raises."""
    _no_device("get_device_name")


def get_device_properties(device=None):
    """The properties of a CUDA device; there is none, so this raises."""
    _no_device("get_device_properties")


def set_device(device) -> None:
    """Select a CUDA device; there is none, so this raises."""
    _no_device("set_device")


def manual_seed(seed: int) -> None:
    """Seed the CUDA generators. There are none: a no-op (``reseau.manual_seed`` seeds the
    CPU generator, as ``torch.manual_seed`` does)."""


def manual_seed_all(seed: int) -> None:
    """Seed every CUDA device's generator: a no-op (there are none)."""


def seed() -> None:
    """Seed the CUDA generator with a random number: a no-op (there is none)."""


def seed_all() -> None:
    """Seed every CUDA generator with a random number: a no-op (there are none)."""


def synchronize(device=None) -> None:
    """Wait for the device's work to finish: a no-op, NumPy's work is done when it returns."""


def empty_cache() -> None:
    """Release the CUDA allocator's cached memory: a no-op (there is no cache)."""


def memory_allocated(device=None) -> int:
    """Bytes held by tensors on a CUDA device: 0."""
    return 0


def max_memory_allocated(device=None) -> int:
    """The peak of :func:`memory_allocated`: 0."""
    return 0


def memory_reserved(device=None) -> int:
    """Bytes reserved by the CUDA allocator: 0."""
    return 0
