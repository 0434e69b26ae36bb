#!/usr/bin/python3
"""The char-level language model of examples/char_lm.cpp in PyTorch, for comparing curves.

Same corpus files, vocabulary, 90/10 split of every file, record shuffling, model, optimizer, clipping,
batches and validation as the C++ example, so that its loss curve can be put next to nabla's:

    /usr/bin/python3 scripts/char_lm_torch.py --steps 2000 --eval-every 500 [--stateful 0|1]

Needs Debian's python3-torch (bench/install-deps.sh installs it); CI never runs it.
"""
import argparse
import math
import os
import time

import torch
from torch import nn

DEFAULT = "/usr/share/games/fortunes"


def text_files(path):
    if not os.path.isdir(path):
        return [path]
    files = []
    for root, dirs, names in os.walk(path):
        dirs[:] = [d for d in dirs if d != "off"]
        for name in names:
            p = os.path.join(root, name)
            if os.path.islink(p) or name.startswith(".") or name.endswith((".dat", ".u8")):
                continue
            files.append(p)
    return sorted(files)


def read_corpus(paths):
    """(training records, held-out text): the last 10% of every file is held out; the rest is
    cut after every line "%" (the end of a fortune) into records, as in char_lm.cpp."""
    records, held_out = [], b""
    for p in paths:
        for f in text_files(p):
            with open(f, "rb") as fh:
                text = fh.read()
            n_train = len(text) - len(text) // 10
            held_out += text[n_train:]
            rest = text[:n_train]
            while rest:
                end = rest.find(b"\n%\n")
                end = len(rest) if end < 0 else end + 3
                records.append(rest[:end])
                rest = rest[end:]
    return records, held_out


class CharLM(nn.Module):
    def __init__(self, vocab, embedding, hidden, layers):
        super().__init__()
        self.embed = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens, state=None):
        out, state = self.lstm(self.embed(tokens), state)
        return self.head(out), state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("text", nargs="*", default=[DEFAULT])
    ap.add_argument("--embedding", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--seq-len", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--stateful", type=int, default=1,
                    help="1: contiguous streams with the state carried (as char_lm); 0: random windows")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)

    records, held_out = read_corpus(a.text)
    # The training records in a seeded random order, as char_lm.cpp (another generator, so
    # another order: the same procedure, not the same bytes).
    corpus = b"".join(records[i] for i in torch.randperm(len(records)).tolist())
    chars = sorted(set(corpus + held_out))
    index = {c: i for i, c in enumerate(chars)}
    train = torch.tensor([index[c] for c in corpus], dtype=torch.long)
    val = torch.tensor([index[c] for c in held_out], dtype=torch.long)
    T, B = a.seq_len, a.batch_size
    model = CharLM(len(chars), a.embedding, a.hidden, a.layers)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    loss_fn = nn.CrossEntropyLoss()

    def streams(d, count):
        length = (len(d) - 1) // count
        return torch.stack([d[i * length: i * length + length + 1] for i in range(count)])

    def evaluate():
        model.eval()
        with torch.no_grad():
            s = streams(val, 32)
            total, count, state = 0.0, 0, None
            for t in range(0, s.shape[1] - 1, 256):
                x = s[:, t: min(t + 256, s.shape[1] - 1)]
                y = s[:, t + 1: t + 1 + x.shape[1]]
                logits, state = model(x, state)
                total += loss_fn(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item() * y.numel()
                count += y.numel()
        model.train()
        return total / count

    train_streams = streams(train, B)
    position, state = 0, None
    print(f"step 0  val loss {evaluate():.4f}")
    t0 = time.time()
    running = 0.0
    for step in range(1, a.steps + 1):
        if a.stateful:
            if position + T + 1 > train_streams.shape[1]:
                position, state = 0, None
            batch = train_streams[:, position: position + T + 1]
            position += T
        else:
            starts = torch.randint(0, len(train) - T, (B,))
            batch = torch.stack([train[s: s + T + 1] for s in starts.tolist()])
            state = None
        logits, state = model(batch[:, :-1], state)
        state = tuple(s.detach() for s in state) if a.stateful else None
        loss = loss_fn(logits.reshape(-1, logits.shape[-1]), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        running += loss.item()
        if step % a.eval_every == 0:
            ms = 1000 * (time.time() - t0) / step
            print(f"step {step}  train loss {running / a.eval_every:.4f}  val loss {evaluate():.4f}  "
                  f"{ms:.1f} ms/step", flush=True)
            running = 0.0


if __name__ == "__main__":
    main()
