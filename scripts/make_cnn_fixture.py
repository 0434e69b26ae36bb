#!/usr/bin/python3
"""The Fashion-MNIST CNN of examples/fashion_mnist.cpp (--model cnn) in PyTorch: its state_dict
and its eval-mode output for a random batch, as test fixtures (tests/test_conv.cpp loads them).

Run with Debian's python3-torch:  /usr/bin/python3 scripts/make_cnn_fixture.py
Writes tests/data/torch_cnn.safetensors and tests/data/torch_cnn_expected.safetensors.
"""
import os

import torch
from torch import nn

from make_checkpoint_fixture import save_safetensors


def main():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.25),
                          nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10)).eval()
    x = torch.rand(3, 1, 28, 28)
    with torch.no_grad():
        y = model(x)
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")
    save_safetensors(model.state_dict(), os.path.join(here, "torch_cnn.safetensors"))
    save_safetensors({"input": x, "output": y}, os.path.join(here, "torch_cnn_expected.safetensors"))


if __name__ == "__main__":
    main()
