"""Writes the torch.save fixtures of tests/test_pytorch_file.cpp into tests/data/ (needs Debian's
python3-torch; run with /usr/bin/python3 scripts/make_pytorch_file_fixtures.py).

- pt_model.pt: torch.save(model.state_dict()) of Linear(3, 4) -> BatchNorm1d(4) -> Linear(4, 2)
  after two training steps (float32 weights, int64 num_batches_tracked), and
  pt_model_expected.safetensors: the same tensors plus an input and the model's eval output.
- pt_dtypes.pt: float64, int32, uint8, bool, float16 and bfloat16 tensors, a transposed view
  and a slice sharing one storage; pt_dtypes_expected.safetensors: the same as float32/natives.
- pt_evil.pt: a zip whose data.pkl calls os.system (must be refused without running it).
- pt_truncated.pt: pt_model.pt with its first storage cut short.
- pt_dict_cycle.pt: a data.pkl whose two dicts hold each other (found by fuzz_pytorch: the
  unpickler's shared pointers leaked the cycle); refused without leaking.
- pt_quadratic.pt: one list of 200,000 items appended to 200,000 new lists (1.2 MB of pickle,
  deflated): the cycle check's walks would take 4e10 steps; refused within a budget.
"""
import io
import os
import pickle
import zipfile

import torch

import make_checkpoint_fixture
from make_checkpoint_fixture import save_safetensors

make_checkpoint_fixture.DTYPES.update({torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"})

HERE = os.path.join(os.path.dirname(__file__), "..", "tests", "data")


def model_fixture():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4),
                                torch.nn.Linear(4, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        model(torch.randn(8, 3)).pow(2).mean().backward()
        opt.step()
    model.eval()
    x = torch.randn(5, 3)
    torch.save(model.state_dict(), os.path.join(HERE, "pt_model.pt"))
    expected = dict(model.state_dict())
    expected["input"] = x
    expected["output"] = model(x).detach()
    save_safetensors(expected, os.path.join(HERE, "pt_model_expected.safetensors"))


def dtypes_fixture():
    torch.manual_seed(1)
    base = torch.randn(3, 4)
    tensors = {
        "f64": torch.randn(2, 3, dtype=torch.float64),
        "i32": torch.arange(-3, 3, dtype=torch.int32),
        "u8": torch.arange(250, 256, dtype=torch.uint8),
        "b": torch.tensor([True, False, True]),
        "f16": torch.tensor([1.5, -0.0001, 65504.0, 6e-8], dtype=torch.float16),
        "bf16": torch.tensor([1.5, -3.25e-3, 1e30], dtype=torch.bfloat16),
        "transposed": base.t(),
        "row": base[1, 1:],
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }
    torch.save(tensors, os.path.join(HERE, "pt_dtypes.pt"))
    expected = {k: (v.float() if v.dtype in (torch.float16, torch.bfloat16) else v)
                for k, v in tensors.items() if k != "empty"}
    save_safetensors(expected, os.path.join(HERE, "pt_dtypes_expected.safetensors"))


def evil_fixture():
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned > pt_evil_ran",))
    with zipfile.ZipFile(os.path.join(HERE, "pt_evil.pt"), "w") as z:
        z.writestr("pt_evil/data.pkl", pickle.dumps({"w": Evil()}, protocol=2))
        z.writestr("pt_evil/version", "3\n")


def truncated_fixture():
    src = zipfile.ZipFile(os.path.join(HERE, "pt_model.pt"))
    with zipfile.ZipFile(os.path.join(HERE, "pt_truncated.pt"), "w") as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("/data/0"):
                data = data[: len(data) // 2]
            z.writestr(info.filename.replace("pt_model/", "pt_truncated/"), data)


def dict_cycle_fixture():
    # PROTO 2, EMPTY_DICT d1, BINPUT 0, EMPTY_DICT d2, BINGET 0, NEWTRUE, SETITEM (d2[d1] = True),
    # NEWTRUE, SETITEM (d1[d2] = True), STOP: the result is d1, whose key is not a string.
    data = b"\x80\x02}q\x00}h\x00\x88s\x88s."
    with zipfile.ZipFile(os.path.join(HERE, "pt_dict_cycle.pt"), "w") as z:
        z.writestr("pt_dict_cycle/data.pkl", data)
        z.writestr("pt_dict_cycle/version", "3\n")


def quadratic_fixture():
    n = 200000
    data = b"\x80\x02]q\x00(" + b"K\x01" * n + b"e" + b"]h\x00a" * n + b"."
    with zipfile.ZipFile(os.path.join(HERE, "pt_quadratic.pt"), "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("pt_quadratic/data.pkl", data)
        z.writestr("pt_quadratic/version", "3\n")


if __name__ == "__main__":
    model_fixture()
    dtypes_fixture()
    evil_fixture()
    truncated_fixture()
    dict_cycle_fixture()
    quadratic_fixture()
    print("wrote tests/data/pt_*.pt and pt_*_expected.safetensors")
