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
pt_lbfgs_expected.safetensors: LBFGS's steps (fixed and with the line search) from a float64
model (see lbfgs_fixture).
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


def lbfgs_fixture():
    """pt_lbfgs_expected.safetensors: a float64 Linear(3, 4) -> Tanh -> Linear(4, 2) on an MSE
    loss, its initial parameters ("init.0.weight", ...) and batch ("x", "y"); then, for LBFGS
    with fixed steps ("plain") and with the strong Wolfe line search ("wolfe"), the parameters
    after three steps ("plain.0.weight", ...), each step's loss ("plain.losses") and the state's
    func_evals and n_iter ("plain.counts")."""
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(),
                                torch.nn.Linear(4, 2)).double()
    x = torch.randn(8, 3, dtype=torch.float64)
    y = torch.randn(8, 2, dtype=torch.float64)
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    out = {f"init.{k}": v for k, v in init.items()}
    out.update({"x": x, "y": y})
    runs = {
        "plain": dict(lr=0.5, max_iter=5, history_size=3),
        "wolfe": dict(lr=1, max_iter=6, history_size=4, line_search_fn="strong_wolfe"),
    }
    for name, options in runs.items():
        model.load_state_dict(init)
        opt = torch.optim.LBFGS(model.parameters(), **options)

        def closure():
            opt.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            return loss

        out[f"{name}.losses"] = torch.stack([opt.step(closure).detach() for _ in range(3)])
        out.update({f"{name}.{k}": v.detach().clone() for k, v in model.state_dict().items()})
        state = opt.state[next(iter(model.parameters()))]
        out[f"{name}.counts"] = torch.tensor([state["func_evals"], state["n_iter"]],
                                             dtype=torch.float64)
    save_safetensors(out, os.path.join(HERE, "pt_lbfgs_expected.safetensors"))


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
    lbfgs_fixture()
    truncated_fixture()
    cyclic_fixture()
    print("wrote tests/data/pt_optim_*")
