"""Random numbers as PyTorch's CPU generator draws them: ``reseau.Generator``, the default
generator, ``manual_seed``, ``get_rng_state``...

The raw stream is the 32-bit Mersenne Twister (mt19937) seeded as PyTorch seeds it: the
low 32 bits of the seed go through the reference ``init_genrand`` recurrence. NumPy's
``MT19937`` bit generator, given that key, produces the same words, so the words come
from NumPy at C speed. On top of the words, the ``draw_*`` functions apply PyTorch's
transformations from raw bits to values (one 32-bit word, or two of them as one 64-bit
draw ``(first << 32) | second``):

=====================  ===================================================================
uniform float32        ``(w & (2^24 - 1)) * 2^-24``, then ``fma(x, to - from, from)``
uniform float64        ``(w64 & (2^53 - 1)) * 2^-53``, then the same
randint [low, high)    ``w % (high - low) + low`` (``w64`` when the range is >= 2^32)
random_()              ``w % 2^31`` (int32), ``w64 % 2^63`` (int64), ``w % (2^24 + 1)``...
randperm(n)            swap ``i`` with ``i + w % (n - i)`` for ``i < n - 1``
normal, n < 16         Box-Muller on two float64 uniforms, the sine kept for the next draw
normal, n >= 16        uniforms first, then Box-Muller on blocks of 16 (8 pairs), the last
                       block recomputed from 16 new uniforms when n is not a multiple of 16
bernoulli(p)           ``u53 < p`` (a float32 ``p`` tensor: ``u24 < p``)
exponential(l)         ``-1/l * log1p(-u53)``
multinomial            with replacement: binary search of a float64 ``u53`` in the
                       normalised cumulative sum; one sample, or without replacement:
                       ``argmax / topk`` of ``p / q`` with ``q ~ Exponential(1)``
=====================  ===================================================================

Everything here is NumPy; the arrays become Tensors in ``creation.py`` and ``tensor.py``.
NumPy's global random state is never touched.
"""

from __future__ import annotations

import contextlib
import math
import os

import numpy as np

from .devices import check_device
from .kernel_math import fma, logf, sincosf

__all__ = [
    "Generator", "default_generator", "manual_seed", "initial_seed", "seed",
    "get_rng_state", "set_rng_state", "fork_rng", "resolve", "fill_",
    "draw_uniform", "draw_normal", "draw_randint", "draw_random", "draw_bernoulli",
    "draw_exponential", "draw_randperm", "draw_multinomial", "draw_cauchy", "draw_log_normal",
    "draw_geometric",
]

# PyTorch's seed for a new torch.Generator() (c10's default_rng_seed_val).
DEFAULT_SEED = 67280421310721
_N = 624  # words of Mersenne Twister state
_STATE_BYTES = 5056  # sizeof PyTorch's CPUGeneratorImplState
_U64 = np.uint64
# A normal_ of at least this many contiguous values takes PyTorch's block path.
_NORMAL_BLOCK = 16


def _mt_key(seed: int) -> np.ndarray:
    """The 624 state words of mt19937 seeded with the low 32 bits of ``seed``
    (``key[i] = 1812433253 * (key[i-1] ^ (key[i-1] >> 30)) + i`` modulo 2^32)."""
    key = np.empty(_N, dtype=np.uint32)
    x = seed & 0xFFFFFFFF
    key[0] = x
    for i in range(1, _N):
        x = (1812433253 * (x ^ (x >> 30)) + i) & 0xFFFFFFFF
        key[i] = x
    return key


