#!/usr/bin/python3
"""PyTorch's attention forward + backward on the shapes of bench/cpp/attention.cpp (float32,
batch 2, 4 heads, head dim 32, causal). Debian's PyTorch 1.13 has no
F.scaled_dot_product_attention, so this is its composition (matmul, mask, softmax, matmul).
    /usr/bin/python3 bench/pytorch/attention.py [--threads 2] [--reps 5]
"""
import argparse
import json
import math
import time

import torch

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--reps", type=int, default=5)
a = ap.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)


def step(q, k, v):
    t0 = time.perf_counter()
    T = q.shape[-2]
    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    (s.softmax(-1) @ v).sum().backward()
    return time.perf_counter() - t0


for T in (128, 512, 2048):
    x = [torch.randn(2, 4, T, 32, requires_grad=True) for _ in range(3)]
    step(*x)
    times = sorted(step(*x) for _ in range(a.reps))
    print(json.dumps({"bench": "sdpa_fwd_bwd", "variant": "pytorch_composite", "T": T,
                      "ms": round(1000 * times[len(times) // 2], 3)}), flush=True)
