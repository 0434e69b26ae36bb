#!/usr/bin/python3
"""A PyTorch model's state_dict written as safetensors, with its outputs, as a test fixture.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/make_checkpoint_fixture.py
Writes tests/data/torch_mlp.safetensors (the state_dict of a small MLP, as the `safetensors`
package would write it) and tests/data/torch_mlp_expected.safetensors (an input and PyTorch's
output for it). The writer below follows the safetensors format directly, so that only torch is
needed.
"""
import json
import os
import struct

import torch

DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def save_safetensors(tensors, path):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def main():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 5), torch.nn.ReLU(), torch.nn.Linear(5, 3))
    x = torch.randn(4, 6)
    y = model(x)
    here = os.path.join(os.path.dirname(__file__), "..", "tests", "data")
    save_safetensors(model.state_dict(), os.path.join(here, "torch_mlp.safetensors"))
    save_safetensors({"input": x, "output": y}, os.path.join(here, "torch_mlp_expected.safetensors"))
    print("wrote tests/data/torch_mlp*.safetensors")


if __name__ == "__main__":
    main()
