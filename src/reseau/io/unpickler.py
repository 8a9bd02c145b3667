"""A pickle reader that executes nothing: the opcodes are interpreted one by one.

Python's ``pickle`` module imports every module and calls every function a file names
(``GLOBAL os system`` then ``REDUCE`` runs a shell command). This reader understands the
opcodes that describe data (protocols 2 to 5: numbers, strings, bytes, ``None``, booleans,
tuples, lists, dicts, sets, the memo) and treats the others as requests it may refuse:

* ``GLOBAL`` / ``STACK_GLOBAL`` name a Python object; the name is looked up in an
  allow-list the caller gives (``{"collections.OrderedDict": Allowed(...)}``), mapped to
  reseau's own constructors. Any other name is refused with :class:`ModelFileError`
  before anything else happens: nothing is ever imported.
* ``REDUCE`` / ``NEWOBJ`` call one of those allowed constructors with the arguments the
  file gives (checked by the constructor); ``BUILD`` may only set the state of an
  ``OrderedDict`` (the ``_metadata`` of a PyTorch state dict).
* ``BINPERSID`` hands the id to the caller's ``persistent_load`` (storages).

Everything is bounded: the number of opcodes (``MAX_OPCODES``), hence of the objects on
the stack and in the memo (each opcode makes at most one), the depth of ``MARK``s
(``MAX_MARKS``), the length of every string, bytes or integer by the bytes left in the
stream (checked before reading); and the result is walked once (iteratively) to refuse
cycles and nesting deeper than ``MAX_DEPTH``, so that code that later walks it
recursively cannot overflow.
"""

from __future__ import annotations

import collections
import struct
from dataclasses import dataclass
from typing import Any, Callable

from .errors import ModelFileError

__all__ = ["Allowed", "unpickle", "short", "BASIC_GLOBALS", "MAX_DEPTH", "MAX_MARKS",
           "MAX_OPCODES"]

#: the deepest nesting of containers accepted in a result (PyTorch's files nest < 10)
MAX_DEPTH = 200
#: the most ``MARK``s open at once (each is one nesting level under construction)
MAX_MARKS = 1000
#: the largest integer accepted, in bytes of its two's complement (LONG1/LONG4)
MAX_LONG_BYTES = 1024
#: the most opcodes interpreted: each makes at most one object (an empty set, the
#: largest, ~200 bytes), so memory stays under ~0.5 GB whatever the file; a state dict
#: of 1,000 tensors takes ~25,000 opcodes, a 50,000-word vocabulary ~150,000
MAX_OPCODES = 2_000_000


@dataclass(frozen=True)
class Allowed:
    """An allowed global: what ``GLOBAL module name`` resolves to.

    ``call`` builds the object (``REDUCE`` / ``NEWOBJ`` with the file's arguments) and
    must check them; ``value``, when not None, is pushed instead of the entry (a dtype).
    An entry with neither is a name that only the caller's constructors may receive as
    an argument (a storage class); it may not stay in the result.
    """

    name: str
    call: Callable[..., Any] | None = None
    value: Any = None


def short(value) -> str:
    """A value as a one-line error message may show it (a file's values can be long,
    hold newlines, or be whole tensors)."""
    if isinstance(value, (str, bytes, int, float, bool, type(None))):
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return f"a {type(value).__name__}"


class Refused(Exception):
    """An internal signal: the file is refused for ``reason`` (turned into a
    ModelFileError that names the file)."""


# --------------------------------------------------------- safe basic constructors
def _ordered_dict(*args):
    if not args:
        return collections.OrderedDict()
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        items = args[0]
        if all(isinstance(kv, (list, tuple)) and len(kv) == 2 for kv in items):
            return collections.OrderedDict(_hashable_pairs(items))
    raise Refused("collections.OrderedDict called with arguments other than a list of pairs")


def _counter(*args):
    if not args:
        return collections.Counter()
    if len(args) == 1 and isinstance(args[0], dict):
        return collections.Counter(dict(_hashable_pairs(args[0].items())))
    raise Refused("collections.Counter called with arguments other than a dict")


