"""PyTorch's .pt files: read (reseau.io.pt.load_pt) and written (save_pt), against torch.

torch is the oracle (skipped cleanly where absent); the hostile files are made by hand,
opcode by opcode, and need no torch.
"""

from __future__ import annotations

import collections
import struct
import zipfile

import numpy as np
import pytest

import reseau
from reseau import nn
from reseau.io import ModelFileError
from reseau.io.pt import is_pt_archive, load_pt, save_pt


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _one_line(error) -> str:
    text = str(error.value)
    assert "\n" not in text, text
    return text


def _same(mine, theirs) -> None:
    """reseau's object equals torch's: same structure, tensors with equal values,
    dtypes and shapes."""
    import torch
    if isinstance(theirs, torch.Tensor):
        assert isinstance(mine, reseau.Tensor), type(mine)
        expected = theirs.detach()
        if expected.dtype == torch.bfloat16:
            expected = expected.float()
        expected = expected.numpy()
        assert mine._array.dtype == expected.dtype
        assert mine._array.shape == expected.shape
        np.testing.assert_array_equal(mine._array, expected)
        assert isinstance(mine, nn.Parameter) == isinstance(theirs, torch.nn.Parameter)
    elif isinstance(theirs, dict):
        assert type(mine) is type(theirs) or (isinstance(mine, dict)
                                              and not isinstance(theirs, collections.OrderedDict))
        assert list(mine) == list(theirs)
        for k in theirs:
            _same(mine[k], theirs[k])
    elif isinstance(theirs, (list, tuple)) and not isinstance(theirs, torch.Size):
        assert type(mine) is type(theirs) and len(mine) == len(theirs)
        for a, b in zip(mine, theirs):
            _same(a, b)
    elif isinstance(theirs, float) and theirs != theirs:
        assert mine != mine
    else:
        assert mine == theirs and type(mine) is type(theirs) or \
            isinstance(theirs, torch.Size) and tuple(mine) == tuple(theirs), (mine, theirs)


def _all_dtypes(torch):
    g = torch.Generator().manual_seed(0)
    return collections.OrderedDict(
        f16=torch.randn(3, 2, generator=g).half(),
        f32=torch.randn(4, 3, generator=g),
        f64=torch.randn(5, generator=g, dtype=torch.float64),
        bf16=torch.randn(3, generator=g).bfloat16(),
        i8=torch.tensor([-128, 0, 127], dtype=torch.int8),
        i16=torch.tensor([-32768, 5, 32767], dtype=torch.int16),
        i32=torch.tensor([[-(2**31), 2**31 - 1]], dtype=torch.int32),
        i64=torch.tensor([-(2**63), 2**63 - 1, 7]),
        u8=torch.tensor([0, 200, 255], dtype=torch.uint8),
        b=torch.tensor([True, False, True]),
        scalar=torch.tensor(2.5),
        int_scalar=torch.tensor(7),
        empty=torch.zeros(0, 3),
    )


# ------------------------------------------------------------ torch.save -> load_pt
def test_state_dict_of_every_dtype(torch, tmp_path):
    sd = _all_dtypes(torch)
    torch.save(sd, tmp_path / "sd.pt")
    got = load_pt(tmp_path / "sd.pt")
    assert type(got) is collections.OrderedDict
    _same(got, sd)
    assert got["scalar"].shape == () and got["scalar"].item() == 2.5
    assert got["bf16"].dtype == reseau.float32  # widened exactly
    assert got["i64"].dtype == reseau.int64 and got["b"].dtype == reseau.bool


def test_views_share_memory_as_in_torch(torch, tmp_path):
    base = torch.arange(12.0)
    obj = {"base": base, "tail": base[2:], "grid": base.view(3, 4), "t": base.view(3, 4).t(),
           "col": base.view(3, 4)[:, 1], "wide": torch.ones(1, 3).expand(4, 3),
           "alone": torch.arange(6.0)[1:4]}
    torch.save(obj, tmp_path / "v.pt")
    got = load_pt(tmp_path / "v.pt")
    _same(got, obj)
    assert got["t"].shape == (4, 3) and got["col"].shape == (3,)
    arrays = {k: v._array for k, v in got.items()}
    assert np.shares_memory(arrays["base"], arrays["tail"])
    assert np.shares_memory(arrays["base"], arrays["t"])
    got["base"]._array[5] = -1.0  # one storage: every view sees the change, as in torch
    assert got["grid"]._array[1, 1] == -1.0 and got["t"]._array[1, 1] == -1.0
    assert got["col"]._array[1] == -1.0


