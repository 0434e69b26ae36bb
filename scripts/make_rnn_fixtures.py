#!/usr/bin/python3
"""PyTorch's recurrent layers on fixed inputs, as test fixtures for tests/test_rnn.cpp.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/make_rnn_fixtures.py
Writes tests/data/rnn_<case>.safetensors, each holding (float32):
  param.<name>          the module's state_dict (PyTorch names)
  input, h0, c0         the input and initial states (h0/c0 only when the case passes them)
  out, h_n, c_n         the outputs (a cell's new states are h_n / c_n)
  w_out, w_h, w_c       fixed weights of the scalar loss
                        (out * w_out).sum() + (h_n * w_h).sum() + (c_n * w_c).sum()
  grad.<name>, grad.input, grad.h0, grad.c0   the gradients of that loss
Packed cases also hold `lengths` (int64) and give `out` padded with zeros (pad_packed_sequence).
The test builds the same module from the case name (see kCases in tests/test_rnn.cpp).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_checkpoint_fixture import save_safetensors  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")

# name: (module factory, input shape, initial state shape or None, packed lengths or None)
CASES = {
    "rnn_cell_tanh": (lambda: torch.nn.RNNCell(3, 4), [2, 3], [2, 4], None),
    "rnn_cell_relu_nobias": (lambda: torch.nn.RNNCell(3, 4, bias=False, nonlinearity="relu"),
                             [2, 3], [2, 4], None),
    "lstm_cell": (lambda: torch.nn.LSTMCell(3, 4), [2, 3], [2, 4], None),
    "lstm_cell_nobias": (lambda: torch.nn.LSTMCell(3, 4, bias=False), [2, 3], None, None),
    "gru_cell": (lambda: torch.nn.GRUCell(3, 4), [2, 3], [2, 4], None),
    "gru_cell_nobias": (lambda: torch.nn.GRUCell(3, 4, bias=False), [2, 3], None, None),
    "rnn_tanh_2layers": (lambda: torch.nn.RNN(3, 5, num_layers=2), [4, 2, 3], None, None),
    "rnn_relu_bi_bf": (lambda: torch.nn.RNN(3, 5, nonlinearity="relu", bidirectional=True,
                                            batch_first=True), [2, 4, 3], [2, 2, 5], None),
    "lstm_2layers_hx": (lambda: torch.nn.LSTM(3, 5, num_layers=2), [4, 2, 3], [2, 2, 5], None),
    "lstm_bi_bf_2layers": (lambda: torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True,
                                                 batch_first=True), [2, 5, 3], None, None),
    "lstm_nobias_hx": (lambda: torch.nn.LSTM(3, 4, bias=False), [3, 2, 3], [1, 2, 4], None),
    "gru_bi_2layers_hx": (lambda: torch.nn.GRU(3, 4, num_layers=2, bidirectional=True),
                          [4, 3, 3], [4, 3, 4], None),
    "gru_bf_nobias": (lambda: torch.nn.GRU(3, 4, batch_first=True, bias=False), [3, 4, 3], None,
                      None),
    "lstm_packed_bi": (lambda: torch.nn.LSTM(3, 4, bidirectional=True), [5, 3, 3], [2, 3, 4],
                       [3, 5, 2]),
    "gru_packed_2layers": (lambda: torch.nn.GRU(3, 4, num_layers=2), [4, 3, 3], None, [2, 4, 1]),
}


def run_case(name, factory, in_shape, state_shape, lengths):
    torch.manual_seed(sum(map(ord, name)))
    module = factory()
    lstm = isinstance(module, (torch.nn.LSTM, torch.nn.LSTMCell))
    x = torch.randn(in_shape, requires_grad=True)
    h0 = torch.randn(state_shape, requires_grad=True) if state_shape else None
    c0 = torch.randn(state_shape, requires_grad=True) if state_shape and lstm else None
    state = (h0, c0) if lstm and h0 is not None else h0
    cell = isinstance(module, (torch.nn.RNNCell, torch.nn.LSTMCell, torch.nn.GRUCell))
    if cell:
        res = module(x, state)
        out, h_n, c_n = None, *(res if lstm else (res, None))
    elif lengths is not None:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths),
                                                         enforce_sorted=False)
        out_packed, hidden = module(packed, state)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out_packed)
        h_n, c_n = hidden if lstm else (hidden, None)
    else:
        out, hidden = module(x, state)
        h_n, c_n = hidden if lstm else (hidden, None)
    result = {f"param.{k}": v for k, v in module.state_dict().items()}
    result["input"] = x
    loss = 0
    if out is not None:
        result["out"] = out
        result["w_out"] = torch.randn(out.shape)
        loss = loss + (out * result["w_out"]).sum()
    result["h_n"] = h_n
    result["w_h"] = torch.randn(h_n.shape)
    loss = loss + (h_n * result["w_h"]).sum()
    if c_n is not None:
        result["c_n"] = c_n
        result["w_c"] = torch.randn(c_n.shape)
        loss = loss + (c_n * result["w_c"]).sum()
    loss.backward()
    if h0 is not None:
        result["h0"], result["grad.h0"] = h0, h0.grad
    if c0 is not None:
        result["c0"], result["grad.c0"] = c0, c0.grad
    if lengths is not None:
        result["lengths"] = torch.tensor(lengths, dtype=torch.int64)
    result["grad.input"] = x.grad
    for k, p in module.named_parameters():
        result[f"grad.{k}"] = p.grad
    save_safetensors(result, os.path.join(HERE, f"rnn_{name}.safetensors"))


def main():
    for name, spec in CASES.items():
        run_case(name, *spec)
    print(f"wrote {len(CASES)} files tests/data/rnn_*.safetensors")


if __name__ == "__main__":
    main()