def _set(*args):
    if not args:
        return set()
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        for item in args[0]:
            _check_key(item)
        return set(args[0])
    raise Refused("builtins.set called with arguments other than a list")


def _complex(real=0.0, imag=0.0):
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (real, imag)):
        return complex(real, imag)
    raise Refused("builtins.complex called with arguments other than two numbers")


def _bytearray(*args):
    if not args:
        return bytearray()
    if len(args) == 1 and isinstance(args[0], (bytes, bytearray)):
        return bytearray(args[0])
    raise Refused("builtins.bytearray called with arguments other than bytes")


def _frozenset(*args):
    return frozenset(_set(*args))


def _codecs_encode(text, encoding="utf-8"):
    # protocol 2 writes bytes as _codecs.encode(text, "latin1"): only that is accepted
    if isinstance(text, str) and isinstance(encoding, str) and encoding in ("latin1",
                                                                           "latin-1"):
        try:
            return text.encode("latin1")
        except UnicodeEncodeError:
            pass
    raise Refused("_codecs.encode called with arguments other than (text, 'latin1')")


#: the globals of Python itself that describe data (PyTorch's weights_only loader
#: accepts the same); protocol 2 files may spell builtins ``__builtin__``
BASIC_GLOBALS: dict[str, Allowed] = {
    "collections.OrderedDict": Allowed("collections.OrderedDict", _ordered_dict),
    "collections.Counter": Allowed("collections.Counter", _counter),
    "builtins.set": Allowed("builtins.set", _set),
    "builtins.frozenset": Allowed("builtins.frozenset", _frozenset),
    "builtins.complex": Allowed("builtins.complex", _complex),
    "builtins.bytearray": Allowed("builtins.bytearray", _bytearray),
    "_codecs.encode": Allowed("_codecs.encode", _codecs_encode),
}
BASIC_GLOBALS.update({"__builtin__." + k.split(".")[1]: v for k, v in BASIC_GLOBALS.items()
                      if k.startswith("builtins.")})


_KEY_TYPES = (str, bytes, int, float, complex, type(None))


def _check_key(key, depth: int = 0) -> None:
    """A dict key or set item must be a plain value (a string, a number, None, bytes)
    or a shallow tuple of them: hashing and comparing those runs no code of reseau's
    (a tensor's ``==`` would), and cannot recurse deeply."""
    if isinstance(key, tuple) and depth < 8:
        for item in key:
            _check_key(item, depth + 1)
    elif not isinstance(key, _KEY_TYPES):
        raise Refused(f"a dict key or set item is {short(key)}, not a string, a number, "
                      "None, bytes or a shallow tuple of them (not hashable data)")


def _hashable_pairs(items):
    for k, v in items:
        _check_key(k)
        yield k, v


