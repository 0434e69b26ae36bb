#!/usr/bin/python3
"""Forward values of the op table (tests/op_db.cpp) computed by PyTorch, as test fixtures.

Run with Debian's python3-torch after a build:  /usr/bin/python3 scripts/make_fixtures.py
The rows come from the table itself (the nabla_op_table_json program prints each row's name,
PyTorch expression, shapes and domain), so a row is written once, in C++. Writes
tests/data/op_fixtures.json: for each row, the row and its outputs' shapes and values (float64).
The inputs are regenerated from the same formula in C++ (sample_input in tests/op_db.cpp), so
only outputs are stored. CI does not need torch: the JSON is committed.
"""
import argparse
import json
import math
import os
import subprocess

import torch
import torch.nn.functional as F

T = torch

torch.set_default_dtype(torch.float64)


def sample_input(shape, k, domain):
    n = math.prod(shape)
    v = []
    for i in range(n):
        x = 2.0 * math.sin(0.37 * i + 1.3 * k + 0.5)
        if domain == "pos":
            x = 0.5 + abs(x)
        if domain == "nz":
            x = (-1.0 if x < 0 else 1.0) * (0.5 + abs(x))
        if domain == "unit":
            x = 0.45 * x
        if domain == "gt1":
            x = 1.5 + abs(x)
        v.append(x)
    return torch.tensor(v, dtype=torch.float64).reshape(shape)


def idx(v):
    return torch.tensor(v, dtype=torch.int64)


def rotary(x, offset=0, base=10000.0):
    """nabla::nn::apply_rotary_embedding with rotary_embedding_tables: half-split pairs."""
    t, d = x.size(-2), x.size(-1)
    pos = T.arange(offset, offset + t, dtype=x.dtype)[:, None]
    angle = pos / base ** (T.arange(0, d // 2, dtype=x.dtype) * 2 / d)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return T.cat([x1 * angle.cos() - x2 * angle.sin(), x1 * angle.sin() + x2 * angle.cos()], -1)


def sdpa(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """torch.nn.functional.scaled_dot_product_attention as PyTorch 2 documents it."""
    L, S = q.size(-2), k.size(-2)
    scale = 1 / math.sqrt(q.size(-1)) if scale is None else scale
    bias = torch.zeros(L, S, dtype=q.dtype)
    if is_causal:
        bias = bias.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            bias = bias.masked_fill(~attn_mask, float("-inf"))
        else:
            bias = bias + attn_mask
    w = torch.softmax(q @ k.transpose(-2, -1) * scale + bias, dim=-1)
    return w @ v


# What a row's PyTorch expression can name (besides x, its inputs).
NAMES = {"torch": torch, "T": torch, "F": F, "math": math, "idx": idx, "sdpa": sdpa,
         "rotary": rotary}


def op_table(exe):
    """The rows of tests/op_db.cpp, as nabla_op_table_json prints them."""
    return json.loads(subprocess.run([exe], check=True, capture_output=True, text=True).stdout)


def evaluate(row):
    inputs = [sample_input(s, k, row["domain"]) for k, s in enumerate(row["shapes"])]
    result = eval(row["torch"], dict(NAMES), {"x": inputs})
    return [result] if isinstance(result, torch.Tensor) else list(result)


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--op-table", default=os.path.join(root, "build", "tests",
                                                           "nabla_op_table_json"),
                        help="the nabla_op_table_json program of a build (default: build/tests)")
    args = parser.parse_args()
    out = {}
    for row in op_table(args.op_table):
        if not row["torch"]:
            raise SystemExit(f"row {row['name']} of tests/op_db.cpp has no PyTorch expression")
        outputs = evaluate(row)
        # The row itself is recorded, so that the test sees when the table changed after the
        # fixtures were made.
        out[row["name"]] = {
            "torch": row["torch"], "shapes": row["shapes"], "domain": row["domain"],
            "outputs": [{"shape": list(o.shape), "values": o.flatten().tolist()} for o in outputs]}
    path = os.path.join(root, "tests", "data", "op_fixtures.json")
    with open(path + ".tmp", "w") as f:
        json.dump({"generator": "scripts/make_fixtures.py", "torch": torch.__version__,
                   "ops": out}, f, indent=1)
    os.replace(path + ".tmp", path)
    print(f"wrote {len(out)} ops to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