def test_checkpoint_with_optimizer_and_python_values(torch, tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    ck = {"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict(), "loss": 0.1,
          "nested": [(1, "é", None, True, False, -5, 300, 70000, -(2**40), 2**80, -(2**70)),
                     {"x": [torch.ones(2)], 4: (), (1, 2): 1.5e300}],
          "nan": float("nan"), "set": {1, 2}, "bytes": b"\x00\xffab", "complex": 1 + 2j,
          "size": torch.Size([2, 3]), "dtype": torch.float64, "device": torch.device("cpu"),
          "counter": collections.Counter("aab")}
    torch.save(ck, tmp_path / "ck.pt")
    got = load_pt(tmp_path / "ck.pt")
    _same({k: v for k, v in got.items() if k not in ("dtype", "device", "size")},
          {k: v for k, v in ck.items() if k not in ("dtype", "device", "size")})
    assert got["size"] == reseau.Size([2, 3]) and isinstance(got["size"], reseau.Size)
    assert got["dtype"] is reseau.float64
    assert got["device"] == reseau.device("cpu")
    assert list(got["optimizer"]["state"]) == [0, 1]


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_every_pickle_protocol(torch, tmp_path, protocol):
    obj = {"w": torch.arange(6.0).view(2, 3), "names": ["a", "b" * 300], "n": 2**70}
    torch.save(obj, tmp_path / "p.pt", pickle_protocol=protocol)
    _same(load_pt(tmp_path / "p.pt"), obj)


def test_parameters_come_back_as_parameters(torch, tmp_path):
    obj = {"p": torch.nn.Parameter(torch.ones(2, 2)),
           "frozen": torch.nn.Parameter(torch.zeros(3), requires_grad=False),
           "t": torch.ones(2, requires_grad=True)}
    torch.save(obj, tmp_path / "p.pt")
    got = load_pt(tmp_path / "p.pt")
    _same(got, obj)
    assert got["p"].requires_grad and not got["frozen"].requires_grad
    assert got["t"].requires_grad and not isinstance(got["t"], nn.Parameter)


def test_big_endian_byteorder_record_is_swapped(torch, tmp_path):
    obj = {"f": torch.randn(4, 3), "i": torch.arange(5), "h": torch.ones(3).half()}
    torch.save(obj, tmp_path / "le.pt")
    # rewrite the archive as a big-endian machine would have: each storage byteswapped
    sizes = {"0": 4, "1": 8, "2": 2}
    with zipfile.ZipFile(tmp_path / "le.pt") as src, \
            zipfile.ZipFile(tmp_path / "be.pt", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("/byteorder"):
                data = b"big"
            key = info.filename.rpartition("/data/")[2]
            if "/data/" in info.filename and key in sizes:
                data = np.frombuffer(data, f"<u{sizes[key]}").byteswap().tobytes()
            dst.writestr(info.filename, data)
    _same(load_pt(tmp_path / "be.pt"), obj)


def test_map_location_and_weights_only_as_in_torch(torch, tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "m.pt")
    for location in (None, "cpu", torch.device("cpu"), reseau.device("cpu"),
                     {"cuda:0": "cpu"}):
        for weights_only in (None, True, False):
            got = load_pt(tmp_path / "m.pt", map_location=location, weights_only=weights_only)
            assert got["w"].tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="cuda"):
        load_pt(tmp_path / "m.pt", map_location="cuda")
    with pytest.raises(TypeError, match="function"):
        load_pt(tmp_path / "m.pt", map_location=lambda storage, loc: storage)
    with pytest.raises(TypeError, match="weights_only"):
        load_pt(tmp_path / "m.pt", weights_only="yes")


# ------------------------------------------------------------ save_pt -> torch.load
def test_save_pt_is_read_back_equal_by_torch(torch, tmp_path):
    g = np.random.default_rng(0)
    arrays = {"f16": g.normal(size=(3, 2)).astype(np.float16),
              "f32": g.normal(size=(4, 3)).astype(np.float32),
              "f64": g.normal(size=5), "i8": np.array([-128, 127], np.int8),
              "i16": np.array([-3, 4], np.int16), "i32": np.array([[1, -2]], np.int32),
              "i64": np.array([-(2**63), 2**63 - 1]), "u8": np.array([0, 255], np.uint8),
              "bool": np.array([True, False]), "scalar": np.array(1.5, np.float32),
              "empty": np.zeros((0, 2), np.float32)}
    tensors = collections.OrderedDict((k, reseau.tensor(v)) for k, v in arrays.items())
    obj = {"epoch": 3, "model": tensors, "loss": 0.25, "none": None, "flags": [True, False],
           "nested": ({"a": [1, -70000, 2**40, -(2**70)]}, "text é", 2.5), "set": {1, 2},
           "bytes": b"\x00\xff", "complex": 1 - 2j, "size": reseau.Size([2, 3]),
           "dtype": reseau.float16, "device": reseau.device("cpu"), 7: "int key"}
    save_pt(obj, tmp_path / "r.pt")
    back = torch.load(tmp_path / "r.pt", weights_only=True)
    assert type(back["model"]) is collections.OrderedDict and list(back["model"]) == list(arrays)
    for key, value in arrays.items():
        t = back["model"][key]
        assert t.numpy().dtype == value.dtype and tuple(t.shape) == value.shape
        np.testing.assert_array_equal(t.numpy(), value)
    assert back["model"]["scalar"].dim() == 0
    rest = {k: v for k, v in obj.items() if k not in ("model", "size", "dtype", "device")}
    assert {k: v for k, v in back.items() if k in rest} == rest
    assert back["size"] == torch.Size([2, 3]) and back["dtype"] is torch.float16
    assert back["device"] == torch.device("cpu")
    # and reseau reads its own file back equal
    mine = load_pt(tmp_path / "r.pt")
    for key, value in arrays.items():
        np.testing.assert_array_equal(mine["model"][key]._array, value)
        assert mine["model"][key]._array.dtype == value.dtype
    assert mine["nested"] == obj["nested"] and mine["bytes"] == obj["bytes"]


def test_save_pt_views_share_one_storage_in_torch(torch, tmp_path):
    base = reseau.arange(12.0)
    obj = {"base": base, "tail": base[2:], "t": base.view(3, 4).t(), "col": base.view(3, 4)[:, 1],
           # NumPy views that torch cannot describe (a negative stride) are copied
           "flipped": reseau.Tensor._make(np.arange(4.0)[::-1]),
           "wide": reseau.Tensor._make(np.broadcast_to(np.arange(3.0), (2, 3)))}
    save_pt(obj, tmp_path / "v.pt")
    back = torch.load(tmp_path / "v.pt", weights_only=True)
    for key, value in obj.items():
        np.testing.assert_array_equal(back[key].numpy(), value._array)
    ptr = back["base"].untyped_storage().data_ptr()
    assert all(back[k].untyped_storage().data_ptr() == ptr for k in ("tail", "t", "col"))
    assert back["t"].stride() == (1, 4) and back["tail"].storage_offset() == 2
    assert back["wide"].stride() == (0, 1)
    mapped = torch.load(tmp_path / "v.pt", weights_only=True, mmap=True)
    assert all(torch.equal(mapped[k], back[k]) for k in obj)
    with zipfile.ZipFile(tmp_path / "v.pt") as zf:
        storages = [i for i in zf.infolist() if "/data/" in i.filename]
        assert len(storages) == 3  # base, flipped (copied), wide's row
        for info in storages:  # aligned at 64 bytes, as torch.save aligns them
            start = info.header_offset + 30 + len(info.filename) + len(info.extra)
            assert start % 64 == 0


def test_parameters_saved_by_reseau_are_torch_parameters(torch, tmp_path):
    obj = {"p": nn.Parameter(reseau.ones(2)), "frozen": nn.Parameter(reseau.ones(1),
                                                                       requires_grad=False),
           "t": reseau.ones(3, requires_grad=True)}
    save_pt(obj, tmp_path / "p.pt")
    back = torch.load(tmp_path / "p.pt", weights_only=True)
    assert isinstance(back["p"], torch.nn.Parameter) and back["p"].requires_grad
    assert isinstance(back["frozen"], torch.nn.Parameter) and not back["frozen"].requires_grad
    assert not isinstance(back["t"], torch.nn.Parameter) and back["t"].requires_grad


def test_save_pt_refuses_what_torch_cannot_read(tmp_path):
    with pytest.raises(TypeError, match="object"):
        save_pt({"x": object()}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="uint16"):
        save_pt({"x": np.zeros(2, np.uint16)}, tmp_path / "x.pt")
    deep: list = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(ValueError, match="nests deeper"):
        save_pt(deep, tmp_path / "x.pt")
    assert not (tmp_path / "x.pt").exists()


def test_cycles_and_shared_objects_round_trip(tmp_path):
    shared = [1, 2]
    cyclic: list = [shared, shared]
    save_pt({"a": cyclic, "b": shared}, tmp_path / "s.pt")
    got = load_pt(tmp_path / "s.pt")
    assert got["a"][0] is got["a"][1] is got["b"]
    cyclic.append(cyclic)
    save_pt(cyclic, tmp_path / "c.pt")  # pickle can write it, but no model file is cyclic
    with pytest.raises(ModelFileError, match="cycle"):
        load_pt(tmp_path / "c.pt")


# ------------------------------------------------------------ models, both ways
def _compare_model(torch, tmp_path, torch_model, reseau_model, x, train_steps=0):
    torch.manual_seed(0)
    if train_steps:  # change the running statistics of BatchNorm
        torch_model.train()
        for _ in range(train_steps):
            torch_model(torch.randn(*x.shape))
    torch_model.eval()
    torch.save(torch_model.state_dict(), tmp_path / "m.pt")
    reseau_model.load_state_dict(load_pt(tmp_path / "m.pt"))
    reseau_model.eval()
    with torch.no_grad():
        expected = torch_model(x).numpy()
    got = reseau_model(reseau.tensor(x.numpy())).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)
    # and back: reseau's weights, saved by reseau, loaded by torch into a fresh copy
    save_pt(reseau_model, tmp_path / "back.pt")
    for p in torch_model.parameters():
        torch.nn.init.zeros_(p)
    torch_model.load_state_dict(torch.load(tmp_path / "back.pt", weights_only=True))
    with torch.no_grad():
        np.testing.assert_allclose(torch_model(x).numpy(), expected, rtol=1e-6, atol=1e-6)


