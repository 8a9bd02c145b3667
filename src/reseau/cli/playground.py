"""``reseau playground [--port N] [--host 127.0.0.1] [--no-browser]``: a network trained
live in the browser (:mod:`reseau.playground`, docs/playground.md)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run"]

_DESCRIPTION = ("Start the playground: a page where a network trains live on 2-D data, in the "
                "manner of TensorFlow Playground. It runs offline on this machine; each "
                "browser tab is its own session. Stop it with Ctrl-C.")


def add_parser(subparsers) -> None:
    """Add ``playground`` to the ``reseau`` command's subparsers."""
    parser = subparsers.add_parser("playground", help="train a network live in the browser",
                                   description=_DESCRIPTION)
    parser.add_argument("--port", type=int, default=8765, metavar="N",
                        help="the port to listen on (default 8765; 0: any free port)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--no-browser", action="store_true",
                        help="print the address without opening a browser")


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C; returns the exit status."""
    import webbrowser

    from ..playground import make_server

    if not 0 <= args.port <= 65535:
        print(f"reseau playground: error: --port must be between 0 and 65535, got {args.port}",
              file=sys.stderr)
        return 2
    try:
        server = make_server(args.host, args.port)
    except OSError as err:
        reason = err.strerror or err
        print(f"reseau playground: error: cannot listen on {args.host}:{args.port} ({reason}); "
              "choose another port with --port", file=sys.stderr)
        return 1
    print(f"reseau playground: {server.url} (Ctrl-C stops it)", flush=True)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"reseau playground: listening on {args.host}: anyone who can reach this "
              "machine can use the playground", file=sys.stderr)
    if not args.no_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("reseau playground: stopped", file=sys.stderr)
    finally:
        server.server_close()
    return 0
