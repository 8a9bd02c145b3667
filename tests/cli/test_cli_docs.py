"""docs/cli.md: its Python example runs; `python -m reseau`, `python -m reseau.labs` and
`python -m reseau.ops` are the command."""

import subprocess
import sys

from reseau.cli import main


def test_the_python_example_of_the_cli_guide_runs(run_doc, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ns, _ = run_doc("cli.md", min_blocks=1)
    assert ns["status"] == 0
    assert {p.name for p in (tmp_path / "runs" / "moons").iterdir()} >= {
        "model.npz", "history.csv", "metrics.json", "config.toml"}
    assert "Training [2, 4, 2] (tanh) on moons" in capsys.readouterr().out


def test_python_dash_m_runs_the_command(capsys):
    def run(*argv):
        return subprocess.run([sys.executable, "-m", *argv], capture_output=True, text=True,
                              timeout=120)

    version = run("reseau", "--version")
    assert version.returncode == 0 and version.stdout.strip() == "reseau 0.1.0"
    labs = run("reseau.labs", "list")
    assert labs.returncode == 0 and "circle-automation" in labs.stdout
    assert main(["lab", "list"]) == 0
    assert capsys.readouterr().out == labs.stdout
    ops = run("reseau.ops")
    assert ops.returncode == 0
    assert main(["ops"]) == 0 and capsys.readouterr().out == ops.stdout
