"""BatchNorm2d training forward + backward and eval forward, and max_pool2d 2x2 forward +
backward and forward, in PyTorch, as bench/cpp/norm.cpp (same shapes, same byte counts)."""
import torch

import common


def batchnorm(a):
    target = 0.1 if a.quick else 0.3
    shapes = [(32, 64, 56, 56), (32, 128, 28, 28), (64, 32, 28, 28), (8, 64, 112, 112)]
    if a.quick:
        shapes = shapes[:2]
    for n, c, h, w in shapes:
        bn = torch.nn.BatchNorm2d(c)
        x = torch.randn(n, c, h, w, requires_grad=True)
        dy = torch.randn(n, c, h, w)
        nbytes = 5.0 * 4 * x.numel()
        name = f"{n}x{c}x{h}x{w}"

        def step():
            bn(x).backward(dy)

        common.emit("batchnorm", "fwd+bwd " + name, a, common.measure(a, target, step),
                    "bytes", nbytes)
        bn.eval()
        with torch.no_grad():
            common.emit("batchnorm", "eval fwd " + name, a,
                        common.measure(a, target, lambda: bn(x)), "bytes", 2.0 * 4 * x.numel())


def maxpool(a):
    target = 0.1 if a.quick else 0.3
    shapes = [(64, 32, 26, 26), (32, 64, 56, 56), (8, 64, 112, 112)]
    if a.quick:
        shapes = shapes[:2]
    for n, c, h, w in shapes:
        x = torch.randn(n, c, h, w, requires_grad=True)
        dy = torch.randn(n, c, h // 2, w // 2)
        nbytes = 4.0 * x.numel()
        name = f"{n}x{c}x{h}x{w}"

        def step():
            torch.nn.functional.max_pool2d(x, 2).backward(dy)

        common.emit("maxpool", "fwd+bwd " + name, a, common.measure(a, target, step), "bytes",
                    2.5 * nbytes)
        with torch.no_grad():
            common.emit("maxpool", "fwd " + name, a,
                        common.measure(a, target, lambda: torch.nn.functional.max_pool2d(x, 2)),
                        "bytes", 1.25 * nbytes)


def main():
    a = common.parse_args()
    torch.manual_seed(0)
    if a.only in (None, "", "batchnorm"):
        batchnorm(a)
    if a.only in (None, "", "maxpool"):
        maxpool(a)


if __name__ == "__main__":
    main()
