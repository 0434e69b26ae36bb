"""Workloads 3-5 in PyTorch, as bench/cpp/ops.cpp (same cases, same byte and FLOP counts)."""
import torch

import common


def matmul(a):
    target = 0.05 if a.quick else 0.2
    with torch.no_grad():
        for n in (64, 256, 1024) if a.quick else (64, 256, 1024, 2048):
            x, y = torch.randn(n, n), torch.randn(n, n)
            common.emit("matmul", str(n), a, common.measure(a, target, lambda: torch.mm(x, y)),
                        "flops", 2.0 * n ** 3)
        x, w, g = torch.randn(64, 784), torch.randn(256, 784), torch.randn(64, 256)
        flops = 2.0 * 64 * 784 * 256
        common.emit("matmul", "64x784 @ (256x784)^T", a,
                    common.measure(a, target, lambda: torch.mm(x, w.t())), "flops", flops)
        common.emit("matmul", "64x256 @ 256x784", a,
                    common.measure(a, target, lambda: torch.mm(g, w)), "flops", flops)
        common.emit("matmul", "(64x256)^T @ 64x784", a,
                    common.measure(a, target, lambda: torch.mm(g.t(), x)), "flops", flops)


MODEL_SHAPES = (("MLP layer 1", 64, 784, 256), ("MLP layer 2", 64, 256, 128),
                ("LSTM h W_hh^T", 32, 256, 1024), ("LSTM x W_ih^T", 2048, 64, 1024),
                ("GPT qkv", 2048, 128, 384), ("GPT mlp", 2048, 128, 512))


def matmul16(a):
    target = 0.05 if a.quick else 0.2
    with torch.no_grad():
        for model, rows, n_in, n_out in MODEL_SHAPES:
            name = f"{model} {rows}x{n_in} @ ({n_out}x{n_in})^T"
            for dtype, dt in ((torch.float32, "float32"), (torch.bfloat16, "bfloat16")):
                x, w = torch.randn(rows, n_in).to(dtype), torch.randn(n_out, n_in).to(dtype)
                common.emit("matmul16", f"{name} {dt}", a,
                            common.measure(a, target, lambda: torch.mm(x, w.t())), "flops",
                            2.0 * rows * n_in * n_out)


def elementwise(a):
    n = 1 << 24
    f = 4.0 * n
    target = 0.1 if a.quick else 0.3
    with torch.no_grad():
        x, y, z, w = torch.randn(n), torch.randn(n), torch.randn(n), torch.randn(n)
        one = torch.ones(n)
        m = x.view(4096, 4096)
        # The transcendental functions over 2^20 floats (see bench/cpp/ops.cpp).
        f20 = 4.0 * (1 << 20)
        s = x[: 1 << 20]
        positive = s.abs() + 0.1
        cases = [
            ("a + b", 3 * f, lambda: x + y),
            ("a.add_(b)", 3 * f, lambda: w.add_(y)),
            ("a * b + c", 4 * f, lambda: x * y + z),
            ("a.mul_(b).add_(c)", 4 * f, lambda: w.mul_(one).add_(z)),
            ("relu(a)", 2 * f, lambda: x.relu()),
            ("a.relu_()", 2 * f, lambda: w.relu_()),
            ("sum(a, 1) [4096x4096]", f, lambda: m.sum(1)),
            ("sum(a, 0) [4096x4096]", f, lambda: m.sum(0)),
            ("softmax(a, 1) [4096x4096]", 2 * f, lambda: m.softmax(1)),
            ("exp(a) [2^20]", 2 * f20, lambda: s.exp()),
            ("sigmoid(a) [2^20]", 2 * f20, lambda: s.sigmoid()),
            ("tanh(a) [2^20]", 2 * f20, lambda: s.tanh()),
            ("log(a) [2^20, a > 0]", 2 * f20, lambda: positive.log()),
            ("erf(a) [2^20]", 2 * f20, lambda: torch.erf(s)),
            ("gelu(a) exact [2^20]", 2 * f20, lambda: torch.nn.functional.gelu(s)),
        ]
        for name, nbytes, fn in cases:
            common.emit("elementwise", name, a, common.measure(a, target, fn), "bytes", nbytes)


def overhead(a):
    target = 0.05 if a.quick else 0.2
    x, y = torch.ones(1), torch.ones(1)
    common.emit("overhead", "a + b (1 element, no grad)", a,
                common.measure(a, target, lambda: x + y))
    p, q = torch.ones(1, requires_grad=True), torch.ones(1, requires_grad=True)
    common.emit("overhead", "(a * b + a).sum() fwd+bwd", a,
                common.measure(a, target, lambda: (p * q + p).sum().backward()))


def main():
    a = common.parse_args()
    torch.manual_seed(0)
    for name, fn in (("matmul", matmul), ("matmul16", matmul16), ("elementwise", elementwise),
                     ("overhead", overhead)):
        if not a.only or a.only == name:
            fn(a)


if __name__ == "__main__":
    main()