def test_torch_mlp_runs_in_reseau(torch, tmp_path):
    torch.manual_seed(1)
    tm = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    rm = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))
    _compare_model(torch, tmp_path, tm, rm, torch.randn(7, 5))


def test_torch_batchnorm_model_runs_in_reseau(torch, tmp_path):
    torch.manual_seed(2)
    tm = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                             torch.nn.Linear(8, 3))
    rm = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    _compare_model(torch, tmp_path, tm, rm, torch.randn(6, 4), train_steps=3)
    assert rm[1].num_batches_tracked.item() == 3


def test_torch_lenet_runs_as_reseau_lenet5(torch, tmp_path):
    from reseau.models import lenet5
    torch.manual_seed(3)
    T = torch.nn
    tm = T.Sequential(T.Conv2d(1, 6, 5, padding=2), T.ReLU(), T.MaxPool2d(2),
                      T.Conv2d(6, 16, 5), T.ReLU(), T.MaxPool2d(2), T.Flatten(),
                      T.Linear(400, 120), T.ReLU(), T.Linear(120, 84), T.ReLU(),
                      T.Linear(84, 10))
    _compare_model(torch, tmp_path, tm, lenet5(), torch.randn(2, 1, 28, 28))


def test_torch_optimizer_state_continues_in_reseau(torch, tmp_path):
    torch.manual_seed(4)
    tm = torch.nn.Linear(3, 2)
    topt = torch.optim.Adam(tm.parameters(), lr=0.01)
    x = torch.randn(5, 3)
    for _ in range(3):
        topt.zero_grad()
        tm(x).pow(2).sum().backward()
        topt.step()
    torch.save({"model": tm.state_dict(), "optimizer": topt.state_dict()}, tmp_path / "c.pt")
    ck = load_pt(tmp_path / "c.pt")
    rm = nn.Linear(3, 2)
    rm.load_state_dict(ck["model"])
    ropt = reseau.optim.Adam(rm.parameters(), lr=0.01)
    ropt.load_state_dict(ck["optimizer"])
    xr = reseau.tensor(x.numpy())
    for _ in range(2):
        topt.zero_grad()
        tm(x).pow(2).sum().backward()
        topt.step()
        ropt.zero_grad()
        rm(xr).pow(2).sum().backward()
        ropt.step()
    np.testing.assert_allclose(rm.weight.detach().numpy(), tm.weight.detach().numpy(),
                               atol=1e-6)
    # and reseau's optimizer state goes back to torch
    save_pt({"optimizer": ropt.state_dict()}, tmp_path / "r.pt")
    topt2 = torch.optim.Adam(tm.parameters(), lr=0.01)
    topt2.load_state_dict(torch.load(tmp_path / "r.pt", weights_only=True)["optimizer"])
    assert float(topt2.state[tm.weight]["step"]) == 5.0