def _as_seed(seed, what: str) -> int:
    """A seed as PyTorch takes it: an int in [-2^63, 2^64), negative ones wrapped."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        # a 0-d integer tensor is accepted, as in PyTorch
        array = getattr(seed, "_array", None)
        if array is None or np.ndim(array) != 0 or not np.issubdtype(array.dtype, np.integer):
            raise TypeError(f"{what}: expected an integer seed, got {type(seed).__name__}; "
                            f"e.g. {what}(0)")
        seed = array.item()
    seed = int(seed)
    if not -(2**63) <= seed < 2**64:
        raise RuntimeError(f"{what}: seed {seed} is out of range; it must be within "
                           "[-0x8000_0000_0000_0000, 0xffff_ffff_ffff_ffff]")
    return seed & 0xFFFF_FFFF_FFFF_FFFF  # two's complement, as PyTorch


class Generator:
    """A random number generator with PyTorch's CPU streams (``torch.Generator``).

    >>> g = Generator().manual_seed(2147483647)
    >>> g.initial_seed()
    2147483647

    A new generator is seeded with PyTorch's default seed 67280421310721; every draw
    function of reseau takes one as ``generator=``.
    """

    def __init__(self, device="cpu"):
        self._device = check_device(device, "Generator")
        self._bits = np.random.MT19937(0)
        self.manual_seed(DEFAULT_SEED)

    @property
    def device(self):
        return self._device

    def __repr__(self) -> str:
        return f"<reseau.Generator object at {id(self):#x}>"  # as PyTorch shows its own

    # --- seeding and state, as torch.Generator ---------------------------------------

    def manual_seed(self, seed) -> "Generator":
        """Reseed (the low 32 bits reach the twister, ``initial_seed`` keeps all 64);
        returns the generator itself, so ``Generator().manual_seed(s)`` works."""
        seed = _as_seed(seed, "manual_seed")
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": _mt_key(seed), "pos": _N}}
        self._seed = seed
        self._fresh = True  # PyTorch's state reads next = 0 until the first draw
        self._next_double_normal = None  # Box-Muller's cached sine
        self._next_float_normal = None
        return self

    def initial_seed(self) -> int:
        """The seed given to the last ``manual_seed`` (or drawn by ``seed()``)."""
        return self._seed

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new 64-bit seed."""
        new = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(new)
        return new

    def get_state(self):
        """The state as PyTorch lays it out: 5056 bytes (``uint8``), which
        ``set_state`` (also PyTorch's) takes back. A Tensor once ``reseau`` is
        imported (the numpy array before that)."""
        raw = self._bits.state["state"]
        pos = int(raw["pos"])
        buf = np.zeros(_STATE_BYTES, dtype=np.uint8)
        buf[0:8] = np.frombuffer(np.uint64(self._seed).tobytes(), np.uint8)
        left, nxt = (1, 0) if self._fresh else (_N + 1 - pos, pos)
        buf[8:16] = np.array([left, 1], dtype=np.int32).view(np.uint8)  # left, seeded
        buf[16:24] = np.array([nxt], dtype=np.uint64).view(np.uint8)
        buf[24:24 + 8 * _N] = raw["key"].astype(np.uint64).view(np.uint8)
        if self._next_double_normal is not None:
            buf[5024:5032] = np.array([self._next_double_normal]).view(np.uint8)
            buf[5040:5044] = np.array([1], dtype=np.int32).view(np.uint8)
        if self._next_float_normal is not None:
            buf[5048:5052] = np.array([self._next_float_normal], np.float32).view(np.uint8)
            buf[5052] = 1
        return _wrap_state(buf)

    def set_state(self, new_state) -> "Generator":
        """Put back a state from ``get_state`` (reseau's or PyTorch's bytes)."""
        buf = np.asarray(getattr(new_state, "_array", new_state))
        if buf.dtype != np.uint8 or buf.shape != (_STATE_BYTES,):
            raise RuntimeError(f"set_state: expected a uint8 tensor of {_STATE_BYTES} bytes "
                               f"(from get_state), got dtype {buf.dtype} shape {tuple(buf.shape)}")
        buf = np.ascontiguousarray(buf)
        left = int(buf[8:12].view(np.int32)[0])
        nxt = int(buf[16:24].view(np.uint64)[0])
        key = buf[24:24 + 8 * _N].view(np.uint64)
        if not 1 <= left <= _N or nxt > _N or (key > 0xFFFFFFFF).any():
            raise RuntimeError("set_state: invalid mt19937 state (left/next out of range); "
                               "pass a state returned by get_state")
        pos = _N if left == 1 else nxt
        self._bits.state = {"bit_generator": "MT19937",
                            "state": {"key": key.astype(np.uint32), "pos": pos}}
        self._seed = int(buf[0:8].view(np.uint64)[0])
        self._fresh = left == 1 and nxt == 0
        valid_d = int(buf[5040:5044].view(np.int32)[0])
        self._next_double_normal = float(buf[5024:5032].view(np.float64)[0]) if valid_d \
            else None
        self._next_float_normal = float(buf[5048:5052].view(np.float32)[0]) if buf[5052] \
            else None
        return self

    # --- the raw stream ----------------------------------------------------------------

    def _words(self, n: int) -> np.ndarray:
        """``n`` 32-bit words (as uint64), PyTorch's ``random()``."""
        if n:
            self._fresh = False
        return self._bits.random_raw(n).astype(_U64)

    def _words64(self, n: int) -> np.ndarray:
        """``n`` 64-bit draws, PyTorch's ``random64()``: two words, the first one high."""
        w = self._words(2 * n)
        return (w[0::2] << _U64(32)) | w[1::2]

    def _unit(self, n: int, dtype) -> np.ndarray:
        """``n`` uniforms in [0, 1) with the bits PyTorch uses for ``dtype``: 53 of a
        64-bit draw for float64; 24 of a word otherwise (float32; float16 rounds them)."""
        if np.dtype(dtype) == np.float64:
            return (self._words64(n) & _U64((1 << 53) - 1)).astype(np.float64) * 2.0**-53
        return ((self._words(n) & _U64((1 << 24) - 1)).astype(np.float64)
                * 2.0**-24).astype(np.float32)

    # --- NumPy's Generator methods, so that code written for numpy.random.Generator
    # (reseau's convention before PyTorch's streams) draws from this stream. float64
    # values, PyTorch's transformations.

    def random(self, size=None):
        """Uniforms in [0, 1) (float64), as ``numpy.random.Generator.random``."""
        return _scalar_or(draw_uniform(_shape(size), np.float64, generator=self), size)

    def uniform(self, low=0.0, high=1.0, size=None):
        if np.ndim(low) or np.ndim(high):  # array bounds, broadcast as NumPy does
            size = np.broadcast_shapes(np.shape(low), np.shape(high)) if size is None else size
            u = draw_uniform(_shape(size), np.float64, generator=self)
            return u * (np.asarray(high) - np.asarray(low)) + np.asarray(low)
        return _scalar_or(draw_uniform(_shape(size), np.float64, low, high, self), size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        if np.ndim(loc) or np.ndim(scale):  # array parameters, broadcast as NumPy does
            size = np.broadcast_shapes(np.shape(loc), np.shape(scale)) if size is None else size
            z = draw_normal(_shape(size), np.float64, generator=self)
            return z * np.asarray(scale) + np.asarray(loc)
        return _scalar_or(draw_normal(_shape(size), np.float64, loc, scale, self), size)

    def standard_normal(self, size=None, dtype=np.float64):
        return _scalar_or(draw_normal(_shape(size), dtype, generator=self), size)

    def integers(self, low, high=None, size=None, dtype=np.int64, endpoint=False):
        if high is None:
            low, high = 0, low
        high = int(high) + (1 if endpoint else 0)
        drawn = draw_randint(_shape(size), np.int64, int(low), high, self).astype(dtype)
        return _scalar_or(drawn, size)

    def permutation(self, x):
        order = draw_randperm(int(x) if np.ndim(x) == 0 else len(x), self)
        return order if np.ndim(x) == 0 else np.asarray(x)[order]

    def shuffle(self, x) -> None:
        x[...] = np.asarray(x)[draw_randperm(len(x), self)]

    def choice(self, a, size=None, replace=True, p=None):
        pool = np.arange(a) if np.ndim(a) == 0 else np.asarray(a)
        count = int(np.prod(_shape(size)))
        if p is not None:
            picked = draw_multinomial(np.asarray(p, np.float64)[None], count, replace, self)[0]
        elif replace:
            picked = draw_randint((count,), np.int64, 0, len(pool), self)
        else:
            picked = draw_randperm(len(pool), self)[:count]
        return _scalar_or(pool[picked].reshape(_shape(size)), size)


def _shape(size) -> tuple:
    if size is None:
        return ()
    return (int(size),) if np.ndim(size) == 0 else tuple(int(s) for s in size)


def _scalar_or(array: np.ndarray, size):
    return array[()] if size is None else array


# get_state gives a Tensor: creation.py (above tensor.py) installs the wrapper at import,
# so that this file, which the backend imports, imports no Tensor.
_state_wrapper = None


def _wrap_state(buf: np.ndarray):
    return buf if _state_wrapper is None else _state_wrapper(buf)


def set_state_wrapper(wrap) -> None:
    """Called once by ``creation.py``: ``get_state`` returns ``wrap(bytes)`` (a Tensor)."""
    global _state_wrapper
    _state_wrapper = wrap


#: The generator behind every draw that is given no ``generator=`` (``torch.default_generator``).
default_generator = Generator()
default_generator.seed()  # as PyTorch: a fresh process draws different numbers


def resolve(generator) -> Generator:
    """``generator``, or the default generator for None."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator: expected a reseau.Generator, got "
                        f"{type(generator).__name__}; e.g. generator=reseau.Generator()"
                        ".manual_seed(0)")
    return generator


def fill_(array: np.ndarray, draw, *params, generator=None) -> None:
    """Overwrite ``array`` in place with ``draw(shape, dtype, *params)``, visiting the
    entries in memory order as PyTorch's iterator does (a transposed view is filled as
    its transpose); a strided view takes the element-by-element normal path."""
    target = array
    if array.flags.f_contiguous and not array.flags.c_contiguous:
        target = array.T  # array parameters (bernoulli_'s p) are turned the same way
        params = tuple(np.broadcast_to(q, array.shape).T if isinstance(q, np.ndarray) else q
                       for q in params)
    options = {"contiguous": array.flags.c_contiguous} if draw is draw_normal else {}
    target[...] = draw(target.shape, array.dtype, *params, generator=generator, **options)


#: The last seed given to :func:`manual_seed` (None: never called): a device's generator
#: built later starts from it, as PyTorch seeds a CUDA generator it initialises late.
last_manual_seed = None
#: Called with the seed by :func:`manual_seed` (the cuda backend seeds its devices).
seed_listeners: list = []


def manual_seed(seed) -> Generator:
    """Reseed the default generator and every device's (PyTorch's ``torch.manual_seed``);
    returns the default generator."""
    global last_manual_seed
    generator = default_generator.manual_seed(seed)
    last_manual_seed = generator.initial_seed()
    for listener in seed_listeners:
        listener(last_manual_seed)
    return generator


def initial_seed() -> int:
    return default_generator.initial_seed()


def seed() -> int:
    """Reseed the default generator nondeterministically; returns the seed."""
    return default_generator.seed()


def get_rng_state():
    """The default generator's state (5056 bytes, PyTorch's layout)."""
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled: bool = True, **_ignored):
    """``with fork_rng():`` draws (and reseeds) inside the block leave the default
    generator as it was before, errors included (``torch.random.fork_rng``)."""
    if not enabled:
        yield
        return
    state = default_generator.get_state()
    try:
        yield
    finally:
        default_generator.set_state(state)


# --- PyTorch's transformations from words to values ---------------------------------------

def _float_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"expected a floating dtype for this draw, got {dtype}")
    return dtype


def draw_uniform(shape, dtype, low=0.0, high=1.0, generator=None) -> np.ndarray:
    """U(low, high) as ``torch.rand`` / ``uniform_``: ``fma(u, high - low, low)`` in the
    dtype, ``u`` from 24 bits (float32, float16) or 53 bits (float64)."""
    gen, dtype = resolve(generator), _float_dtype(dtype)
    n = math.prod(shape)
    acc = np.float64 if dtype == np.float64 else np.float32
    low_, high_ = acc(low), acc(high)
    u = gen._unit(n, dtype)
    values = u if (low_ == 0 and high_ == 1) else fma(u, high_ - low_, low_, acc)
    return values.astype(dtype, copy=False).reshape(shape)


def draw_normal(shape, dtype, mean=0.0, std=1.0, generator=None,
                contiguous: bool = True) -> np.ndarray:
    """N(mean, std^2) as ``torch.randn`` / ``normal_``.

    At least 16 contiguous values: all uniforms of the dtype first, then Box-Muller on
    blocks of 16 (``u1 = 1 - x[j]``, ``u2 = x[j + 8]``, ``r = sqrt(-2 log u1)``,
    ``x[j] = r cos(2 pi u2)``, ``x[j + 8] = r sin(2 pi u2)``), the last block redrawn.
    Fewer (or a strided view): one float64 Box-Muller pair per two values, the sine kept
    by the generator for the next value, as ``at::normal_distribution<double>``."""
    gen, dtype = resolve(generator), _float_dtype(dtype)
    n = math.prod(shape)
    if n >= _NORMAL_BLOCK and contiguous:
        acc = np.float64 if dtype == np.float64 else np.float32
        x = gen._unit(n, acc)
        out = np.empty(n, acc)
        full = n - n % _NORMAL_BLOCK
        out[:full] = _box_muller_blocks(x[:full], acc, mean, std)
        if full < n:
            tail = _box_muller_blocks(gen._unit(_NORMAL_BLOCK, acc), acc, mean, std)
            out[n - _NORMAL_BLOCK:] = tail
        return out.astype(dtype, copy=False).reshape(shape)
    return fma(_scalar_normals(gen, n), std, mean, np.float64).astype(dtype).reshape(shape)


def _box_muller_blocks(x: np.ndarray, acc, mean, std) -> np.ndarray:
    """PyTorch's Box-Muller on consecutive blocks of 16 uniforms (``normal_fill_16``).
    float64 uses the libm functions; float32 follows the AVX2 kernel of x86 builds, all
    in float32 with Cephes' polynomial ``log``, ``sin`` and ``cos`` (``kernel_math``)."""
    blocks = x.reshape(-1, 2, 8)
    u1, u2 = 1 - blocks[:, 0], blocks[:, 1]
    if acc == np.float64:
        radius = np.sqrt(-2.0 * np.log(u1))
        theta = 2.0 * math.pi * u2
        first, second = radius * np.cos(theta), radius * np.sin(theta)
    else:
        radius = np.sqrt(np.float32(-2.0) * logf(u1))
        sine, cosine = sincosf(np.float32(2.0 * math.pi) * u2)
        first, second = radius * cosine, radius * sine
    out = np.stack([first, second], axis=1).reshape(-1)
    return out if (mean == 0 and std == 1) else fma(out, acc(std), acc(mean), acc)