# ------------------------------------------------------------------ the reader
class _Reader:
    """The interpreter's state: the bytes, the position, the stack, the memo."""

    def __init__(self, data: bytes, allowed: dict[str, Allowed],
                 persistent_load: Callable[[Any], Any] | None,
                 refuse_global: Callable[[str], str]):
        self.data = memoryview(data)
        self.pos = 0
        self.allowed = allowed
        self.persistent_load = persistent_load
        self.refuse_global = refuse_global
        self.stack: list = []
        self.frames: list[list] = []  # the stacks put aside by MARK
        self.memo: dict[int, Any] = {}

    # ---- bytes
    def read(self, n: int) -> bytes:
        if n < 0 or n > len(self.data) - self.pos:
            raise Refused(f"the pickle asks for {n} bytes at offset {self.pos} but only "
                          f"{len(self.data) - self.pos} are left (truncated or corrupted)")
        out = bytes(self.data[self.pos:self.pos + n])
        self.pos += n
        return out

    def unpack(self, fmt: str):
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def readline(self) -> str:
        end = bytes(self.data[self.pos:self.pos + 1024]).find(b"\n")
        if end < 0:
            raise Refused(f"a line at offset {self.pos} has no end (corrupted)")
        line = self.read(end + 1)[:-1]
        try:
            return line.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(f"a name at offset {self.pos} is not UTF-8 text") from None

    # ---- stack
    def push(self, value) -> None:
        # not ``self.stack.append(f())``: f may be pop_mark, which replaces self.stack
        self.stack.append(value)

    def pop(self):
        if not self.stack:
            raise Refused(f"the pickle pops an empty stack at offset {self.pos - 1}")
        return self.stack.pop()

    def top(self):
        if not self.stack:
            raise Refused(f"the pickle reads an empty stack at offset {self.pos - 1}")
        return self.stack[-1]

    def pop_mark(self) -> list:
        if not self.frames:
            raise Refused(f"the pickle closes a MARK it never opened at offset {self.pos - 1}")
        items = self.stack
        self.stack = self.frames.pop()
        return items

    def push_mark(self) -> None:
        if len(self.frames) >= MAX_MARKS:
            raise Refused(f"the pickle opens more than {MAX_MARKS} nested MARKs (a data "
                          "structure this deep is not a model file)")
        self.frames.append(self.stack)
        self.stack = []

    def memo_get(self, index: int):
        if index not in self.memo:
            raise Refused(f"the pickle reads memo entry {index}, which was never written")
        return self.memo[index]

    def memo_put(self, index: int) -> None:
        self.memo[index] = self.top()

    # ---- globals
    def resolve(self, module: str, name: str):
        full = f"{module}.{name}"
        entry = self.allowed.get(full)
        if entry is None:
            raise Refused(self.refuse_global(full))
        return entry if entry.value is None else entry.value

    def call(self, func, args, opcode: str):
        if not isinstance(func, Allowed) or func.call is None:
            raise Refused(f"{opcode} applied to {getattr(func, 'name', type(func).__name__)}, "
                          "not to an allowed constructor")
        if not isinstance(args, tuple):
            raise Refused(f"{opcode} on {func.name} with arguments that are not a tuple")
        try:
            return func.call(*args)
        except (TypeError, ValueError, OverflowError) as e:  # arguments of the wrong kind
            raise Refused(f"{func.name} called with unexpected arguments "
                          f"({short(str(e))})") from None

    def setitems(self, target, items: list) -> None:
        if not isinstance(target, dict):
            raise Refused(f"the pickle sets items on a {type(target).__name__}, not a dict")
        if len(items) % 2:
            raise Refused("the pickle sets items from an odd number of keys and values")
        for i in range(0, len(items), 2):
            _check_key(items[i])
            target[items[i]] = items[i + 1]

    def build(self, state) -> None:
        inst = self.top()
        if isinstance(inst, collections.OrderedDict) and isinstance(state, dict):
            # a PyTorch state dict carries its _metadata (per-module versions) this way
            for key, value in state.items():
                if not isinstance(key, str) or key.startswith("__"):
                    raise Refused(f"BUILD sets the attribute {short(key)} of an OrderedDict")
                setattr(inst, key, value)
            return
        if state is None or (isinstance(state, dict) and not state):
            return
        raise Refused(f"BUILD sets the state of a {type(inst).__name__}; only an "
                      "OrderedDict's attributes may be set")

    def run(self):
        ops = _OPCODES
        for _ in range(MAX_OPCODES):
            if self.pos >= len(self.data):
                raise Refused("the pickle ends before its STOP opcode (truncated)")
            code = self.data[self.pos]
            self.pos += 1
            handler = ops.get(code)
            if handler is None:
                raise Refused(f"the pickle uses opcode {bytes([code])!r} at offset "
                              f"{self.pos - 1}, which reseau does not read (not a data "
                              "opcode, or not a pickle)")
            if handler(self):
                return self.pop()
        raise Refused(f"the pickle holds more than {MAX_OPCODES:,} opcodes (no model file's "
                      "data is that many Python objects)")


