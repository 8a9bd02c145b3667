"""The generated documentation stays in step with the code."""

from pathlib import Path

from reseau.ops.registry import op_table_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_op_table_in_docs_is_up_to_date():
    assert (ROOT / "docs" / "ops.md").read_text() == op_table_markdown(), (
        "docs/ops.md is stale: run `python -m reseau.ops > docs/ops.md`"
    )


def test_core_imports_only_numpy():
    import ast
    import sys

    allowed = {"numpy", "reseau"}
    stdlib_ok = set(sys.stdlib_module_names)
    core = ["tensor.py", "engine.py", "autograd.py", "backend.py", "creation.py", "gradcheck.py", "ops",
            "nn", "optim"]
    for name in core:
        base = ROOT / "src" / "reseau" / name
        files = [base] if base.suffix else list(base.rglob("*.py"))
        for path in files:
            tree = ast.parse(path.read_text())
            for node in tree.body:  # module level only
                mods = []
                if isinstance(node, ast.Import):
                    mods = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    mods = [node.module]
                for m in mods:
                    top = m.split(".")[0]
                    assert top in allowed | stdlib_ok, f"{path}: imports {m} at module level"


def test_reseau_ops_prints_the_op_table(capsys):
    from reseau import OPS
    from reseau.cli import main

    assert main(["ops"]) == 0
    out = capsys.readouterr().out
    assert out == op_table_markdown()
    for name in OPS:
        assert f"| `{name}` |" in out


def test_import_reseau_loads_no_optional_dependency():
    # plots, progress bars, scikit-learn, PyTorch... are imported where they are used
    import subprocess
    import sys

    code = ("import sys, reseau, reseau.nn, reseau.optim, reseau.data, reseau.io, "
            "reseau.train, reseau.models, reseau.cli\n"
            "heavy = ('matplotlib', 'torch', 'sklearn', 'scipy', 'tqdm', 'networkx', "
            "'joblib', 'dask', 'pandas', 'onnx', 'onnxruntime', 'safetensors')\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]", f"importing reseau loaded {out}"