def _scalar_normals(gen: Generator, n: int) -> np.ndarray:
    """``n`` float64 standard normals from ``at::normal_distribution<double>``: a pair of
    53-bit uniforms ``(u1, u2)`` gives ``r cos t`` now and ``r sin t`` (cached) next, with
    ``r = sqrt(-2 log(1 - u2))``, ``t = 2 pi u1``."""
    out = np.empty(n, np.float64)
    start = 0
    if n and gen._next_double_normal is not None:
        out[0], gen._next_double_normal, start = gen._next_double_normal, None, 1
    pairs = (n - start + 1) // 2
    if pairs:
        u = gen._unit(2 * pairs, np.float64)
        radius = np.sqrt(-2.0 * np.log1p(-u[1::2]))
        theta = 2.0 * math.pi * u[0::2]
        both = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1).ravel()
        out[start:] = both[: n - start]
        if (n - start) % 2:
            gen._next_double_normal = float(both[-1])
    return out


def draw_randint(shape, dtype, low: int, high: int, generator=None) -> np.ndarray:
    """Integers in [low, high) as ``torch.randint`` / ``random_(low, high)``:
    ``w % (high - low) + low``, ``w`` one 32-bit word, or a 64-bit draw when the range is
    at least 2^32 (for int64, float32 and float64 results)."""
    gen = resolve(generator)
    span = int(high) - int(low)
    if span <= 0:
        raise RuntimeError(f"random_: expected low < high, got low={low}, high={high}")
    n = math.prod(shape)
    dtype = np.dtype(dtype)
    if span >= 2**32 and dtype in (np.int64, np.float32, np.float64):
        words = gen._words64(n)
    else:
        words = gen._words(n)
    values = (words % _U64(span)).astype(np.int64) + np.int64(low)
    return values.astype(dtype).reshape(shape)