# ------------------------------------------------------------------ opcodes
def _int_from(data: bytes) -> int:
    return int.from_bytes(data, "little", signed=True)


def _long(r: _Reader, n: int) -> None:
    if n > MAX_LONG_BYTES:
        raise Refused(f"an integer of {n} bytes (more than {MAX_LONG_BYTES})")
    r.stack.append(_int_from(r.read(n)))


def _text(r: _Reader, n: int) -> None:
    try:
        r.stack.append(r.read(n).decode("utf-8", "surrogatepass"))
    except UnicodeDecodeError:
        raise Refused(f"a string before offset {r.pos} is not valid UTF-8") from None


def _tuple(n: int):
    def op(r: _Reader) -> None:
        if len(r.stack) < n:
            raise Refused(f"TUPLE{n} on a stack of {len(r.stack)} items")
        items = tuple(r.stack[len(r.stack) - n:])
        del r.stack[len(r.stack) - n:]
        r.stack.append(items)
    return op


def _proto(r: _Reader) -> None:
    version = r.read(1)[0]
    if not 2 <= version <= 5:
        raise Refused(f"pickle protocol {version} (reseau reads protocols 2 to 5)")


def _global(r: _Reader) -> None:
    module = r.readline()
    name = r.readline()
    r.stack.append(r.resolve(module, name))


def _stack_global(r: _Reader) -> None:
    name, module = r.pop(), r.pop()
    if not isinstance(module, str) or not isinstance(name, str):
        raise Refused("STACK_GLOBAL with a module or a name that is not a string")
    r.stack.append(r.resolve(module, name))


def _reduce(r: _Reader) -> None:
    args = r.pop()
    func = r.pop()
    r.stack.append(r.call(func, args, "REDUCE"))


def _newobj(r: _Reader) -> None:
    args = r.pop()
    cls = r.pop()
    r.stack.append(r.call(cls, args, "NEWOBJ"))


def _newobj_ex(r: _Reader) -> None:
    kwargs, args, cls = r.pop(), r.pop(), r.pop()
    if kwargs:
        raise Refused("NEWOBJ_EX with keyword arguments")
    r.stack.append(r.call(cls, args, "NEWOBJ_EX"))


def _persid(r: _Reader, pid) -> None:
    if r.persistent_load is None:
        raise Refused("a persistent id in a pickle that should have none")
    r.stack.append(r.persistent_load(pid))


def _append(r: _Reader) -> None:
    item = r.pop()
    target = r.top()
    if not isinstance(target, list):
        raise Refused(f"APPEND to a {type(target).__name__}, not a list")
    target.append(item)


def _appends(r: _Reader) -> None:
    items = r.pop_mark()
    target = r.top()
    if not isinstance(target, list):
        raise Refused(f"APPENDS to a {type(target).__name__}, not a list")
    target.extend(items)


def _additems(r: _Reader) -> None:
    items = r.pop_mark()
    target = r.top()
    if not isinstance(target, set):
        raise Refused(f"ADDITEMS to a {type(target).__name__}, not a set")
    for item in items:
        _check_key(item)
    target.update(items)


def _frozenset(r: _Reader) -> None:
    items = r.pop_mark()
    for item in items:
        _check_key(item)
    r.push(frozenset(items))


def _setitem(r: _Reader) -> None:
    value, key = r.pop(), r.pop()
    r.setitems(r.top(), [key, value])


def _setitems(r: _Reader) -> None:
    items = r.pop_mark()
    r.setitems(r.top(), items)


def _dict(r: _Reader) -> None:
    items = r.pop_mark()
    target: dict = {}
    r.setitems(target, items)
    r.push(target)


def _memoize(r: _Reader) -> None:
    r.memo[len(r.memo)] = r.top()


def _stop(r: _Reader) -> bool:
    if r.frames:
        raise Refused("the pickle stops with a MARK still open (corrupted)")
    if len(r.stack) != 1:
        raise Refused(f"the pickle stops with {len(r.stack)} objects on its stack, not 1")
    return True


