"""Light augmentation for image tensors: random shifts and crops, small rotations, and
normalisation, as transforms (torchvision's names) that a ``DataLoader`` applies batch by
batch through :class:`TransformedDataset`.

A transform takes one image ``(C, H, W)`` (or ``(H, W)``), or a batch ``(N, C, H, W)``
whose images each get their own random draw, as a Tensor or a NumPy array, and returns the
same kind of thing with the same shape and (floating) dtype; a Tensor comes back without a
graph (augmentation happens to the data, before the model). Each random transform takes a
``generator`` (``None``: reseau's default one, reseeded by ``reseau.manual_seed``; an int:
its own generator seeded with it; or a ``numpy.random.Generator``).

Examples
--------
>>> import reseau
>>> from reseau.data import DataLoader, TensorDataset
>>> from reseau.data.augmentation import Compose, Normalize, RandomShift, TransformedDataset
>>> X, y = reseau.rand(8, 1, 28, 28), reseau.arange(8)
>>> augment = Compose([RandomShift(2, generator=0), Normalize(0.1307, 0.3081)])
>>> loader = DataLoader(TransformedDataset(TensorDataset(X, y), augment), batch_size=4)
>>> [tuple(xb.shape) for xb, _ in loader]
[(4, 1, 28, 28), (4, 1, 28, 28)]
"""

from __future__ import annotations

import math

import numpy as np

from ..creation import as_tensor
from ..tensor import Tensor
from ..utils.data.dataset import Dataset, has_batch
from ._random import check_generator

__all__ = ["RandomCrop", "RandomShift", "RandomRotation", "Normalize", "Compose",
           "TransformedDataset", "shift", "rotate"]


def _as_batch(images, caller: str):
    """``images`` as a floating ``(N, C, H, W)`` array, and the function that gives the
    result back in the input's form (a Tensor or an array, its number of dimensions)."""
    is_tensor = isinstance(images, Tensor)
    x = np.asarray(images._array if is_tensor else images)
    if x.ndim not in (2, 3, 4):
        raise ValueError(f"{caller}: expected an image (H, W) or (C, H, W), or a batch "
                         f"(N, C, H, W); got shape {tuple(x.shape)}")
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float32)  # uint8 pixels: the result holds fractions
    shape = x.shape
    batch = x.reshape((1,) * (4 - x.ndim) + shape)

    def back(out: np.ndarray):  # the input's form; a crop may change the last two sizes
        out = out.reshape(shape[:-2] + out.shape[-2:])
        return as_tensor(out) if is_tensor else out
    return batch, back


def _pair(value, caller: str, what: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in pair):
        raise ValueError(f"{caller}: {what} must be an int >= 0 or a pair of them, "
                         f"got {value!r}")
    return int(pair[0]), int(pair[1])


def _crop(x: np.ndarray, pad: tuple[int, int], size: tuple[int, int], tops, lefts,
          fill: float) -> np.ndarray:
    """Pad ``x`` (N, C, H, W) by ``pad`` pixels with ``fill``, then cut, from image ``n``,
    the ``size`` window whose corner is ``(tops[n], lefts[n])``."""
    n, c, h, w = x.shape
    padded = np.full((n, c, h + 2 * pad[0], w + 2 * pad[1]), fill, dtype=x.dtype)
    padded[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + w] = x
    rows = np.asarray(tops)[:, None] + np.arange(size[0])        # (N, h)
    cols = np.asarray(lefts)[:, None] + np.arange(size[1])       # (N, w)
    return padded[np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None],
                  rows[:, None, :, None], cols[:, None, None, :]]


def shift(images, dy, dx, fill: float = 0.0):
    """Move each image ``dy`` pixels down and ``dx`` right (ints, or one per image of a
    batch); the pixels that come in take ``fill``: ``out[i, j] = in[i - dy, j - dx]``."""
    x, back = _as_batch(images, "shift")
    n, _, h, w = x.shape
    dy, dx = np.broadcast_to(dy, (n,)).astype(int), np.broadcast_to(dx, (n,)).astype(int)
    m = (int(np.abs(dy).max(initial=0)), int(np.abs(dx).max(initial=0)))
    return back(_crop(x, m, (h, w), m[0] - dy, m[1] - dx, fill))


class RandomCrop:
    """Pad each image by ``padding`` pixels (of value ``fill``) on every side, then cut a
    ``size`` window at a random place (torchvision's ``RandomCrop``)."""

    def __init__(self, size, padding=0, fill: float = 0.0, generator=None):
        self.size = _pair(size, "RandomCrop", "size")
        self.padding = _pair(padding, "RandomCrop", "padding")
        self.fill = float(fill)
        self.generator = check_generator(generator, "RandomCrop", name="generator")

    def __call__(self, images):
        x, back = _as_batch(images, type(self).__name__)
        n, _, h, w = x.shape
        size = self.size or (h, w)
        room = (h + 2 * self.padding[0] - size[0], w + 2 * self.padding[1] - size[1])
        if min(room) < 0:
            raise ValueError(f"{type(self).__name__}: a {size[0]}x{size[1]} window "
                             f"does not fit in a {h}x{w} image padded by {self.padding}")
        tops = self.generator.integers(0, room[0] + 1, size=n)
        lefts = self.generator.integers(0, room[1] + 1, size=n)
        return back(_crop(x, self.padding, size, tops, lefts, self.fill))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


