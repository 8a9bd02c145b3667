"""Fuzzing ``reseau.load`` with corrupted and hostile model files (issue 14 "Done when",
issue 17 "Fuzzing").

Valid seeds of every format reseau reads (reseau's ``.npz``, PyTorch ``.pt`` from
``reseau.save`` and from ``torch.save``, safetensors, ONNX) are mutated: truncated, bits
flipped, bytes overwritten, size fields inflated (zip headers, ``.npy`` shapes, pickled
storage sizes, safetensors headers), zip entries renamed, duplicated, dropped or added;
pickles that would call ``os.system``, ``eval``, ``exec``, ``__import__``... to create a
sentinel file; deeply nested JSON; giant declared shapes and architectures.

The batch runs in a subprocess (this file run as a script) whose address space is limited
(``RLIMIT_AS``, 3 GB). The property: every file either loads or raises ``ModelFileError``
or ``FileNotFoundError`` with a one-line message; never another exception (a
``MemoryError`` included: a size declared by a file must be refused before it is
allocated), never a sentinel file, and the batch completes.
"""

from __future__ import annotations

import json
import os
import random
import re
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

MIN_CASES = 1000
LIMIT_BYTES = 3 << 30


# ----------------------------------------------------------------- seeds (parent process)
def _onnx_seed(folder: Path) -> list[Path]:
    try:
        import onnx
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        return []
    seeds = []
    import reseau
    from reseau import nn

    try:
        from reseau.onnx import export

        net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        export(net, reseau.ones(1, 3), folder / "export.onnx")
        seeds.append(folder / "export.onnx")
    except Exception:  # noqa: BLE001 (the exporter may not be there yet: a hand-made seed)
        pass
    weight = numpy_helper.from_array(np.ones((2, 3), np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w"], ["h"], transB=1),
         helper.make_node("Relu", ["h"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])], [weight])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              folder / "gemm.onnx")
    seeds.append(folder / "gemm.onnx")
    return seeds


def make_seeds(folder: Path) -> list[Path]:
    """Valid files of every format, written by reseau and, where installed, by PyTorch."""
    import reseau
    from reseau import io, nn

    reseau.manual_seed(0)
    mlp = nn.MLP([3, 4, 2], activation="tanh")
    seq = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    seeds = [io.save(mlp, folder / "mlp.npz", config={"preprocessing": {"classes": [0, 1]}}),
             io.save(seq, folder / "seq.npz"),
             io.save_state_dict(mlp, folder / "state.npz")]
    try:
        seeds.append(io.save(seq, folder / "seq.safetensors", metadata={"epoch": "3"}))
    except ImportError:  # the safetensors extra is not installed
        pass
    try:
        seeds.append(io.save(seq, folder / "reseau.pt"))
    except Exception:  # noqa: BLE001 (the .pt writer may not be there yet)
        pass
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.manual_seed(0)
        twin = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
        opt = torch.optim.Adam(twin.parameters())
        twin(torch.randn(5, 3)).sum().backward()
        opt.step()
        torch.save(twin.state_dict(), folder / "torch_state.pt")
        torch.save({"model": twin.state_dict(), "optimizer": opt.state_dict(), "epoch": 3,
                    "name": "run", "shared": [twin[0].weight, twin[0].weight[1:]]},
                   folder / "torch_checkpoint.pt")
        seeds += [folder / "torch_state.pt", folder / "torch_checkpoint.pt"]
        try:
            from safetensors.torch import save_file
        except ImportError:
            save_file = None
        if save_file is not None:
            save_file(twin.state_dict(), folder / "torch.safetensors")
            seeds.append(folder / "torch.safetensors")
    return seeds + _onnx_seed(folder)


