"""``standin.cuda``: two stand-in devices (``Device(i)``, the current device), streams,
the runtime's questions. The stand-in computes eagerly: there is nothing to wait for."""

from __future__ import annotations

import types

_DEVICE_COUNT = 2
_current = [0]  # the current device id (Device(i) as a context sets it)


class _Device:
    """``cuda.Device(i)``: a device id; as a context it is the current device."""

    def __init__(self, device=None):
        if device is None:
            device = _current[0]
        device = int(device)
        if not 0 <= device < _DEVICE_COUNT:
            raise _CUDARuntimeError(f"cudaErrorInvalidDevice: invalid device ordinal "
                                    f"{device} (the stand-in has {_DEVICE_COUNT} devices)")
        self.id = device
        self._previous: list[int] = []

    def use(self):
        _current[0] = self.id

    def synchronize(self):
        """Wait for the device's work: the stand-in computes eagerly, nothing to wait for."""

    def __enter__(self):
        self._previous.append(_current[0])
        _current[0] = self.id
        return self

    def __exit__(self, *exc):
        _current[0] = self._previous.pop()

    def __eq__(self, other):
        return isinstance(other, _Device) and other.id == self.id

    def __hash__(self):
        return hash(("standin.Device", self.id))

    def __int__(self):
        return self.id

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


class _CUDARuntimeError(RuntimeError):
    pass


class _Stream:
    def synchronize(self):
        """Nothing to wait for: the stand-in computes eagerly."""

    def use(self):
        return self


_Stream.null = _Stream()


class _MemoryPool:
    def used_bytes(self) -> int:
        return 0

    def total_bytes(self) -> int:
        return 0

    def free_all_blocks(self) -> None:
        pass


_memory_pool = _MemoryPool()


def get_default_memory_pool():
    return _memory_pool


def _device_properties(device: int) -> dict:
    _Device(device)
    return {"name": b"reseau stand-in (NumPy)", "totalGlobalMem": 16 * 2**30, "major": 9,
            "minor": 0, "multiProcessorCount": 1}



Device, Stream, CUDARuntimeError = _Device, _Stream, _CUDARuntimeError


def is_available() -> bool:
    return True


def get_device_id() -> int:
    return _current[0]


def get_current_stream():
    return _Stream.null


runtime = types.SimpleNamespace(
    getDeviceCount=lambda: _DEVICE_COUNT, getDevice=lambda: _current[0],
    setDevice=lambda i: _Device(i).use(), getDeviceProperties=_device_properties,
    runtimeGetVersion=lambda: 12080, driverGetVersion=lambda: 12080,
    memGetInfo=lambda: (16 * 2**30, 16 * 2**30), deviceSynchronize=lambda: None,
    CUDARuntimeError=_CUDARuntimeError)