def _frame(r: _Reader) -> None:
    size = r.unpack("<Q")
    if size > len(r.data) - r.pos:
        raise Refused(f"a frame of {size} bytes where {len(r.data) - r.pos} are left")


def _binstring(r: _Reader, n: int) -> None:
    # a protocol 2 ``str`` of Python 2: read as text (ASCII, else latin-1), as torch does
    raw = r.read(n)
    r.stack.append(raw.decode("ascii") if raw.isascii() else raw.decode("latin1"))


_OPCODES: dict[int, Callable[[_Reader], Any]] = {
    0x80: _proto,                                                       # PROTO
    0x95: _frame,                                                       # FRAME
    ord("."): _stop,                                                    # STOP
    ord("("): lambda r: r.push_mark(),                                  # MARK
    ord("0"): lambda r: r.pop(),                                        # POP
    ord("1"): lambda r: r.pop_mark(),                                   # POP_MARK
    ord("2"): lambda r: r.stack.append(r.top()),                        # DUP
    ord("N"): lambda r: r.stack.append(None),                           # NONE
    0x88: lambda r: r.stack.append(True),                               # NEWTRUE
    0x89: lambda r: r.stack.append(False),                              # NEWFALSE
    ord("J"): lambda r: r.stack.append(r.unpack("<i")),                 # BININT
    ord("K"): lambda r: r.stack.append(r.read(1)[0]),                   # BININT1
    ord("M"): lambda r: r.stack.append(r.unpack("<H")),                 # BININT2
    0x8A: lambda r: _long(r, r.read(1)[0]),                             # LONG1
    0x8B: lambda r: _long(r, r.unpack("<i")),                           # LONG4
    ord("G"): lambda r: r.stack.append(r.unpack(">d")),                 # BINFLOAT
    ord("X"): lambda r: _text(r, r.unpack("<I")),                       # BINUNICODE
    0x8C: lambda r: _text(r, r.read(1)[0]),                             # SHORT_BINUNICODE
    0x8D: lambda r: _text(r, r.unpack("<Q")),                           # BINUNICODE8
    ord("U"): lambda r: _binstring(r, r.read(1)[0]),                    # SHORT_BINSTRING
    ord("T"): lambda r: _binstring(r, r.unpack("<i")),                  # BINSTRING
    ord("C"): lambda r: r.stack.append(r.read(r.read(1)[0])),           # SHORT_BINBYTES
    ord("B"): lambda r: r.stack.append(r.read(r.unpack("<I"))),         # BINBYTES
    0x8E: lambda r: r.stack.append(r.read(r.unpack("<Q"))),             # BINBYTES8
    0x96: lambda r: r.stack.append(bytearray(r.read(r.unpack("<Q")))),  # BYTEARRAY8
    ord(")"): lambda r: r.stack.append(()),                             # EMPTY_TUPLE
    ord("t"): lambda r: r.push(tuple(r.pop_mark())),                    # TUPLE
    0x85: _tuple(1),                                                    # TUPLE1
    0x86: _tuple(2),                                                    # TUPLE2
    0x87: _tuple(3),                                                    # TUPLE3
    ord("]"): lambda r: r.stack.append([]),                             # EMPTY_LIST
    ord("l"): lambda r: r.push(r.pop_mark()),                           # LIST
    ord("a"): _append,                                                  # APPEND
    ord("e"): _appends,                                                 # APPENDS
    ord("}"): lambda r: r.stack.append({}),                             # EMPTY_DICT
    ord("d"): _dict,                                                    # DICT
    ord("s"): _setitem,                                                 # SETITEM
    ord("u"): _setitems,                                                # SETITEMS
    0x8F: lambda r: r.stack.append(set()),                              # EMPTY_SET
    0x90: _additems,                                                    # ADDITEMS
    0x91: _frozenset,                                                   # FROZENSET
    ord("h"): lambda r: r.stack.append(r.memo_get(r.read(1)[0])),       # BINGET
    ord("j"): lambda r: r.stack.append(r.memo_get(r.unpack("<I"))),     # LONG_BINGET
    ord("q"): lambda r: r.memo_put(r.read(1)[0]),                       # BINPUT
    ord("r"): lambda r: r.memo_put(r.unpack("<I")),                     # LONG_BINPUT
    0x94: _memoize,                                                     # MEMOIZE
    ord("c"): _global,                                                  # GLOBAL
    0x93: _stack_global,                                                # STACK_GLOBAL
    ord("R"): _reduce,                                                  # REDUCE
    0x81: _newobj,                                                      # NEWOBJ
    0x92: _newobj_ex,                                                   # NEWOBJ_EX
    ord("b"): lambda r: r.build(r.pop()),                               # BUILD
    ord("Q"): lambda r: _persid(r, r.pop()),                            # BINPERSID
}