# ----------------------------------------------------------------- hostile payloads
def _pickles(sentinel: str) -> list[bytes]:
    """Pickle streams that, unpickled, would create ``sentinel`` (each by another route)."""
    touch = f"touch {sentinel}"
    opener = f"open({sentinel!r}, 'w')"
    s = lambda text: f"S{text!r}\n".encode()  # noqa: E731 (protocol 0 string)
    u = lambda text: b"X" + struct.pack("<I", len(text)) + text.encode()  # noqa: E731
    return [
        b"cos\nsystem\n(" + s(touch) + b"tR.",
        b"cposix\nsystem\n(" + s(touch) + b"tR.",
        b"cbuiltins\neval\n(" + s(opener) + b"tR.",
        b"cbuiltins\nexec\n(" + s(opener) + b"tR.",
        b"c__builtin__\neval\n(" + s(opener) + b"tR.",
        b"cbuiltins\ngetattr\n(cbuiltins\n__import__\n(" + s("os") + b"tR" + s("system")
        + b"tR(" + s(touch) + b"tR.",
        b"csubprocess\ncheck_call\n((" + s("touch") + s(sentinel) + b"ltR.",
        b"(" + s(touch) + b"ios\nsystem\n.",  # INST
        b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93"
        + u(touch) + b"\x85R.",  # STACK_GLOBAL
        b"\x80\x02cbuiltins\nopen\n" + u(sentinel) + u("w") + b"\x86R.",
        b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(cos\nsystem\n" + u(touch)
        + b"\x85RK\x00K\x01\x85K\x01\x85\x89tR.",  # an evil storage inside a tensor
        b"\x80\x02ccollections\nOrderedDict\n)R}" + u("__class__") + b"cos\nsystem\nsb.",
        b"\x80\x02ctorch.nn.modules.linear\nLinear\n)\x81}" + u("in_features")
        + b"K\x02sb.",  # a whole pickled model
        b"\x80\x02c" + b"numpy.core.multiarray\n_reconstruct\n(cos\nsystem\n" + u(touch)
        + b"\x85RtR.",
    ]


# ----------------------------------------------------------------- mutations (subprocess)
def _zip_entries(data: bytes):
    import io as bytes_io

    with zipfile.ZipFile(bytes_io.BytesIO(data)) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def _zip(entries, compress=zipfile.ZIP_STORED) -> bytes:
    import io as bytes_io
    import warnings

    buffer = bytes_io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicated names, on purpose
        with zipfile.ZipFile(buffer, "w", compress) as z:
            for name, content in entries:
                z.writestr(name, content)
    return buffer.getvalue()


def _inflate_zip_sizes(data: bytes, rng) -> bytes:
    """One size field of a local or central zip header set to a huge value."""
    out = bytearray(data)
    spots = [m.start() + 18 for m in re.finditer(b"PK\x03\x04", data)]
    spots += [m.start() + 20 for m in re.finditer(b"PK\x01\x02", data)]
    if not spots:
        return bytes(out)
    at = rng.choice(spots) + rng.choice([0, 4])
    out[at:at + 4] = struct.pack("<I", rng.choice([0xFFFFFFFF, 0x7FFFFFFF, 10**9, 2**24]))
    return bytes(out)


def _inflate_npy_shape(data: bytes, rng) -> bytes:
    """An ``.npy`` header's shape inflated in place (same length, eating padding)."""
    matches = list(re.finditer(rb"'shape': \(([0-9, ]*)\), \}( *)\n", data))
    if not matches:
        return data
    m = rng.choice(matches)
    big = rng.choice([b"999999999999", b"4294967296, 4294967296", b"100000, 100000"])
    new = b"'shape': (" + big + b",), }"
    pad = len(m.group(0)) - len(new) - 1
    if pad < 0:
        return data
    return data[:m.start()] + new + b" " * pad + b"\n" + data[m.end():]


def _inflate_pickle_ints(pkl: bytes, rng) -> bytes:
    """One small integer of a pickle (a storage size, a shape, an offset) made huge."""
    import pickletools

    try:
        ops = [(op.name, pos) for op, _, pos in pickletools.genops(pkl)]
    except Exception:  # noqa: BLE001
        return pkl
    ints = [(name, pos) for name, pos in ops if name in ("BININT1", "BININT2", "BININT")]
    if not ints:
        return pkl
    name, pos = rng.choice(ints)
    width = {"BININT1": 2, "BININT2": 3, "BININT": 5}[name]
    big = rng.choice([2**31 - 1, 10**9, 2**30, -1, -(2**31)])
    return pkl[:pos] + b"J" + struct.pack("<i", big) + pkl[pos + width:]


def _nested_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def mutants(seed: Path, sentinel: str, rng: random.Random, count: int):
    """``count`` random mutations of ``seed`` and the targeted ones for its format."""
    data = seed.read_bytes()
    size = len(data)
    for _ in range(count):
        kind = rng.randrange(6)
        if kind == 0:
            yield "truncate", data[:rng.randrange(size)]
        elif kind == 1:
            out = bytearray(data)
            for _ in range(rng.randint(1, 8)):
                out[rng.randrange(size)] ^= 1 << rng.randrange(8)
            yield "bitflip", bytes(out)
        elif kind == 2:
            at = rng.randrange(size)
            out = bytearray(data)
            out[at:at + 8] = rng.choice([b"\xff" * 8, b"\x00" * 8, rng.randbytes(8)])
            yield "overwrite", bytes(out[:size])
        elif kind == 3:
            at = rng.randrange(size)
            yield "splice", data[:at] + data[rng.randrange(size):]
        elif kind == 4 and data.startswith(b"PK"):
            yield "zip-size", _inflate_zip_sizes(data, rng)
        else:
            cut = rng.randrange(size)
            yield "duplicate-bytes", data[:cut] + data[cut:cut + 64] + data[cut:]
    if data.startswith(b"PK"):
        entries = _zip_entries(data)
        for k, (name, content) in enumerate(entries):
            renamed = name + ".bak" if k % 2 else name.replace("/", "/x", 1) + "x"
            yield "zip-rename", _zip([(renamed if n == name else n, c) for n, c in entries])
            yield "zip-duplicate", _zip(entries + [(name, content[: len(content) // 2])])
            yield "zip-drop", _zip([e for e in entries if e[0] != name])
            yield "zip-deflate", _zip(entries, zipfile.ZIP_DEFLATED)
            if name.endswith(".npy"):
                yield "npy-shape", _zip([(n, _inflate_npy_shape(c, rng) if n == name else c)
                                         for n, c in entries])
        yield "npy-shape", _inflate_npy_shape(data, rng)
        pkl = next((n for n, _ in entries if n.endswith("data.pkl")), None)
        if pkl is not None:
            content = dict(entries)[pkl]
            for _ in range(12):
                yield "pickle-int", _zip([(n, _inflate_pickle_ints(c, rng) if n == pkl else c)
                                          for n, c in entries])
            for payload in _pickles(sentinel):
                yield "pickle-payload", _zip([(n, payload if n == pkl else c)
                                              for n, c in entries])
            yield "pickle-truncated", _zip([(n, c[: len(c) // 2] if n == pkl else c)
                                            for n, c in entries])
            del content
        meta = next((c for n, c in entries if n == "__reseau__.npy"), None)
        if meta is not None:
            text = bytes(np.load(_bytes_file(meta))).decode()
            for forged in _forged_descriptions(json.loads(text)):
                yield "npz-description", _zip([
                    (n, _npy(np.frombuffer(forged.encode(), np.uint8))
                     if n == "__reseau__.npy" else c) for n, c in entries])
            for payload in _pickles(sentinel)[:4]:  # a pickled object array as the weights
                header = _npy(np.zeros(0, np.float32)).replace(b"'<f4'", b"'|O' ")
                yield "npz-object", _zip(entries + [("evil.npy", header + payload)])
    if data[8:9] == b"{":  # safetensors
        length = struct.unpack("<Q", data[:8])[0]
        header = json.loads(data[8:8 + length])
        body = data[8 + length:]
        for forged in _forged_safetensors(header, rng):
            text = json.dumps(forged).encode()
            yield "safetensors-header", struct.pack("<Q", len(text)) + text + body
        for declared in (2**63, len(data), length + 1, 0, 1):
            yield "safetensors-size", struct.pack("<Q", declared) + data[8:]
        deep = _nested_json(5000).encode()
        yield "safetensors-nested", struct.pack("<Q", len(deep)) + deep + body


def _bytes_file(data: bytes):
    import io as bytes_io

    return bytes_io.BytesIO(data)


def _npy(array) -> bytes:
    buffer = _bytes_file(b"")
    np.save(buffer, array)
    return buffer.getvalue()


def _forged_descriptions(meta: dict):
    """Descriptions of a reseau .npz that lie: nesting, giant or many layers, bad types."""
    linear = {"type": "Linear", "in_features": 4096, "out_features": 4096}
    giant = {"type": "Linear", "in_features": 10**6, "out_features": 10**6}
    nested = {"type": "Tanh"}
    for _ in range(300):
        nested = {"type": "Sequential", "children": [["0", nested]]}
    archs = [giant, nested, {"type": "MLP", "sizes": [4096] * 60},
             {"type": "Sequential", "children": [[str(k), linear] for k in range(60)]},
             {"type": "BatchNorm1d", "num_features": 10**9}, {"type": "os.system"},
             {"type": "Linear", "in_features": -1, "out_features": 2},
             {"type": "Linear", "in_features": 1e300, "out_features": 2},
             {"type": "Sequential", "children": "abc"}, {"type": "Sequential",
                                                         "children": [[1, 2, 3]]},
             {"type": "MLP", "sizes": [3, 4, 2], "activation": {"type": "Sequential",
                                                                "children": [["a", giant]]}},
             {"type": "Embedding", "num_embeddings": 2**40, "embedding_dim": 2**20},
             {"type": "Conv2d", "in_channels": 4096, "out_channels": 4096,
              "kernel_size": 99}]
    for arch in archs:
        yield json.dumps({**meta, "architecture": arch})
    yield json.dumps({**meta, "metadata": json.loads(_nested_json(50))}).replace(
        "[]", _nested_json(5000), 1)
    for field, value in [("format_version", "1"), ("format_version", 10**30), ("tensors", 5),
                         ("training", []), ("config", {"preprocessing": {"classes": []}}),
                         ("config", {"preprocessing": {"classes": [[]] * 3}}),
                         ("format", None), ("class", {"a": 1})]:
        yield json.dumps({**meta, field: value})
    yield "[" * 10**5
    yield '{"format": "reseau.model", "a": "\\ud800"}'
    yield "\xff\xfe not json"


def _forged_safetensors(header: dict, rng):
    names = [k for k in header if k != "__metadata__"]
    for _ in range(10):
        forged = json.loads(json.dumps(header))
        entry = forged[rng.choice(names)]
        choice = rng.randrange(5)
        if choice == 0:
            entry["shape"] = [rng.choice([2**31, 10**12, -1, 0])] + entry["shape"]
        elif choice == 1:
            entry["data_offsets"][1] = rng.choice([2**63, 10**15, -5])
        elif choice == 2:
            entry["dtype"] = rng.choice(["F128", "BF16", "F8_E4M3", "", None, 5])
        elif choice == 3:
            entry["data_offsets"] = entry["data_offsets"][::-1]
        else:
            forged["__metadata__"] = rng.choice([{"a": 1}, [1], "x", {"a": ["b"]}])
        yield forged


# ----------------------------------------------------------------- the worker
def worker(seed_dir: str, sentinel: str, out: str) -> int:
    """Run the batch (this file as a script): write each mutant, load it, record what
    happened; the summary goes to ``out`` as JSON."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))
    import reseau
    from reseau.io import ModelFileError

    folder = Path(seed_dir)
    rng = random.Random(14)
    cases, outcomes, failures = 0, {}, []
    scratch = folder / "cases"
    scratch.mkdir()
    seeds = sorted(p for p in folder.iterdir() if p.is_file())
    for seed in seeds:
        count = 100 if seed.suffix == ".onnx" else 150
        for kind, content in mutants(seed, sentinel, rng, count):
            cases += 1
            path = scratch / f"{cases}{seed.suffix}"
            path.write_bytes(content)
            try:
                reseau.load(path)
                result = "loaded"
            except (ModelFileError, FileNotFoundError) as err:
                result = type(err).__name__
                if "\n" in str(err) or not str(err):
                    failures.append(f"{seed.name}/{kind}: a message of {len(str(err))} "
                                    f"characters on {str(err).count(chr(10)) + 1} lines")
            except BaseException as err:  # noqa: BLE001 (the property under test)
                result = type(err).__name__
                failures.append(f"{seed.name}/{kind}: {type(err).__name__}: "
                                f"{str(err)[:200]}")
            outcomes.setdefault(f"{seed.name}/{kind}", {}).setdefault(result, 0)
            outcomes[f"{seed.name}/{kind}"][result] += 1
            path.unlink()
    # the peak of this process's own memory (ru_maxrss would include the parent's, which
    # the kernel carries over the exec)
    status = Path("/proc/self/status").read_text() if Path("/proc/self/status").exists() else ""
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    peak = int(found.group(1)) // 1024 if found else 0
    Path(out).write_text(json.dumps({"cases": cases, "seeds": [s.name for s in seeds],
                                     "outcomes": outcomes, "failures": failures,
                                     "peak_rss_mb": peak}))
    return 0


# ----------------------------------------------------------------- the test
def test_a_thousand_hostile_files_give_only_clear_errors(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    made = make_seeds(seeds)
    sentinel = tmp_path / "PWNED"
    out = tmp_path / "summary.json"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    run = subprocess.run([sys.executable, __file__, str(seeds), str(sentinel), str(out)],
                         capture_output=True, text=True, timeout=280, env=env,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(out.read_text())
    assert not sentinel.exists(), "a file's payload ran"
    assert summary["failures"] == [], "\n".join(summary["failures"][:30])
    assert summary["cases"] >= MIN_CASES, summary["cases"]
    # memory actually used stays far below the address-space limit (a forged file's
    # sizes are refused before anything is allocated or touched)
    assert summary["peak_rss_mb"] < 256, summary["peak_rss_mb"]
    kinds = {Path(p).suffix for p in map(str, made)}
    assert {".npz", ".pt"} <= kinds  # .safetensors and .onnx too where their extras are
    # every hostile payload is refused, and every forged description of a model (a file
    # of plain weights has no architecture to forge)
    payloads = {k: v for k, v in summary["outcomes"].items()
                if k.endswith(("pickle-payload", "npz-object"))
                or k in ("mlp.npz/npz-description", "seq.npz/npz-description")}
    assert len(payloads) >= 4 and all(set(v) == {"ModelFileError"} for v in
                                      payloads.values()), payloads
    refused = sum(v.get("ModelFileError", 0) for v in summary["outcomes"].values())
    print(f"{summary['cases']} cases from {len(summary['seeds'])} seeds "
          f"({', '.join(summary['seeds'])}): {refused} refused, the rest loaded; peak RSS "
          f"{summary['peak_rss_mb']} MB")


def test_the_payloads_run_code_when_unpickled(tmp_path):
    """The sentinel route works: Python's pickle, given the same payloads, creates the
    sentinel (so the fuzz test's "no sentinel" can fail)."""
    sentinel = tmp_path / "RAN"
    payloads = [p for p in _pickles(str(sentinel)) if b"torch" not in p]
    script = ("import pickle, sys\nfor p in sys.argv[1:]:\n    try: pickle.loads(bytes."
              "fromhex(p))\n    except Exception: pass\n")
    for payload in payloads[:10]:
        subprocess.run([sys.executable, "-c", script, payload.hex()], cwd=tmp_path,
                       capture_output=True, timeout=60, check=True)
        assert sentinel.exists(), payload[:40]
        sentinel.unlink()


if __name__ == "__main__":
    sys.exit(worker(*sys.argv[1:4]))
