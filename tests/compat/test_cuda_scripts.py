"""PyTorch course code that picks its device (``device = "cuda" if
torch.cuda.is_available() else "cpu"``) under ``reseau run``: with ``RESEAU_CUDA_STANDIN=1``
``torch.cuda`` answers from the stand-in, the script runs on ``cuda`` and prints what it
prints on the cpu; no NumPy call received a device array on the way."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

PORTS = Path(__file__).resolve().parents[1] / "ports" / "scripts"

# runs `reseau run SCRIPT` in this process, then reports what the stand-in recorded
DRIVER = textwrap.dedent("""
    import sys
    from reseau.cli import main
    status = main(["run", sys.argv[1]])
    if "reseau.standin" in sys.modules:
        from reseau import standin
        print("RECORDED", len(standin.violations()), standin.violations()[:3])
    sys.exit(status)
""")

COURSE = textwrap.dedent("""
    import torch
    import torch.nn as nn

    device = "cuda" if torch.cuda.is_available() else "cpu"
    print(f"Using {device} device", torch.cuda.device_count())
    torch.manual_seed(0)
    X = torch.rand(64, 3) * 2 - 1
    y = (X[:, :1] * 0.5 - X[:, 1:2] * X[:, 2:] + 0.1)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1)).to(device)
    X, y = X.to(device), y.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.MSELoss()
    for step in range(60):
        loss = loss_fn(model(X), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 20 == 0:
            print(step, loss.item())
    with torch.no_grad():
        print("pred", model(X[:3]).cpu().squeeze(1).tolist())
    print("weight", model[0].weight.detach().cpu().numpy().sum())
    print("on", next(model.parameters()).device.type, loss.device)
""")


def _run(script: Path, standin: bool) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "RESEAU_CUDA_STANDIN"}
    if standin:
        env["RESEAU_CUDA_STANDIN"] = "1"
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(script)], capture_output=True,
                          text=True, env=env, timeout=180, cwd=script.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.splitlines()


def test_a_course_script_runs_on_cuda_and_prints_the_cpu_numbers(tmp_path):
    script = tmp_path / "course.py"
    script.write_text(COURSE)
    cpu, cuda = _run(script, standin=False), _run(script, standin=True)
    assert cpu[0] == "Using cpu device 0" and cuda[0] == "Using cuda device 2"
    assert cpu[-1] == "on cpu cpu" and cuda[-2:] == ["on cuda cuda:0", "RECORDED 0 []"]
    assert cuda[1:-2] == cpu[1:-1]
    assert len(cpu[1:-1]) == 5 and cpu[1].startswith("0 ")


def test_the_bigram_port_trains_on_cuda_with_the_cpu_losses():
    # kp_gpt_bigram moves its model and batches with .to(device); its batches are drawn
    # on the cpu, so the losses are the cpu's. Its last line samples with multinomial on
    # the device, from CuPy's generator (docs/gpu.md): that text may differ.
    script = PORTS / "kp_gpt_bigram.py"
    cpu, cuda = _run(script, standin=False), _run(script, standin=True)
    assert cuda[-1] == "RECORDED 0 []"
    steps = [line for line in cpu if line.startswith("step ")]
    assert len(steps) == 4
    assert cuda[:-2] == cpu[:-1]
    assert len(cuda[-2]) == len(cpu[-1])  # 81 characters sampled either way
