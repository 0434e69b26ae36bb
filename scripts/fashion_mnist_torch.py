#!/usr/bin/python3
"""The Fashion-MNIST trainer of examples/fashion_mnist.cpp in PyTorch, for side-by-side runs.

Same data (pixels / 255), models (--model mlp, cnn, cnn_small, cnn_same; --batch-norm), optimizer
(Adam 1e-3), learning-rate schedule (--schedule constant|cosine), augmentation (--augment: random
horizontal flips and 2-pixel shifts), batch size 64, epochs and per-epoch report as the C++
example:

    /usr/bin/python3 scripts/fashion_mnist_torch.py --model cnn [--epochs 5] [--threads 2]

Needs Debian's python3-torch; CI never runs it.
"""
import argparse
import gzip
import math
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


def conv_block(layers, cin, cout, padding, batch_norm, pool=True):
    """Conv2d 3x3 (no bias under BatchNorm), BatchNorm2d when asked, ReLU, 2x2 max-pooling."""
    layers.append(nn.Conv2d(cin, cout, 3, padding=padding, bias=not batch_norm))
    if batch_norm:
        layers.append(nn.BatchNorm2d(cout))
    layers.append(nn.ReLU())
    if pool:
        layers.append(nn.MaxPool2d(2))


def make_model(name, batch_norm):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128),
                             nn.ReLU(), nn.Linear(128, 10))
    layers = []
    if name == "cnn":  # two 3x3 convs per block: 28x28x32 (x2) -> 14x14x64 (x2) -> 7x7x64
        for cin, cout in ((1, 32), (32, 64)):
            conv_block(layers, cin, cout, 1, batch_norm, pool=False)
            conv_block(layers, cout, cout, 1, batch_norm)
        features = 3136
    else:
        # cnn_small: [N, 1, 28, 28] -> 32 x 13 x 13 -> 64 x 5 x 5 = 1600 features; cnn_same pads by
        # 1: 32 x 14 x 14 -> 64 x 7 x 7 = 3136 features, as examples/fashion_mnist.cpp
        padding = 1 if name == "cnn_same" else 0
        conv_block(layers, 1, 32, padding, batch_norm)
        conv_block(layers, 32, 64, padding, batch_norm)
        features = 3136 if padding else 1600
    return nn.Sequential(*layers, nn.Flatten(), nn.Dropout(0.25), nn.Linear(features, 128),
                         nn.ReLU(), nn.Linear(128, 10))


def augment(x, gen):
    """Random horizontal flips (p = 1/2) and 2-pixel shifts (28x28 windows of the image padded
    by 2), per image, as --augment in the C++ example (another generator, same distribution)."""
    n = x.shape[0]
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip.view(n, 1, 1, 1), x.flip(3), x)
    padded = nn.functional.pad(x, (2, 2, 2, 2))
    top = torch.randint(0, 5, (n,), generator=gen)
    left = torch.randint(0, 5, (n,), generator=gen)
    return torch.stack([padded[i, :, top[i]:top[i] + 28, left[i]:left[i] + 28]
                        for i in range(n)])


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
    p.add_argument("--model", default="cnn", choices=["mlp", "cnn", "cnn_small", "cnn_same"])
    p.add_argument("--batch-norm", default="true", choices=["true", "false"],
                   help="BatchNorm2d after each convolution of the cnn models")
    p.add_argument("--augment", action="store_true")
    p.add_argument("--schedule", default="constant", choices=["constant", "cosine"])
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
    model = make_model(a.model, a.batch_norm == "true")
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    n = len(train_y)
    steps_per_epoch = (n + a.batch_size - 1) // a.batch_size
    gen = torch.Generator().manual_seed(a.seed + 1)
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n)
        total, correct = 0.0, 0
        for step, s in enumerate(range(0, n, a.batch_size)):
            if a.schedule == "cosine":  # from lr to 0 along half a cosine wave, per step
                t = epoch * steps_per_epoch + step
                for group in opt.param_groups:
                    group["lr"] = 0.5 * a.lr * (1 + math.cos(math.pi * t /
                                                            (a.epochs * steps_per_epoch)))
            idx = perm[s:s + a.batch_size]
            xb, yb = train_x[idx], train_y[idx]
            if a.augment:
                xb = augment(xb, gen)
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
              f"test loss {test_loss:.4f}  test acc {100 * test_acc:.2f}%  time {secs:.2f}s "
              f"(train {train_secs:.2f}s)", flush=True)


if __name__ == "__main__":
    main()
