"""``reseau playground``: a network trained in reseau and drawn live in the browser, in the
manner of TensorFlow Playground (docs/playground.md).

- :mod:`~reseau.playground.config`: the page's settings, checked;
- :mod:`~reseau.playground.datasets`: the points (reseau's toy sets, two regression sets);
- :mod:`~reseau.playground.network`: features, the MLP, its training step, the frame's pass;
- :mod:`~reseau.playground.session`: one tab's training, streamed as frames;
- :mod:`~reseau.playground.upload`: a CSV dropped on the page;
- :mod:`~reseau.playground.server`: the HTTP server, its API and event streams;
- ``static/``: the page (plain HTML, CSS and JavaScript, nothing from the network).
"""

from __future__ import annotations

from .server import PlaygroundServer, make_server

__all__ = ["PlaygroundServer", "make_server"]