def draw_random(shape, dtype, generator=None) -> np.ndarray:
    """``random_()`` without bounds: ``w % (max + 1)`` of the integer dtype (a 64-bit draw
    for int64), ``w % (2^digits + 1)`` for floats (24 digits float32, 53 float64)."""
    gen, dtype = resolve(generator), np.dtype(dtype)
    n = math.prod(shape)
    if dtype == np.bool_:
        return (gen._words(n) & _U64(1)).astype(np.bool_).reshape(shape)
    if dtype.kind == "f":
        digits = np.finfo(dtype).nmant + 1
        words = gen._words64(n) if dtype == np.float64 else gen._words(n)
        return (words % _U64((1 << digits) + 1)).astype(dtype).reshape(shape)
    words = gen._words64(n) if dtype == np.int64 else gen._words(n)
    top = int(np.iinfo(dtype).max) + 1
    return (words % _U64(top)).astype(dtype).reshape(shape)


def draw_bernoulli(shape, dtype, p, generator=None) -> np.ndarray:
    """0/1 draws with probability ``p`` (``bernoulli_``): ``u < p``, ``u`` a 53-bit
    uniform for a number ``p`` or a float64 array, 24-bit for a float32 array."""
    gen = resolve(generator)
    if np.ndim(p) == 0 and not isinstance(p, np.ndarray):
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_: expected 0 <= p <= 1, got p={p}")
        n = math.prod(shape)
        return (gen._unit(n, np.float64) < float(p)).astype(dtype).reshape(shape)
    probs = np.broadcast_to(np.asarray(p), shape)
    acc = np.float64 if probs.dtype == np.float64 else np.float32
    u = gen._unit(probs.size, acc).reshape(probs.shape)
    return (u < probs.astype(acc)).astype(dtype)