# ------------------------------------------------------------ refusals
def test_whole_pickled_model_is_refused_in_one_line(torch, tmp_path):
    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    torch.save(model, tmp_path / "whole.pt")
    with pytest.raises(ModelFileError) as error:
        load_pt(tmp_path / "whole.pt")
    text = _one_line(error)
    assert "torch.nn.modules.container.Sequential" in text
    assert "torch.save(model.state_dict(), path)" in text
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    torch.save(opt, tmp_path / "opt.pt")
    with pytest.raises(ModelFileError, match=r"optimizer.state_dict\(\)"):
        load_pt(tmp_path / "opt.pt")


def test_legacy_format_is_refused_with_how_to_resave(torch, tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(ModelFileError, match="re-save") as error:
        load_pt(tmp_path / "old.pt")
    _one_line(error)
    assert not is_pt_archive(tmp_path / "old.pt")


def _archive(path, pickle_bytes: bytes, storages: dict[str, bytes] | None = None) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pickle_bytes)
        zf.writestr("archive/byteorder", b"little")
        for key, data in (storages or {}).items():
            zf.writestr(f"archive/data/{key}", data)
        zf.writestr("archive/version", b"3\n")


def _tensor_pickle(numel: int, size: tuple, offset: int = 0) -> bytes:
    """A protocol-2 pickle of one float32 tensor (storage "0" of ``numel`` elements)."""
    def ints(values):
        return b"(" + b"".join(b"J" + struct.pack("<i", v) for v in values) + b"t"
    return (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storage"
            b"ctorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu\x8a\x08"
            + numel.to_bytes(8, "little") + b"tQJ" + struct.pack("<i", offset)
            + ints(size) + ints((1,) * len(size)) + b"\x89ccollections\nOrderedDict\n)RtR.")


