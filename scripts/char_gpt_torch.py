#!/usr/bin/python3
"""The character-level GPT of examples/char_gpt.cpp in PyTorch, for comparing curves and speed.

Same corpus files, vocabulary, 90/10 split of every file, record shuffling (the same procedure
with another generator), model, initialization, AdamW groups, warm-up + cosine schedule,
clipping, random training windows and validation windows as the C++ example:

    /usr/bin/python3 scripts/char_gpt_torch.py --threads 1

PyTorch 1.13 (Debian's) has no F.scaled_dot_product_attention: attention is the composition
(matmul, causal mask, softmax, matmul). Needs python3-torch; CI never runs it.
"""
import argparse
import math
import os
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from char_lm_torch import DEFAULT, read_corpus  # noqa: E402


class Attention(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.c_attn = nn.Linear(width, 3 * width)
        self.c_proj = nn.Linear(width, width)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        s = q @ k.transpose(-2, -1) / math.sqrt(C // self.heads)
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        y = s.softmax(-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = Attention(width, heads)
        self.ln_2 = nn.LayerNorm(width)
        self.c_fc = nn.Linear(width, 4 * width)
        self.c_proj = nn.Linear(4 * width, width)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab, layers, heads, width, context):
        super().__init__()
        self.wte = nn.Embedding(vocab, width)
        self.wpe = nn.Embedding(context, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab, bias=False)
        proj_std = 0.02 / math.sqrt(2 * layers)
        for name, p in self.named_parameters():
            if "ln_" in name:
                continue
            if p.dim() == 1:
                nn.init.zeros_(p)
            else:
                nn.init.normal_(p, 0.0, proj_std if name.endswith(".c_proj.weight") else 0.02)

    def forward(self, tokens):
        T = tokens.shape[1]
        x = self.wte(tokens) + self.wpe(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln_f(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("text", nargs="*", default=[DEFAULT])
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--context", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--eval-windows", type=int, default=0)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--time-steps", type=int, default=0,
                    help="only time this many training steps (after 3 warm-up steps) and exit")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)

    records, held_out = read_corpus(a.text)
    corpus = b"".join(records[i] for i in torch.randperm(len(records)).tolist())
    chars = sorted(set(corpus + held_out))
    index = {c: i for i, c in enumerate(chars)}
    train = torch.tensor([index[c] for c in corpus], dtype=torch.long)
    val = torch.tensor([index[c] for c in held_out], dtype=torch.long)
    C = a.context
    model = GPT(len(chars), a.layers, a.heads, a.width, C)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and "ln_" not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and "ln_" not in n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=a.lr)

    def lr_at(step):
        if step < a.warmup:
            return a.lr * (step + 1) / a.warmup
        progress = min(1.0, (step - a.warmup) / max(1, a.steps - a.warmup))
        return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    def batch():
        starts = torch.randint(0, len(train) - C, (a.batch_size,))
        return torch.stack([train[s: s + C + 1] for s in starts.tolist()])

    def loss_of(b):
        logits = model(b[:, :-1])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), b[:, 1:].reshape(-1))

    def evaluate():
        model.eval()
        windows = (len(val) - 1) // C
        if a.eval_windows:
            windows = min(windows, a.eval_windows)
        total = 0.0
        with torch.no_grad():
            for w0 in range(0, windows, 64):
                n = min(64, windows - w0)
                b = torch.stack([val[(w0 + i) * C: (w0 + i) * C + C + 1] for i in range(n)])
                total += loss_of(b).item() * n * C
        model.train()
        return total / (windows * C)

    def step(i):
        for g in opt.param_groups:
            g["lr"] = lr_at(i)
        loss = loss_of(batch())
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        return loss.item()

    if a.time_steps:
        for i in range(3):
            step(i)
        t0 = time.time()
        for i in range(a.time_steps):
            step(3 + i)
        print(f"pytorch gpt step {1000 * (time.time() - t0) / a.time_steps:.1f} ms")
        return

    v = evaluate()
    print(f"step 0  val loss {v:.4f} ({v / math.log(2):.3f} bpc)", flush=True)
    seconds, running = 0.0, 0.0
    for i in range(a.steps):
        t0 = time.time()
        running += step(i)
        seconds += time.time() - t0
        if (i + 1) % a.eval_every == 0 or i + 1 == a.steps:
            v = evaluate()
            n = (i + 1) % a.eval_every or a.eval_every
            print(f"step {i + 1}  train loss {running / n:.4f}  val loss {v:.4f} "
                  f"({v / math.log(2):.3f} bpc)  {1000 * seconds / (i + 1):.1f} ms/step  "
                  f"{seconds:.0f} s", flush=True)
            running = 0.0


if __name__ == "__main__":
    main()