def draw_exponential(shape, dtype, lambd=1.0, generator=None) -> np.ndarray:
    """Exponential(lambd) as ``exponential_``: ``-1/lambd * log1p(-u)`` in float64,
    ``u`` a 53-bit uniform, then rounded to the dtype."""
    gen = resolve(generator)
    if not lambd > 0:
        raise RuntimeError(f"exponential_: expected lambd > 0, got {lambd}")
    u = gen._unit(math.prod(shape), np.float64)
    return ((-1.0 / lambd) * np.log1p(-u)).astype(dtype).reshape(shape)


def draw_cauchy(shape, dtype, median=0.0, sigma=1.0, generator=None) -> np.ndarray:
    """Cauchy draws as ``cauchy_``: ``median + sigma * tan(pi (u - 1/2))``, ``u`` a 53-bit
    uniform, in float64 then rounded to the dtype."""
    u = resolve(generator)._unit(math.prod(shape), np.float64)
    return (median + sigma * np.tan(math.pi * (u - 0.5))).astype(dtype).reshape(shape)


def draw_log_normal(shape, dtype, mean=1.0, std=2.0, generator=None) -> np.ndarray:
    """``exp`` of the float64 normal draws of the element-by-element path
    (``log_normal_``)."""
    gen = resolve(generator)
    normals = fma(_scalar_normals(gen, math.prod(shape)), std, mean, np.float64)
    return np.exp(normals).astype(dtype).reshape(shape)


