"""Devices, as PyTorch names them: ``reseau.device("cpu")``, ``"cuda:0"``, ``"mps"``.

``cpu`` is NumPy's; ``cuda`` is CuPy's (or the test stand-in's) once ``reseau.backend``
finds it: the backend hands this file a resolver for the type (``set_resolver``), so
that :func:`check_device` accepts ``cuda:i`` for each device there is and says in one
line why not otherwise. Any device can be named (scripts build
``torch.device("cuda" if torch.cuda.is_available() else "cpu")``); ``mps``, ``xpu`` and
``meta`` hold no tensors.
"""

from __future__ import annotations

__all__ = ["device", "as_device", "check_device", "is_device_name", "get_default_device",
           "set_default_device", "set_resolver"]

_TYPES = ("cpu", "cuda", "mps", "xpu", "meta")


class device:
    """A device: its ``type`` (``"cpu"``, ``"cuda"``...) and optional ``index``.
    ``device("cuda:1") == device("cuda", 1)``; equal to its string (``"cpu"``)."""

    __slots__ = ("type", "index")

    def __init__(self, type, index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):  # device(0): cuda:0
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu' or 'cuda:0', "
                            f"got {type!r}")
        name, _, number = type.partition(":")
        if name not in _TYPES:
            raise RuntimeError(f"device: expected one of {', '.join(_TYPES)} (optionally "
                               f"followed by ':<index>'), got {type!r}")
        if number:
            if not number.isdigit() or index is not None:
                raise RuntimeError(f"device: invalid device string {type!r}")
            index = int(number)
        self.type, self.index = name, index

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    # ``with reseau.device("cuda"):`` makes it the default device inside the block, as
    # PyTorch's device context manager does (nested blocks unwind in order)
    def __enter__(self) -> "device":
        _previous.append(get_default_device())
        set_default_device(self)
        return self

    def __exit__(self, *exc) -> None:
        set_default_device(_previous.pop())


CPU = device("cpu")
_default = CPU
_previous: list = []  # the default devices that ``with device(...)`` blocks replaced


def is_device_name(name: str) -> bool:
    """Whether a string names a device (``"cpu"``, ``"cuda:0"``) rather than a dtype."""
    return name.partition(":")[0] in _TYPES


def as_device(value) -> device:
    """A device from a ``device``, a string (``"cuda:0"``) or an index."""
    return value if isinstance(value, device) else device(value)


#: device type -> resolver(device, what) -> the device a tensor goes to (set by the backend)
_resolvers: dict = {}


def set_resolver(type: str, resolve) -> None:
    """Let ``check_device`` accept devices of ``type``: ``resolve(device, what)`` returns
    the device (its index filled in) or raises one clear error naming ``what``."""
    _resolvers[type] = resolve


def check_device(value, what: str) -> device:
    """The device ``value`` names (``"cuda"``: the current cuda device, with its index),
    if a backend can hold tensors there; else one clear error naming the operation.
    ``None`` means the default device."""
    if value is None:
        return _default
    d = value if type(value) is device else as_device(value)
    if d.type == "cpu":
        return CPU
    resolve = _resolvers.get(d.type)
    if resolve is None:
        raise RuntimeError(
            f"{what}: device {str(d)!r} is not available: reseau computes with NumPy on "
            f"the CPU, or with CuPy on CUDA devices. Use device='cpu', or write "
            f"device = 'cuda' if torch.cuda.is_available() else 'cpu'"
        )
    return resolve(d, what)


def get_default_device() -> device:
    return _default


def set_default_device(value) -> None:
    """Set the device of new tensors (``"cpu"``, or ``"cuda"`` where there is one);
    None goes back to the cpu."""
    global _default
    _default = check_device(value or "cpu", "set_default_device")
