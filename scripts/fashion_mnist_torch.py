#!/usr/bin/python3
"""The Fashion-MNIST trainer of examples/fashion_mnist.cpp in PyTorch, for side-by-side runs.

Same data (pixels / 255), models (--model mlp, cnn or cnn_same), optimizer (Adam 1e-3), batch size 64,
epochs and per-epoch report as the C++ example:

    /usr/bin/python3 scripts/fashion_mnist_torch.py --model cnn [--epochs 5] [--threads 2]

Needs Debian's python3-torch; CI never runs it.
"""
import argparse
import gzip
import time

import torch
from torch import nn

DATA = "/usr/share/datasets/fashion-mnist"


def load(prefix, limit):
    with gzip.open(f"{DATA}/{prefix}-images-idx3-ubyte.gz") as f:
        px = f.read()[16:]
    with gzip.open(f"{DATA}/{prefix}-labels-idx1-ubyte.gz") as f:
        lb = f.read()[8:]
    n = len(lb) if limit <= 0 else min(len(lb), limit)
    x = torch.frombuffer(bytearray(px[:n * 784]), dtype=torch.uint8).view(n, 1, 28, 28)
    y = torch.frombuffer(bytearray(lb[:n]), dtype=torch.uint8).to(torch.int64)
    return x.to(torch.float32).div(255), y


def make_model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                             nn.ReLU(), nn.Linear(128, 10))
    if name == "cnn_same":  # padding 1: 32 x 14 x 14 -> 64 x 7 x 7 = 3136 features
        return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Dropout(0.25), nn.Linear(3136, 128), nn.ReLU(),
                             nn.Linear(128, 10))
    # [N, 1, 28, 28] -> 32 x 13 x 13 -> 64 x 5 x 5 = 1600 features, as examples/fashion_mnist.cpp
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.25),
                         nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))


def evaluate(model, x, y, batch):
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for s in range(0, len(y), batch):
            logits = model(x[s:s + batch])
            loss += nn.functional.cross_entropy(logits, y[s:s + batch], reduction="sum").item()
            correct += (logits.argmax(1) == y[s:s + batch]).sum().item()
    return loss / len(y), correct / len(y)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="cnn", choices=["mlp", "cnn", "cnn_same"])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--limit-train", type=int, default=0)
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    train_x, train_y = load("train", a.limit_train)
    test_x, test_y = load("t10k", 0)
    model = make_model(a.model)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    n = len(train_y)
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n)
        total, correct = 0.0, 0
        for s in range(0, n, a.batch_size):
            idx = perm[s:s + a.batch_size]
            xb, yb = train_x[idx], train_y[idx]
            opt.zero_grad()
            logits = model(xb)
            loss = nn.functional.cross_entropy(logits, yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(yb)
            correct += (logits.argmax(1) == yb).sum().item()
        train_secs = time.perf_counter() - t0
        test_loss, test_acc = evaluate(model, test_x, test_y, 1000)
        secs = time.perf_counter() - t0
        print(f"epoch {epoch + 1}  train loss {total / n:.6f}  train acc {100 * correct / n:.2f}%  "
              f"test loss {test_loss:.4f}  test acc {100 * test_acc:.2f}%  time {secs:.1f}s "
              f"(train {train_secs:.1f}s)", flush=True)


if __name__ == "__main__":
    main()
