"""Workload 2 in PyTorch, as bench/cpp/lstm.cpp."""
import torch
import torch.nn.functional as F

import common

VOCAB, SEQ, BATCH = 96, 64, 32


class CharModel(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(VOCAB, 64)
        self.lstm = torch.nn.LSTM(64, 256)
        self.head = torch.nn.Linear(256, VOCAB)

    def forward(self, tokens):
        return self.head(self.lstm(self.embed(tokens))[0])


def main():
    a = common.parse_args()
    torch.manual_seed(0)
    model = CharModel()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    tokens = torch.randint(VOCAB, (SEQ, BATCH))
    targets = torch.randint(VOCAB, (SEQ, BATCH))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(tokens).reshape(-1, VOCAB), targets.reshape(-1))
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    once = common.time_reps(1, 1, step)[0]
    inner = common.calls_for(once, 0.2 if a.quick else 1.0)
    common.emit("lstm", "step", a, common.time_reps(a.reps, inner, step))


if __name__ == "__main__":
    main()
