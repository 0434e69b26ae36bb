#!/usr/bin/python3
"""PyTorch's behaviour for the 16-bit floats (float16, bfloat16), as test fixtures.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/make_half_fixtures.py
Writes tests/data/half_fixtures.json (read by tests/test_half.cpp; CI does not need torch):
- "conversions": float32 bit patterns and the float16 and bfloat16 bits PyTorch rounds them to
  (edge cases, ties, subnormals, random patterns over every exponent).
- "promotion": torch.promote_types for pairs of dtypes, and the dtype of tensor-scalar ops.
- "ops": results of ops computed by PyTorch in each 16-bit dtype from inputs rounded to it,
  stored as float64 (every 16-bit value is exact in float64).
"""
import json
import math
import os
import random
import struct

import torch

HERE = os.path.join(os.path.dirname(__file__), "..", "tests", "data")
DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
          "float64": torch.float64, "int32": torch.int32, "int64": torch.int64,
          "uint8": torch.uint8, "bool": torch.bool}


def bits_of(f):
    return struct.unpack("<I", struct.pack("<f", f))[0]


def conversion_inputs():
    special = [0.0, -0.0, math.inf, -math.inf, 1.0, -1.0, 65504.0, 65505.0, 65519.0, 65520.0,
               65536.0, -65520.0, 2.0 ** -14, 2.0 ** -24, 2.0 ** -25, 1.5 * 2.0 ** -25,
               2.0 ** -26, 3.0 * 2.0 ** -25, 6e-8, 1e30, 3.4028234663852886e38, 1e-40,
               1.401298464324817e-45, 1.1754943508222875e-38]
    patterns = [bits_of(f) for f in special]
    patterns += [0x7FC00000, 0xFFC00000, 0x7F800001, 0x7FBFFFFF]  # NaNs
    rng = random.Random(0)
    for _ in range(3000):
        patterns.append(rng.getrandbits(32))
    for _ in range(1500):  # exact ties and near ties of both roundings
        exponent = rng.randrange(90, 160)
        mantissa = rng.getrandbits(23)
        for low16, low13 in ((0x8000, 0x1000), (0x7FFF, 0x0FFF), (0x8001, 0x1001)):
            sign = rng.getrandbits(1) << 31
            patterns.append(sign | exponent << 23 | (mantissa & ~0xFFFF) | low16)
            patterns.append(sign | exponent << 23 | (mantissa & ~0x1FFF) | low13)
    return patterns


def conversions():
    patterns = conversion_inputs()
    as_float = torch.tensor(patterns, dtype=torch.int64).to(torch.int32).view(torch.float32)
    half = as_float.to(torch.float16).view(torch.int16).to(torch.int64) & 0xFFFF
    bf16 = as_float.to(torch.bfloat16).view(torch.int16).to(torch.int64) & 0xFFFF
    return {"float32": patterns, "float16": half.tolist(), "bfloat16": bf16.tolist()}


def promotion():
    names = list(DTYPES)
    pairs = [[a, b, str(torch.promote_types(DTYPES[a], DTYPES[b])).replace("torch.", "")]
             for a in names for b in names]
    with_scalar = []
    for a in names:
        for scalar in (2.5, 3, True):
            t = torch.ones(2, dtype=DTYPES[a])
            with_scalar.append([a, repr(scalar), str((t * scalar).dtype).replace("torch.", "")])
    return {"pairs": pairs, "with_scalar": with_scalar}


def sample(shape, k):
    n = math.prod(shape)
    return torch.tensor([2.0 * math.sin(0.37 * i + 1.3 * k + 0.5) for i in range(n)],
                        dtype=torch.float64).reshape(shape)


def ops():
    out = {}
    for name, dtype in (("float16", torch.float16), ("bfloat16", torch.bfloat16)):
        x, y = sample([4, 5], 0).to(dtype), sample([4, 5], 1).to(dtype)
        w = sample([5, 3], 2).to(dtype)
        candidates = {
            "add": lambda: x + y, "mul": lambda: x * y, "div": lambda: x / (y.abs() + 1),
            "exp": lambda: x.exp(), "tanh": lambda: x.tanh(), "sigmoid": lambda: torch.sigmoid(x),
            "relu": lambda: torch.relu(x), "sum": lambda: x.sum(), "sum_dim1": lambda: x.sum(1),
            "mean": lambda: x.mean(), "amax": lambda: x.amax(1), "matmul": lambda: x @ w,
            "softmax": lambda: torch.softmax(x, 1), "log_softmax": lambda: torch.log_softmax(x, 1),
            "add_scalar": lambda: x + 2.5,
        }
        results = {}
        for op, f in candidates.items():
            try:  # PyTorch 1.13 lacks some float16 kernels on the CPU
                results[op] = f()
            except RuntimeError:
                pass
        try:
            xg = x.clone().requires_grad_()
            wg = w.clone().requires_grad_()
            (torch.tanh(xg @ wg) * 0.5).sum().backward()
            results["grad_x"] = xg.grad
            results["grad_w"] = wg.grad
        except RuntimeError:
            pass
        out[name] = {k: {"shape": list(v.shape), "values": v.double().flatten().tolist(),
                         "dtype": str(v.dtype).replace("torch.", "")}
                     for k, v in results.items()}
    return out


def main():
    fixtures = {"conversions": conversions(), "promotion": promotion(), "ops": ops()}
    path = os.path.join(HERE, "half_fixtures.json")
    with open(path, "w") as f:
        json.dump(fixtures, f, separators=(",", ":"))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
