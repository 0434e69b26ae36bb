"""Workload 1 in PyTorch, line for line as bench/cpp/mlp.cpp (--only autocast: bfloat16
autocast around the forward and the loss)."""
import math
import time

import torch
import torch.nn.functional as F

import common

DATA = "/usr/share/datasets/fashion-mnist"


def load(prefix, limit):
    px = common.read_idx_gz(f"{DATA}/{prefix}-images-idx3-ubyte.gz", 16)
    lb = common.read_idx_gz(f"{DATA}/{prefix}-labels-idx1-ubyte.gz", 8)
    n = len(lb) if limit <= 0 else min(len(lb), limit)
    images = torch.frombuffer(bytearray(px[:n * 784]), dtype=torch.uint8).view(n, 784)
    labels = torch.frombuffer(bytearray(lb[:n]), dtype=torch.uint8).to(torch.int64)
    return images, labels


def init_parameters(model):
    """As init_parameters in bench/cpp/mlp.cpp: the same initial weights in all three."""
    state, bound = 42, 1.0
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() == 2:
                bound = 1 / math.sqrt(p.size(1))
            values = []
            for _ in range(p.numel()):
                state, v = common.uniform(state, bound)
                values.append(v)
            p.copy_(torch.tensor(values, dtype=torch.float64).view_as(p))


def to_input(u8):
    return u8.to(torch.float32).div(255)


def main():
    a = common.parse_args()
    epochs = a.epochs if a.epochs > 0 else (1 if a.quick else 3)
    batch = 64
    train_x, train_y = load("train", 12800 if a.quick else 0)
    test_x, test_y = load("t10k", 0)
    n = train_y.size(0)

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    init_parameters(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    mixed = a.only == "autocast"
    seconds = []
    for epoch in range(epochs):
        perm = torch.tensor(common.permutation(n, 1000 + 100 * a.order + epoch), dtype=torch.int64)
        t0 = time.perf_counter()
        for start in range(0, n, batch):
            idx = perm.narrow(0, start, min(batch, n - start))
            x = to_input(train_x.index_select(0, idx))
            y = train_y.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=mixed):
                loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
    with torch.no_grad():
        logits = model(to_input(test_x))
        acc = logits.argmax(1).eq(test_y).sum().item() / test_y.size(0)
        test_loss = F.cross_entropy(logits, test_y).item()
    common.emit("mlp", "epoch, autocast bf16" if mixed else "epoch", a, seconds, "examples", float(n),
                {"accuracy": round(acc, 4), "test_loss": round(test_loss, 5), "rss_mb": round(common.peak_rss_mb(), 1),
                 "epochs": epochs})


if __name__ == "__main__":
    main()