class RandomShift(RandomCrop):
    """Move each image by a random whole number of pixels, from ``-max_shift`` to
    ``max_shift`` in each direction, filling with ``fill``: a ``RandomCrop`` of the
    image's own size with ``padding=max_shift``. ``max_shift=0`` changes nothing."""

    def __init__(self, max_shift=2, fill: float = 0.0, generator=None):
        super().__init__(1, _pair(max_shift, "RandomShift", "max_shift"), fill, generator)
        self.size = None  # the image's own size

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.padding})"


def rotate(images, degrees, fill: float = 0.0):
    """Rotate each image by ``degrees`` (one angle, or one per image of a batch)
    counter-clockwise about its centre, with bilinear interpolation; the corners that
    come in from outside take ``fill``. Output pixel ``p`` (from the centre, ``y`` down)
    reads the input at ``R(-theta) p``: ``x_s = x cos t - y sin t``, ``y_s = x sin t +
    y cos t``."""
    x, back = _as_batch(images, "rotate")
    n, c, h, w = x.shape
    theta = np.deg2rad(np.broadcast_to(np.asarray(degrees, dtype=np.float64), (n,)))
    cy, cx = (h - 1) / 2, (w - 1) / 2
    yy, xx = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")
    cos, sin = np.cos(theta)[:, None, None], np.sin(theta)[:, None, None]
    ys = xx * sin + yy * cos + cy                                # (N, H, W)
    xs = xx * cos - yy * sin + cx
    # one ring of `fill` around each image: neighbours outside read it
    padded = np.full((n, c, h + 2, w + 2), fill, dtype=np.float64)
    padded[:, :, 1:-1, 1:-1] = x
    y0, x0 = np.floor(ys), np.floor(xs)
    wy, wx = (ys - y0)[:, None], (xs - x0)[:, None]
    y0 = np.clip(y0.astype(int) + 1, 0, h + 1)
    x0 = np.clip(x0.astype(int) + 1, 0, w + 1)
    y1, x1 = np.clip(y0 + 1, 0, h + 1), np.clip(x0 + 1, 0, w + 1)
    N, C = np.arange(n)[:, None, None, None], np.arange(c)[None, :, None, None]

    def at(r, q):
        return padded[N, C, r[:, None], q[:, None]]
    out = ((1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x1))
           + wy * ((1 - wx) * at(y1, x0) + wx * at(y1, x1)))
    return back(out.astype(x.dtype))


class RandomRotation:
    """Rotate each image by an angle drawn uniformly in ``[-degrees, degrees]`` (small:
    10 to 15 degrees keeps a digit a digit); see :func:`rotate`."""

    def __init__(self, degrees: float = 10.0, fill: float = 0.0, generator=None):
        if isinstance(degrees, bool) or not isinstance(degrees, (int, float)) or degrees < 0:
            raise ValueError(f"RandomRotation: degrees must be a number >= 0, got {degrees!r}")
        self.degrees = float(degrees)
        self.fill = float(fill)
        self.generator = check_generator(generator, "RandomRotation", name="generator")

    def __call__(self, images):
        n = np.shape(images)[0] if np.ndim(images) == 4 else 1
        angles = self.generator.uniform(-self.degrees, self.degrees, size=n)
        return rotate(images, angles, self.fill)

    def __repr__(self) -> str:
        return f"RandomRotation(degrees={self.degrees:g})"


class Normalize:
    """``(x - mean[c]) / std[c]`` for each channel ``c`` (torchvision's ``Normalize``);
    ``mean`` and ``std`` are numbers, or one per channel. MNIST's pixels in [0, 1] have
    mean 0.1307 and standard deviation 0.3081."""

    def __init__(self, mean, std):
        self.mean = np.atleast_1d(np.asarray(mean, dtype=np.float64))
        self.std = np.atleast_1d(np.asarray(std, dtype=np.float64))
        if self.mean.ndim != 1 or self.std.ndim != 1 or np.any(self.std <= 0):
            raise ValueError(f"Normalize: mean and std must be numbers or one per channel, "
                             f"std > 0; got mean={mean!r}, std={std!r}")

    def __call__(self, images):
        x, back = _as_batch(images, "Normalize")
        c = x.shape[1]
        for name, v in (("mean", self.mean), ("std", self.std)):
            if len(v) not in (1, c):
                raise ValueError(f"Normalize: {len(v)} values of {name} for an image of "
                                 f"{c} channels; give one, or one per channel")
        out = (x - self.mean[:, None, None]) / self.std[:, None, None]
        return back(out.astype(x.dtype))

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class Compose:
    """Apply ``transforms`` one after the other."""

    def __init__(self, transforms):
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise TypeError(f"Compose: every transform must be callable, got "
                                f"{type(t).__name__}")

    def __call__(self, images):
        for t in self.transforms:
            images = t(images)
        return images

    def __repr__(self) -> str:
        return f"Compose({', '.join(map(repr, self.transforms))})"


class TransformedDataset(Dataset):
    """``dataset`` whose samples' first field (the input) goes through ``transform``
    each time it is read: every epoch of a ``DataLoader`` sees new random shifts. A
    dataset that gathers whole batches (``TensorDataset``) keeps doing so, and the
    transform then draws one set of random values per image of the batch."""

    def __init__(self, dataset, transform):
        if not callable(transform):
            raise TypeError(f"TransformedDataset: transform must be callable, got "
                            f"{type(transform).__name__}")
        self.dataset = dataset
        self.transform = transform
        if has_batch(dataset):
            self._batch = self._transformed_batch

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index):
        x, *rest = self.dataset[index]
        return (self.transform(x), *rest)

    def _transformed_batch(self, index):
        x, *rest = self.dataset._batch(index)
        return (self.transform(x), *rest)
