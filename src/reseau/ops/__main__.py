"""``python -m reseau.ops``: print the table of primitives (Markdown)."""

from reseau.ops.registry import op_table_markdown

print(op_table_markdown(), end="")