def test_a_hand_made_tensor_pickle_is_read(tmp_path):
    _archive(tmp_path / "ok.pt", _tensor_pickle(3, (3,)), {"0": np.arange(3.0, dtype="<f4")
                                                          .tobytes()})
    assert load_pt(tmp_path / "ok.pt").tolist() == [0.0, 1.0, 2.0]
    assert is_pt_archive(tmp_path / "ok.pt")


@pytest.mark.parametrize("name, payload, match", [
    ("os.system", b"\x80\x02cos\nsystem\nX{cmd}\x85R.", "os.system"),
    ("posix.system", b"\x80\x02cposix\nsystem\nX{cmd}\x85R.", "posix.system"),
    ("eval", b"\x80\x02c__builtin__\neval\nX{eval}\x85R.", "__builtin__.eval"),
    ("builtins.exec", b"\x80\x04\x8c\x08builtins\x8c\x04exec\x93X{eval}\x85R.",
     "builtins.exec"),
    ("subprocess", b"\x80\x02csubprocess\nPopen\n(X{cmd}tR.", "subprocess.Popen"),
    ("getattr", b"\x80\x02cbuiltins\ngetattr\n(cos\nsystem\nX\x04\x00\x00\x00nametR.",
     "builtins.getattr"),
])
def test_code_in_a_pickle_is_never_run(tmp_path, name, payload, match):
    sentinel = tmp_path / "sentinel"
    cmd = f"touch {sentinel}".encode()
    code = f"open({str(sentinel)!r}, 'w').close()".encode()
    payload = payload.replace(b"X{cmd}", b"X" + struct.pack("<I", len(cmd)) + cmd)
    payload = payload.replace(b"X{eval}", b"X" + struct.pack("<I", len(code)) + code)
    _archive(tmp_path / "evil.pt", payload)
    with pytest.raises(ModelFileError, match=match) as error:
        load_pt(tmp_path / "evil.pt")
    assert "run code" in _one_line(error) and "state_dict()" in str(error.value)
    assert not sentinel.exists()


