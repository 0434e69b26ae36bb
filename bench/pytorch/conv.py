"""Workloads 6-7 in PyTorch, line for line as bench/cpp/conv.cpp."""
import math
import time

import torch
import torch.nn.functional as F

import common

DATA = "/usr/share/datasets/fashion-mnist"
SHAPES = [("64->64 3x3 56x56 N8", 8, 64, 64, 56, 3, 1, 1),
          ("128->128 3x3 28x28 N32", 32, 128, 128, 28, 3, 1, 1),
          ("1->32 3x3 28x28 N32", 32, 1, 32, 28, 3, 1, 1),
          ("3->64 7x7/2 224x224 N8", 8, 3, 64, 224, 7, 2, 3),
          ("depthwise 64 3x3 56x56 N8", 8, 64, 64, 56, 3, 1, 1, 64)]


def conv(a):
    target = 0.1 if a.quick else 0.4
    for name, n, cin, cout, hw, k, stride, pad, *rest in SHAPES:
        groups = rest[0] if rest else 1
        torch.manual_seed(0)
        x = torch.randn(n, cin, hw, hw).requires_grad_(True)
        w = torch.randn(cout, cin // groups, k, k).mul_(0.1).requires_grad_(True)
        b = torch.zeros(cout).requires_grad_(True)
        out = (hw + 2 * pad - k) // stride + 1
        g = torch.randn(n, cout, out, out)
        flops = 3.0 * 2.0 * n * cout * out * out * (cin // groups) * k * k

        def step():
            x.grad = w.grad = b.grad = None
            F.conv2d(x, w, b, stride, pad, 1, groups).backward(g)
        common.emit("conv", name, a, common.measure(a, target, step), "flops", flops)


def load(prefix, limit):
    px = common.read_idx_gz(f"{DATA}/{prefix}-images-idx3-ubyte.gz", 16)
    lb = common.read_idx_gz(f"{DATA}/{prefix}-labels-idx1-ubyte.gz", 8)
    n = len(lb) if limit <= 0 else min(len(lb), limit)
    images = torch.frombuffer(bytearray(px[:n * 784]), dtype=torch.uint8).view(n, 1, 28, 28)
    labels = torch.frombuffer(bytearray(lb[:n]), dtype=torch.uint8).to(torch.int64)
    return images, labels


def init_parameters(model):
    state, bound = 42, 1.0
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() >= 2:
                bound = 1 / math.sqrt(p.numel() // p.size(0))
            values = []
            for _ in range(p.numel()):
                state, v = common.uniform(state, bound)
                values.append(v)
            p.copy_(torch.tensor(values, dtype=torch.float64).view_as(p))


def to_input(u8):
    return u8.to(torch.float32).div(255)


def cnn(a):
    epochs = a.epochs if a.epochs > 0 else (1 if a.quick else 3)  # as bench/cpp/conv.cpp
    batch = 64
    train_x, train_y = load("train", 6400 if a.quick else 0)
    test_x, test_y = load("t10k", 0)
    n = train_y.size(0)
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1600, 128),
                          nn.ReLU(), nn.Linear(128, 10))
    init_parameters(model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    seconds = []
    for epoch in range(epochs):
        perm = torch.tensor(common.permutation(n, 1000 + epoch), dtype=torch.int64)
        t0 = time.perf_counter()
        for start in range(0, n, batch):
            idx = perm.narrow(0, start, min(batch, n - start))
            x = to_input(train_x.index_select(0, idx))
            y = train_y.index_select(0, idx)
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, test_y.size(0), 1000):
            logits = model(to_input(test_x[s:s + 1000]))
            correct += logits.argmax(1).eq(test_y[s:s + 1000]).sum().item()
    common.emit("cnn", "epoch", a, seconds, "examples", float(n),
                {"accuracy": round(correct / test_y.size(0), 4),
                 "rss_mb": round(common.peak_rss_mb(), 1), "epochs": epochs})


def main():
    a = common.parse_args()
    if a.only in ("", "conv"):
        conv(a)
    if a.only in ("", "cnn"):
        cnn(a)


if __name__ == "__main__":
    main()
