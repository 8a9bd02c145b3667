"""``reseau ops``: the table of differentiable primitives, as Markdown."""

from __future__ import annotations

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    subparsers.add_parser(
        "ops", help="list the differentiable primitives and their gradients",
        description="Print the table of reseau's primitives (reseau.OPS): each one's "
                    "forward formula and its vector-Jacobian product, as Markdown.")


def run(args=None) -> int:
    from ..ops.registry import op_table_markdown

    print(op_table_markdown(), end="")
    return 0