def draw_geometric(shape, dtype, p, generator=None) -> np.ndarray:
    """Geometric draws (trials up to the first success) as ``geometric_``:
    ``ceil(log(u) / log(1 - p))``, ``u`` a 53-bit uniform."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_: expected 0 < p < 1, got p={p}")
    u = resolve(generator)._unit(math.prod(shape), np.float64)
    return np.ceil(np.log(u) / np.log1p(-p)).astype(dtype).reshape(shape)


def draw_randperm(n: int, generator=None) -> np.ndarray:
    """A permutation of ``range(n)`` (int64) as ``torch.randperm``: for ``i < n - 1``,
    swap ``i`` with ``i + w % (n - i)``; from ``n >= 2^32 / 20``, PyTorch's inside-out
    shuffle with 64-bit draws (``z = w64 % (i + 1)``)."""
    gen = resolve(generator)
    n = int(n)
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    if n < (2**32 - 1) // 20:
        picks = (gen._words(max(n - 1, 0)) % np.arange(n, 1, -1, dtype=_U64)).tolist()
        order = list(range(n))
        for i, z in enumerate(picks):
            j = i + z
            order[i], order[j] = order[j], order[i]
        return np.array(order, dtype=np.int64)
    picks = (gen._words64(n) % np.arange(1, n + 1, dtype=_U64)).tolist()
    order = [0] * n
    for i, z in enumerate(picks):
        order[i] = order[z]
        order[z] = i
    return np.array(order, dtype=np.int64)


def draw_multinomial(probs: np.ndarray, num_samples: int, replacement: bool = False,
                     generator=None) -> np.ndarray:
    """Category indices (int64, one row per row of ``probs``) as ``torch.multinomial``.

    One sample, or without replacement: ``q ~ Exponential(1)`` (float64 draws rounded to
    the dtype of ``probs``) and the ``num_samples`` largest ``probs / q`` (the Gumbel
    trick). With replacement and more than one sample: per row, the cumulative sum in the
    dtype of ``probs`` divided by its total, the last entry set to 1, and for each sample
    the first entry ``>=`` a 53-bit uniform."""
    gen = resolve(generator)
    probs = np.asarray(probs)
    rows = probs.reshape(-1, probs.shape[-1])
    k = rows.shape[1]
    if probs.dtype.kind != "f":
        raise RuntimeError(f"multinomial: expected floating-point probabilities, got "
                           f"{probs.dtype}")
    if not (np.isfinite(rows).all() and (rows >= 0).all()):
        raise RuntimeError("multinomial: probability tensor contains either inf, nan or "
                           "an element < 0")
    if (rows.sum(axis=1) <= 0).any():
        raise RuntimeError("multinomial: invalid distribution: a row sums to 0")
    if not replacement and num_samples > k:
        raise RuntimeError(f"multinomial: cannot draw {num_samples} samples without "
                           f"replacement from {k} categories")
    if not replacement or num_samples == 1:
        q = draw_exponential(rows.shape, rows.dtype, 1.0, gen)
        keys = rows / q
        if num_samples == 1:
            picked = np.argmax(keys, axis=1)[:, None]
        else:
            picked = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
    else:
        picked = np.empty((rows.shape[0], num_samples), np.int64)
        for r, row in enumerate(rows):
            cumulative = np.cumsum(row, dtype=row.dtype)
            cumulative = cumulative / cumulative[-1]
            cumulative[-1] = 1
            u = gen._unit(num_samples, np.float64)
            picked[r] = np.searchsorted(cumulative, u, side="left")
    return picked.astype(np.int64).reshape(probs.shape[:-1] + (num_samples,))
