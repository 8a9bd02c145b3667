"""The name tables: which activation, loss, optimizer, initialiser, schedule or data set
a name such as ``"relu"`` or ``"adam"`` means.

Each table is a :class:`Registry`, filled where the thing is defined, by a decorator::

    @ACTIVATIONS.register("relu")
    class ReLU(Module): ...

    @OPTIMIZERS.register("sgd", default_lr=0.1, momentum=True)
    class SGD(Optimizer): ...

Every consumer (``nn.MLP``, ``models``, the scikit-learn estimators, the labs, ``viz``,
the ``reseau`` command) reads these tables, so adding an activation, a loss or an
optimizer is one decorated class; the check of a name is written once, in
:meth:`Registry.get`. This module is a leaf: it imports nothing from reseau (the tables
are filled when ``reseau.nn``, ``reseau.optim`` and ``reseau.data`` are imported, which
importing ``reseau`` does).

Extra information a table's entries carry (keyword arguments of ``register``):

- ``ACTIVATIONS`` (Module classes, built without arguments): ``kwargs``, the
  arguments the name implies (``"softmax"`` is ``Softmax(dim=-1)``); ``output_only``,
  true for those that normalise a whole row (softmax, log_softmax), which make no
  sense between hidden layers.
- ``LOSSES`` (loss Module classes): ``task``, ``"classification"`` or
  ``"regression"``.
- ``OPTIMIZERS`` (Optimizer classes): ``default_lr``, the learning rate used when none
  is given by name (the ``reseau train`` command, the grid search); ``momentum``, true
  for the optimizers that take a ``momentum`` argument.
- ``INITIALISERS`` (in-place functions of ``nn.init``, such as ``xavier_uniform_``).
- ``SCHEDULES`` (learning-rate scheduler classes).
- ``DATASETS`` (loading functions of ``reseau.data``): ``kind``, ``"toy"`` (generated:
  ``f(n_samples, noise=..., seed=..., as_tensor=False)``), ``"table"`` (``f(as_tensor=
  False)``) or ``"images"`` (``f(train=..., root=..., as_tensor=False)``, with an
  official test set).
- ``MODELS`` (functions of ``reseau.models`` that build a ready-made network, such as
  ``lenet5``): ``input_shape``, the shape of one example without the batch dimension
  (``(1, 28, 28)``: an image data set is reshaped to it, as ``reseau train --model``
  does).

Default learning rates. Before this table they lived in three places with three
values for SGD: 0.1 in the ``reseau train`` command (seed 003's Circle experiment, and
what its tests and its ``--lr`` help text promise), 1e-3 as the default argument of
``optim.SGD`` (which the optimizer tests call without ``lr`` and compare with PyTorch's
trajectory at that rate). Users of the command see the command's value, users of the
class see the class's; neither may change. So ``default_lr`` here is the value a *name*
gets (the command's: sgd 0.1, adam and adamw 1e-3, rmsprop and adagrad 1e-2), and the
classes keep their own keyword defaults, which equal it except for SGD's 1e-3.
"""

from __future__ import annotations

import contextlib
import difflib

__all__ = ["Registry", "ACTIVATIONS", "LOSSES", "OPTIMIZERS", "INITIALISERS", "SCHEDULES",
           "DATASETS", "MODELS"]


class Registry:
    """Names mapped to objects (classes or functions) of one kind, with extra info.

    ``kind`` is the singular noun used in error messages ("activation").
    Names are lower case; :meth:`get` ignores case.

    Examples
    --------
    >>> SHAPES = Registry("shape")
    >>> @SHAPES.register("square", sides=4)
    ... class Square:
    ...     pass
    >>> SHAPES.get("Square") is Square, SHAPES.info("square"), SHAPES.names()
    (True, {'sides': 4}, ['square'])
    >>> SHAPES.get("squar")
    Traceback (most recent call last):
    ...
    ValueError: unknown shape 'squar'; expected one of square (did you mean 'square'?)
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._objects: dict[str, object] = {}
        self._info: dict[str, dict] = {}

    def register(self, name: str, **info):
        """A decorator that adds the decorated object under ``name``, with ``info``;
        it returns the object unchanged."""
        if not isinstance(name, str) or not name or name != name.lower():
            raise ValueError(f"{self.kind} registry: a name must be non-empty lower-case "
                             f"text, got {name!r}")

        def add(obj):
            if name in self._objects and self._objects[name] is not obj:
                raise ValueError(
                    f"{self.kind} registry: {name!r} is already registered (as "
                    f"{getattr(self._objects[name], '__qualname__', self._objects[name])}); "
                    f"choose another name or unregister({name!r}) first")
            self._objects[name] = obj
            self._info[name] = dict(info)
            return obj

        return add

    def unregister(self, name: str) -> None:
        """Remove ``name`` (e.g. an example's entry, once it is done)."""
        self._check(name)
        del self._objects[name.lower()], self._info[name.lower()]

    @contextlib.contextmanager
    def registered(self, name: str, obj, **info):
        """``with REG.registered(name, obj):`` the entry exists inside the block only."""
        self.register(name, **info)(obj)
        try:
            yield obj
        finally:
            self.unregister(name)

    def _check(self, name, caller: str | None = None, detail: str = "",
               alternatives: str = "") -> str:
        key = name.lower() if isinstance(name, str) else name
        if isinstance(key, str) and key in self._objects:
            return key
        names = self.names()
        close = difflib.get_close_matches(key, names, n=1) if isinstance(key, str) else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        where = f"{caller}: " if caller else ""
        raise ValueError(f"{where}unknown {self.kind} {name!r}{detail}; expected one of "
                         f"{', '.join(names)}{alternatives}{hint}")

    def get(self, name: str, caller: str | None = None, detail: str = "",
            alternatives: str = ""):
        """The object registered as ``name``.

        An unknown name raises ``ValueError`` naming the kind, the name, the valid names
        and the closest one; ``caller`` prefixes the message (``"MLP: unknown ..."``),
        ``detail`` follows the name (``" for hidden layer 2"``) and ``alternatives``
        follows the list of names (``", or a Module class"``).
        """
        return self._objects[self._check(name, caller, detail, alternatives)]

    def build(self, name: str, /, *args, **kwargs):
        """``get(name)(*args, **kwargs)``, with the ``kwargs`` info of the entry as
        defaults (``ACTIVATIONS.build("softmax")`` is ``Softmax(dim=-1)``). To word the
        error of an unknown name, check it with :meth:`get` first."""
        obj = self.get(name)
        return obj(*args, **{**self._info[name.lower()].get("kwargs", {}), **kwargs})

    def info(self, name: str) -> dict:
        """A copy of the extra info given when ``name`` was registered."""
        return dict(self._info[self._check(name)])

    def names(self, **where) -> list[str]:
        """The names in registration order; ``names(output_only=False)`` keeps those
        whose info matches (a missing key counts as ``False``)."""
        return [n for n in self._objects
                if all(self._info[n].get(k, False) == v for k, v in where.items())]

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name.lower() in self._objects

    def __iter__(self):
        return iter(list(self._objects))

    def __len__(self) -> int:
        return len(self._objects)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._objects)})"


ACTIVATIONS = Registry("activation")
LOSSES = Registry("loss")
OPTIMIZERS = Registry("optimizer")
INITIALISERS = Registry("initialiser")
SCHEDULES = Registry("schedule")
DATASETS = Registry("data set")
MODELS = Registry("model")