@pytest.mark.parametrize("payload, match", [
    (b"\x80\x02" + b"(" * 100_000 + b"t" * 100_000 + b".", "MARK"),
    (b"\x80\x02" + b"]" + b"\x85" * 100_000 + b".", "nests deeper"),
    (b"\x80\x02]q\x00h\x00a.", "cycle"),
    (b"\x80\x02X\xff\xff\xff\x7fabc.", "bytes"),
    (b"\x80\x02\x8b\x00\x00\x00\x10.", "bytes"),
    (b"\x80\x02K\x01K\x02.", "2 objects"),
    (b"\x80\x02h\x07.", "memo"),
    (b"\x80\x02K\x01", "truncated"),
    (b"\x80\x02t.", "MARK"),
    (b"\x80\x02}]K\x01s.", "hashable"),
    (b"\x80\x02}ccollections\nOrderedDict\n)RK\x01s.", "a OrderedDict, not a string"),
    (b"\x80\x02(X\x07\x00\x00\x00storageK\x01tQ.", "not a storage"),
    (b"\x80\x02(]K\x01K\x02K\x03K\x04tQ.", "not a storage"),
    (b"\x80\x02ccollections\nOrderedDict\n)R}K\x01K\x02sb.", "attribute 1 of an OrderedDict"),
    (b"\x80\x02]}X\x01\x00\x00\x00aK\x02sb.", "BUILD sets the state of a list"),
    (b"\x80\x02ctorch._utils\n_rebuild_tensor_v2\n(K\x01K\x02K\x03K\x04K\x05K\x06tR.",
     "not a storage"),
    (b"\x80\x02ccollections\nOrderedDict\nK\x01\x85R.", "OrderedDict"),
    (b"\x80\x02ctorch\nFloatStorage\n.", "bare name"),
    (b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n.", "NumPy"),
    (b"\x80\x02P0\n.", "opcode"),
    (b"\x80\x09N.", "protocol 9"),
    (b"\x80\x02" + b"\x8f0" * 1_000_001 + b"N.", "more than 2,000,000 opcodes"),
])
def test_hostile_pickles_are_refused(tmp_path, payload, match):
    _archive(tmp_path / "bad.pt", payload)
    with pytest.raises(ModelFileError, match=match) as error:
        load_pt(tmp_path / "bad.pt")
    _one_line(error)


def test_declared_storage_sizes_are_checked_before_reading(tmp_path):
    # 10**12 elements declared, 12 bytes stored: refused without allocating
    _archive(tmp_path / "huge.pt", _tensor_pickle(10**12, (3,)),
             {"0": b"\x00" * 12})
    with pytest.raises(ModelFileError, match="declares 1000000000000 elements"):
        load_pt(tmp_path / "huge.pt")
    # a view reaching past its storage
    _archive(tmp_path / "past.pt", _tensor_pickle(3, (3,), offset=2), {"0": b"\x00" * 12})
    with pytest.raises(ModelFileError, match="reaches element 4"):
        load_pt(tmp_path / "past.pt")
    # a missing storage entry
    _archive(tmp_path / "none.pt", _tensor_pickle(3, (3,)))
    with pytest.raises(ModelFileError, match="no entry archive/data/0"):
        load_pt(tmp_path / "none.pt")


def test_a_zip_bomb_entry_is_refused_before_inflating(tmp_path):
    with zipfile.ZipFile(tmp_path / "bomb.pt", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", b"\x80\x02N.")
    raw = bytearray((tmp_path / "bomb.pt").read_bytes())
    # forge the declared (uncompressed) size in the central directory: 2**31 bytes
    at = raw.rfind(b"PK\x01\x02")
    raw[at + 24:at + 28] = struct.pack("<I", 2**31)
    (tmp_path / "bomb.pt").write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="deflate cannot|more than"):
        load_pt(tmp_path / "bomb.pt")


def test_files_that_are_not_torch_archives(tmp_path):
    (tmp_path / "text.pt").write_text("hello\n")
    with pytest.raises(ModelFileError, match="not a zip"):
        load_pt(tmp_path / "text.pt")
    with zipfile.ZipFile(tmp_path / "other.pt", "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(ModelFileError, match="data.pkl"):
        load_pt(tmp_path / "other.pt")
    with zipfile.ZipFile(tmp_path / "script.pt", "w") as zf:
        zf.writestr("m/constants.pkl", b"")
        zf.writestr("m/code/m.py", "")
    with pytest.raises(ModelFileError, match="TorchScript"):
        load_pt(tmp_path / "script.pt")
    with pytest.raises(ModelFileError, match="no such file"):
        load_pt(tmp_path / "missing.pt")
    save_pt({"w": reseau.ones(3)}, tmp_path / "ok.pt")
    data = (tmp_path / "ok.pt").read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError):
        load_pt(tmp_path / "cut.pt")
    corrupt = bytearray(data)
    corrupt[data.find(b"\x00\x00\x80?")] ^= 0xFF  # inside the storage: the CRC fails
    (tmp_path / "crc.pt").write_bytes(bytes(corrupt))
    with pytest.raises(ModelFileError, match="corrupted"):
        load_pt(tmp_path / "crc.pt")


def test_unpickler_reads_python_pickles_of_plain_data():
    import pickle  # the test may use pickle: it checks the reader against the writer

    from reseau.io.unpickler import BASIC_GLOBALS, unpickle
    value = {"a": [1, 2.5, None, True, "x" * 300, b"y" * 300, (1,), (1, 2, 3, 4)],
             -1: {1, 2}, "big": 2**100, "neg": -(2**31), "frozen": frozenset({3}),
             "od": collections.OrderedDict(b=1), "ba": bytearray(b"z"), "c": 3j}
    for protocol in range(2, 6):
        assert unpickle(pickle.dumps(value, protocol=protocol), BASIC_GLOBALS) == value


def test_other_torch_objects_are_refused_with_what_to_save(torch, tmp_path):
    cases = [(torch.bfloat16, "torch.bfloat16", "str(x)"),
             (torch.zeros(2).to_sparse(), "_rebuild_sparse_tensor", "t.to_dense()"),
             (torch.zeros(2, dtype=torch.uint16), "_rebuild_tensor_v3", "t.to(torch.int64)"),
             (np.zeros(2), "numpy", "torch.from_numpy(a)")]
    for value, named, advice in cases:
        torch.save({"x": value}, tmp_path / "x.pt")
        with pytest.raises(ModelFileError) as error:
            load_pt(tmp_path / "x.pt")
        assert named in _one_line(error) and advice in str(error.value)


def test_a_damaged_deflated_storage_is_a_model_file_error(tmp_path):
    # zlib's own error (not an OSError) when a compressed entry's stream is corrupted
    torch = pytest.importorskip("torch")

    plain, packed = tmp_path / "plain.pt", tmp_path / "packed.pt"
    torch.save({"w": torch.arange(4000.0)}, plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(packed, "w") as dst:
        for info in src.infolist():
            deflate = "/data/" in info.filename
            dst.writestr(info.filename, src.read(info),
                         compress_type=zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED)
    raw = bytearray(packed.read_bytes())
    with zipfile.ZipFile(packed) as z:
        info = next(i for i in z.infolist() if "/data/" in i.filename)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[start:start + 5] = bytes(b ^ 0xFF for b in raw[start:start + 5])
    packed.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="cannot be read .*decompressing"):
        reseau.load(packed)
