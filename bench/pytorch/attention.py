"""PyTorch's attention forward + backward on the shapes of bench/cpp/attention.cpp (float32,
batch 2, 4 heads, head dim 32, causal, T = 128, 512, 2048). Debian's PyTorch 1.13 has no
F.scaled_dot_product_attention, so this is its composition (matmul, mask, softmax, matmul);
with a PyTorch that has it, its fused sdpa is timed too.
    /usr/bin/python3 bench/pytorch/attention.py [--threads 2] [--reps 5] [--quick]
"""
import math

import torch
import torch.nn.functional as F

import common


def composite(q, k, v):
    T = q.shape[-2]
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return s.softmax(-1) @ v


def fused(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, is_causal=True)


def main():
    a = common.parse_args()
    torch.manual_seed(0)
    variants = [("composite", composite)]
    if hasattr(F, "scaled_dot_product_attention"):
        variants.append(("fused", fused))
    for T in (128, 512, 2048):
        x = [torch.randn(2, 4, T, 32, requires_grad=True) for _ in range(3)]
        for name, fn in variants:
            samples = common.measure(a, 0.1 if a.quick else 0.5,
                                     lambda: fn(*x).sum().backward())
            common.emit("attention", f"{name} T={T}", a, samples)


if __name__ == "__main__":
    main()
