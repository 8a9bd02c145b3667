"""Runs corpus scripts under real PyTorch in one process (PyTorch takes seconds to import,
once instead of once per script) and writes ``{name: {"rc", "out", "err"}}`` as JSON.

Usage: ``python tests/ports/_torch_batch.py OUT.json WORKDIR script.py...``. Each script
runs in a fresh ``__main__`` namespace, in its own empty working directory, with PyTorch's
global defaults put back before it starts.
"""

import contextlib
import io
import json
import os
import runpy
import sys
import traceback
from pathlib import Path

import torch

torch.set_num_threads(1)  # the scripts are small: threads only fight over shared cores


def run_one(script: Path, workdir: Path) -> dict:
    torch.set_default_dtype(torch.float32)
    torch.set_default_device("cpu")
    torch.set_grad_enabled(True)
    workdir.mkdir(parents=True, exist_ok=True)
    buffer, errors, rc = io.StringIO(), io.StringIO(), 0
    here, argv = os.getcwd(), sys.argv
    os.chdir(workdir)
    sys.argv = [str(script)]
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(errors):
            runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exit_:
        rc = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001  (a failing script is a result, not a crash)
        errors.write(traceback.format_exc())
        rc = 1
    finally:
        os.chdir(here)
        sys.argv = argv
    return {"rc": rc, "out": buffer.getvalue(), "err": errors.getvalue()}


if __name__ == "__main__":
    out_path, workdir, *scripts = sys.argv[1:]
    results = {Path(s).stem: run_one(Path(s).resolve(), Path(workdir) / Path(s).stem)
               for s in scripts}
    Path(out_path).write_text(json.dumps(results))
