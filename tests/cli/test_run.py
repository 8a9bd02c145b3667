"""``reseau run`` and ``python -m reseau.run``: an unchanged PyTorch program runs on reseau,
as ``python`` would run it (``__main__``, ``sys.argv``, its folder on ``sys.path``, its exit
status, Python's traceback), and what reseau lacks fails in one line."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

RUN = [sys.executable, "-m", "reseau", "run"]


def _write(folder, name, code):
    path = folder / name
    path.write_text(textwrap.dedent(code))
    return path


def _run(*args, cwd=None, command=RUN):
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_a_course_script_gets_reseau_for_every_torch_import(tmp_path):
    script = _write(tmp_path, "course.py", """
        import sys
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim
        from torch.optim import lr_scheduler
        from torch.utils.data import DataLoader, TensorDataset
        import torch.nn.init as init
        import torch.autograd
        print(torch.__name__, nn.__name__, F.__name__, optim.__name__, init.__name__)
        print(type(torch.tensor(1.0)).__module__, DataLoader.__module__.split(".")[0])
        print(__name__, __file__, sys.argv[0])
        print(torch.cuda.is_available(), torch.backends.mps.is_available())
    """)
    result = _run(script, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "reseau reseau.nn reseau.nn.functional reseau.optim reseau.nn.init"
    assert lines[1] == "reseau.tensor reseau"
    assert lines[2] == f"__main__ {script} {script}"
    assert lines[3] == "False False"


def test_arguments_and_exit_status_go_through(tmp_path):
    script = _write(tmp_path, "args.py", """
        import sys
        print(sys.argv)
        sys.exit(int(sys.argv[-1]))
    """)
    result = _run(script, "--epochs", "3", "-m", "x", "--help", "7")
    assert result.returncode == 7, result.stderr
    assert result.stdout.strip() == str([str(script), "--epochs", "3", "-m", "x", "--help", "7"])
    message = _write(tmp_path, "message.py", "import sys\nsys.exit('stopped here')\n")
    result = _run(message)
    assert (result.returncode, result.stderr.strip()) == (1, "stopped here")


def test_python_dash_m_reseau_run_is_the_same_command(tmp_path):
    script = _write(tmp_path, "s.py", "import sys, torch\nprint(torch.__name__, sys.argv[1:])\n")
    result = _run(script, "a", command=[sys.executable, "-m", "reseau.run"])
    assert (result.returncode, result.stdout) == (0, "reseau ['a']\n"), result.stderr


def test_the_scripts_folder_comes_first_on_sys_path(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    _write(folder, "helpers.py", "VALUE = 41\n")
    script = _write(folder, "main.py", "import helpers\nprint(helpers.VALUE + 1)\n")
    result = _run(script, cwd=tmp_path)  # run from elsewhere, as `python project/main.py`
    assert (result.returncode, result.stdout) == (0, "42\n"), result.stderr


def test_an_uncaught_exception_shows_pythons_traceback_from_the_script(tmp_path):
    script = _write(tmp_path, "boom.py", """
        import torch

        def f():
            raise ValueError("boom")

        f()
    """)
    result = _run(script)
    assert result.returncode == 1
    python = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            timeout=120)
    # the same traceback as python's own (which fails the same way, on the real torch or none)
    assert result.stderr.splitlines()[0] == "Traceback (most recent call last):"
    assert result.stderr.splitlines()[1] == f'  File "{script}", line 7, in <module>'
    assert result.stderr.endswith("ValueError: boom\n")
    assert "compat" not in result.stderr and "runpy" not in result.stderr
    if python.returncode == 1 and "ValueError: boom" in python.stderr:
        assert result.stderr == python.stderr


def test_a_part_of_pytorch_reseau_lacks_is_one_line(tmp_path):
    script = _write(tmp_path, "vision.py", "import torch\nfrom torchvision import datasets\n")
    result = _run(script)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"{script}:2: ModuleNotFoundError: reseau does not provide "
                                    f"torchvision: ")
    distributed = _write(tmp_path, "dist.py", "import torch.distributed as dist\n")
    result = _run(distributed)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "reseau does not provide torch.distributed" in result.stderr


def test_a_missing_file_is_a_usage_error(tmp_path):
    result = _run(tmp_path / "nowhere.py")
    assert result.returncode == 2
    assert result.stderr.startswith("reseau run: error: can't open file")


def test_a_module_runs_as_python_dash_m(tmp_path):
    package = tmp_path / "course"
    package.mkdir()
    (package / "__init__.py").write_text("")
    _write(package, "lab1.py", """
        import sys
        import torch.nn as nn
        print(__name__, nn.__name__, sys.argv[1:])
        raise SystemExit(4)
    """)
    result = _run("-m", "course.lab1", "--quick", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (4, "__main__ reseau.nn ['--quick']\n")


def test_a_notebook_runs_its_code_cells_in_order(tmp_path):
    cells = [
        {"cell_type": "markdown", "source": ["# A lesson"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "import torch\n",
                                         "!pip install nothing\n", "x = torch.arange(4)\n",
                                         "x.sum().item()"]},
        {"cell_type": "code", "source": "%%bash\necho skipped\n"},
        {"cell_type": "code", "source": "%%time\ny = x * 2\ny.tolist();"},
        {"cell_type": "code", "source": ["display(y.tolist())\n", "print(torch.__name__)\n",
                                         "1 / 0"]},
    ]
    notebook = tmp_path / "lesson.ipynb"
    notebook.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                    "nbformat_minor": 5}))
    result = _run(notebook)
    assert result.stdout == "6\n[0, 2, 4, 6]\nreseau\n"
    assert result.returncode == 1
    assert f'File "{notebook}#cell4", line 3, in <module>' in result.stderr
    assert "    1 / 0\n" in result.stderr  # the cell's source line, as a traceback shows it


def test_real_torch_runs_the_same_program_the_same_way(tmp_path):
    pytest.importorskip("torch")
    # a deterministic start: the two runs print the same losses
    script = _write(tmp_path, "fit.py", """
        import sys
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim

        model = nn.Linear(2, 1)
        nn.init.constant_(model.weight, 0.5)
        nn.init.zeros_(model.bias)
        X = torch.tensor([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5], [-2.0, 1.0]])
        y = torch.tensor([[1.0], [0.0], [2.0], [-1.0]])
        opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        for step in range(int(sys.argv[1])):
            opt.zero_grad()
            loss = F.mse_loss(model(X), y)
            loss.backward()
            opt.step()
            print(f"{step} {loss.item():.6f}")
        print(torch.__name__)
    """)
    ours = _run(script, "20")
    theirs = _run("--real-torch", script, "20")
    assert ours.returncode == theirs.returncode == 0, ours.stderr + theirs.stderr
    assert ours.stdout.splitlines()[-1] == "reseau"
    assert theirs.stdout.splitlines()[-1] == "torch"
    assert ours.stdout.splitlines()[:-1] == theirs.stdout.splitlines()[:-1]


def test_run_in_process_gives_the_real_torch_back(tmp_path, monkeypatch, capsys):
    real = pytest.importorskip("torch")
    from reseau.cli import main
    from reseau.compat import is_installed, uninstall_as_torch

    script = _write(tmp_path, "s.py", "import torch\nprint(torch.__name__)\n")
    try:
        assert main(["run", str(script)]) == 0
        assert capsys.readouterr().out == "reseau\n"
        assert not is_installed()   # the run put torch back as it found it
    finally:
        uninstall_as_torch()
    import torch

    assert torch is real and torch.__name__ == "torch"


def test_a_notebook_runs_until_the_cell_that_does_not_compile(tmp_path):
    cells = [{"cell_type": "code", "source": "print('first')"},
             {"cell_type": "code", "source": "x = (1,"},
             {"cell_type": "code", "source": "print('never')"}]
    notebook = tmp_path / "broken.ipynb"
    notebook.write_text(json.dumps({"cells": cells}))
    result = _run(notebook)
    assert (result.returncode, result.stdout) == (1, "first\n")
    assert result.stderr.startswith(f'  File "{notebook}#cell2", line 1\n')
    assert result.stderr.endswith("SyntaxError: '(' was never closed\n")


def test_a_module_that_cannot_be_found_or_fails_as_python_dash_m(tmp_path):
    result = _run("-m", "no_such_module_here", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (
        1, "reseau run: error: No module named no_such_module_here\n")
    result = _run("-m", "torchvision.datasets", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "reseau does not provide torchvision" in result.stderr
    _write(tmp_path, "failing.py", "def f():\n    raise KeyError(1)\n\nf()\n")
    result = _run("-m", "failing", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[:2] == [
        "Traceback (most recent call last):", f'  File "{tmp_path / "failing.py"}", line 4, '
                                              f'in <module>']


def test_reseau_run_in_process_leaves_torch_as_it_was(tmp_path, capsys):
    import sys

    from reseau.cli import main
    from reseau.compat import is_installed

    script = tmp_path / "s.py"
    script.write_text("import torch\nprint(torch.__name__)\n")
    assert not is_installed()
    assert main(["run", str(script)]) == 0
    assert capsys.readouterr().out == "reseau\n"
    assert not is_installed() and getattr(sys.modules.get("torch"), "__name__", "") != "reseau"
    assert main(["run", str(tmp_path / "missing.py")]) == 2 and not is_installed()