# ------------------------------------------------------------ the result's shape
def check_shape(obj, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a result that contains itself or nests deeper than ``max_depth``: one
    iterative walk that visits each container once (shared ones are fine)."""
    containers = (list, tuple, dict, set, frozenset)
    done: set[int] = set()
    on_path: set[int] = set()
    # each entry: (object, iterator over its children or None when first seen)
    stack: list[list] = [[obj, None]]
    while stack:
        entry = stack[-1]
        node, children = entry
        if children is None:
            if isinstance(node, Allowed):
                raise Refused(f"the data holds the bare name {node.name}, not a value")
            if not isinstance(node, containers) or id(node) in done:
                stack.pop()
                continue
            if id(node) in on_path:
                raise Refused("the data contains itself (a cycle), which no model file "
                              "holds")
            if len(stack) > max_depth:
                raise Refused(f"the data nests deeper than {max_depth} levels")
            on_path.add(id(node))
            if isinstance(node, dict):
                children = iter([*node.keys(), *node.values()])
            else:
                children = iter(node)
            entry[1] = children
        child = next(children, _END)
        if child is _END:
            on_path.discard(id(node))
            done.add(id(node))
            stack.pop()
        else:
            stack.append([child, None])


_END = object()


def unpickle(data: bytes, allowed: dict[str, Allowed], *,
             persistent_load: Callable[[Any], Any] | None = None,
             refuse_global: Callable[[str], str] | None = None,
             source: str = "the pickle") -> Any:
    """The object a pickle describes, built only from data opcodes and ``allowed``.

    ``allowed`` maps ``"module.name"`` to :class:`Allowed`; ``refuse_global(name)``
    gives the message for any other name (the caller knows what to suggest instead);
    ``persistent_load(pid)`` resolves ``BINPERSID`` ids. Every refusal raises
    :class:`ModelFileError` naming ``source``.

    Examples
    --------
    >>> unpickle(b"\\x80\\x02]q\\x00(K\\x01X\\x01\\x00\\x00\\x00ae.", BASIC_GLOBALS)
    [1, 'a']
    >>> try:
    ...     unpickle(b"cos\\nsystem\\n(S'echo hi'\\ntR.", BASIC_GLOBALS)
    ... except ModelFileError as e:
    ...     print(str(e)[:40])
    the pickle: refused: it names os.system,
    """
    def default_refusal(name: str) -> str:
        return f"it names {name}, which is not in the allow-list of data constructors"

    reader = _Reader(data, allowed, persistent_load, refuse_global or default_refusal)
    try:
        result = reader.run()
        check_shape(result)
    except Refused as e:
        raise ModelFileError(f"{source}: refused: {e}") from None
    except ModelFileError:
        raise
    except RecursionError:  # defensive: the reader itself never recurses
        raise ModelFileError(f"{source}: refused: the data nests too deeply") from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError,
            RuntimeError) as e:  # a combination no check above foresaw: still the file's fault
        raise ModelFileError(f"{source}: refused: the pickle is malformed near offset "
                             f"{reader.pos} ({type(e).__name__}: {short(str(e))})") from None
    return result
