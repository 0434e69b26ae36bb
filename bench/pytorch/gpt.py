"""Workload 12 in PyTorch: one training step of scripts/char_gpt_torch.py's GPT at the defaults
of examples/char_gpt.cpp (as bench/cpp/gpt.cpp): random windows [batch, context + 1],
cross-entropy, backward, gradient clipping 1.0, AdamW. PyTorch 1.13's attention is the
composition (matmul, mask, softmax, matmul).
    /usr/bin/python3 bench/pytorch/gpt.py [--threads 2] [--reps 5] [--quick]
"""
import os
import sys

import torch
import torch.nn.functional as F

import common

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "scripts"))
from char_gpt_torch import GPT  # noqa: E402

# bench/cpp/gpt.cpp's constants.
VOCAB, LAYERS, HEADS, WIDTH, CONTEXT, BATCH = 114, 2, 4, 128, 64, 32


def main():
    a = common.parse_args()
    if a.only not in ("", "step", "autocast"):
        return  # PyTorch's side has the training step only
    for mixed in (False, True):
        if a.only == ("step" if mixed else "autocast"):
            continue
        train(a, mixed)


def train(a, mixed):
    """The training step (under bfloat16 autocast when mixed), as bench/cpp/gpt.cpp's step()."""
    torch.manual_seed(0)
    model = GPT(VOCAB, LAYERS, HEADS, WIDTH, CONTEXT)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.1)
    batch = torch.randint(VOCAB, (BATCH, CONTEXT + 1))
    inputs, targets = batch[:, :-1], batch[:, 1:]
    last = [0.0]

    def step():
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=mixed):
            logits = model(inputs)
            loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))
        last[0] = loss.item()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(3):
        step()
    loss_after_3 = round(last[0], 5)
    once = common.time_reps(1, 1, step)[0]
    inner = common.calls_for(once, 0.3 if a.quick else 2.0)
    common.emit("gpt", "training step, autocast bf16" if mixed else "training step", a,
                common.time_reps(a.reps, inner, step),
                extra={"tokens": BATCH * CONTEXT, "loss_after_3": loss_after_3})


if __name__ == "__main__":
    main()
