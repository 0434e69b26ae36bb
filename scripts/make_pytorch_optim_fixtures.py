"""Writes the torch.save(optimizer.state_dict()) fixtures of tests/test_pytorch_optim.cpp into
tests/data/ (needs Debian's python3-torch; run with /usr/bin/python3
scripts/make_pytorch_optim_fixtures.py).

For each of SGD (momentum, dampening, weight decay), Adam (L2 weight decay), AdamW (amsgrad),
RMSprop (centered, momentum) and Adagrad (lr decay, initial accumulator),
a Linear(3, 4) -> Tanh -> Linear(4, 2) model trains three steps on an MSE loss, then:
- pt_optim_<kind>_model.pt: torch.save(model.state_dict()),
- pt_optim_<kind>.pt: torch.save(optimizer.state_dict()),
- pt_optim_<kind>_expected.safetensors: the batch (x, y) and the parameters after one more
  step ("0.weight", ...), which nabla must reproduce from the two files.
pt_optim_truncated.pt is pt_optim_adam.pt with its first storage cut short; pt_optim_cyclic.pt a
hand-written pickle of a dict that contains itself (refused: it would never be freed).
"""
import os
import zipfile

import torch

from make_checkpoint_fixture import save_safetensors

HERE = os.path.join(os.path.dirname(__file__), "..", "tests", "data")

OPTIMIZERS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "adam": lambda p: torch.optim.Adam(p, lr=0.02, betas=(0.8, 0.99), eps=1e-6,
                                       weight_decay=0.01),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.02, betas=(0.85, 0.995), weight_decay=0.1,
                                         amsgrad=True),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5, centered=True,
                                             weight_decay=0.01),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.01, weight_decay=0.01,
                                             initial_accumulator_value=0.1),
}


def step(model, opt, x, y):
    opt.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    opt.step()


def optim_fixture(kind, make):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    opt = make(model.parameters())
    x, y = torch.randn(8, 3), torch.randn(8, 2)
    for _ in range(3):
        step(model, opt, x, y)
    torch.save(model.state_dict(), os.path.join(HERE, f"pt_optim_{kind}_model.pt"))
    torch.save(opt.state_dict(), os.path.join(HERE, f"pt_optim_{kind}.pt"))
    step(model, opt, x, y)
    expected = {k: v.detach().clone() for k, v in model.state_dict().items()}
    expected.update({"x": x, "y": y})
    save_safetensors(expected, os.path.join(HERE, f"pt_optim_{kind}_expected.safetensors"))


def truncated_fixture():
    src = zipfile.ZipFile(os.path.join(HERE, "pt_optim_adam.pt"))
    with zipfile.ZipFile(os.path.join(HERE, "pt_optim_truncated.pt"), "w") as z:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("/data/0"):
                data = data[: len(data) // 2]
            z.writestr(info.filename.replace("pt_optim_adam/", "pt_optim_truncated/"), data)


def cyclic_fixture():
    # PROTO 2, EMPTY_DICT, BINPUT 0, MARK, "state", BINGET 0, SETITEMS, STOP
    pkl = b"\x80\x02}q\x00(X\x05\x00\x00\x00stateh\x00u."
    with zipfile.ZipFile(os.path.join(HERE, "pt_optim_cyclic.pt"), "w") as z:
        z.writestr("pt_optim_cyclic/data.pkl", pkl)
        z.writestr("pt_optim_cyclic/version", "3\n")


if __name__ == "__main__":
    for kind, make in OPTIMIZERS.items():
        optim_fixture(kind, make)
    truncated_fixture()
    cyclic_fixture()
    print("wrote tests/data/pt_optim_*")
