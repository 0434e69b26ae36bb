#!/usr/bin/python3
"""PyTorch references for the normalization, pooling and resampling layers (tests/test_nnlayers.cpp).

Run with Debian's python3-torch:  /usr/bin/python3 scripts/make_nnlayers_fixtures.py
Writes tests/data/nnlayers_*.safetensors:
  nnlayers_batchnorm.safetensors   BatchNorm1d/2d running statistics over three training steps
                                   (momentum 0.1 and None), then eval outputs; InstanceNorm2d
                                   with track_running_stats
  nnlayers_bn_model.safetensors    state_dict of a small model with BatchNorm2d and BatchNorm1d
                                   after a few training steps
  nnlayers_bn_model_expected.safetensors  an input and the model's eval-mode output
  nnlayers_pool.safetensors        adaptive_max_pool2d values and indices; max_pool2d indices
                                   and what max_unpool2d makes of them
"""
import os

import torch

from make_checkpoint_fixture import save_safetensors

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")


def batchnorm():
    out = {}
    torch.manual_seed(0)
    for tag, momentum in (("m01", 0.1), ("mnone", None)):
        bn = torch.nn.BatchNorm2d(3, momentum=momentum)
        with torch.no_grad():
            bn.weight.uniform_(0.5, 1.5)
            bn.bias.uniform_(-0.5, 0.5)
        out[f"bn2d_{tag}.weight"] = bn.weight.detach().clone()
        out[f"bn2d_{tag}.bias"] = bn.bias.detach().clone()
        for step in range(3):
            x = torch.randn(4, 3, 5, 6) * (step + 1) + step
            y = bn(x)
            out[f"bn2d_{tag}.x{step}"] = x
            out[f"bn2d_{tag}.y{step}"] = y.detach()
        out[f"bn2d_{tag}.running_mean"] = bn.running_mean.clone()
        out[f"bn2d_{tag}.running_var"] = bn.running_var.clone()
        out[f"bn2d_{tag}.num_batches_tracked"] = bn.num_batches_tracked.clone()
        bn.eval()
        x = torch.randn(2, 3, 5, 6)
        out[f"bn2d_{tag}.x_eval"] = x
        out[f"bn2d_{tag}.y_eval"] = bn(x).detach()
    # BatchNorm1d on [N, C, L], no affine
    bn = torch.nn.BatchNorm1d(4, affine=False, momentum=0.3)
    for step in range(2):
        x = torch.randn(5, 4, 3) + step
        out[f"bn1d.x{step}"] = x
        out[f"bn1d.y{step}"] = bn(x)
    out["bn1d.running_mean"] = bn.running_mean.clone()
    out["bn1d.running_var"] = bn.running_var.clone()
    # InstanceNorm2d with running statistics and affine
    inn = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    with torch.no_grad():
        inn.weight.uniform_(0.5, 1.5)
        inn.bias.uniform_(-0.5, 0.5)
    out["in2d.weight"] = inn.weight.detach().clone()
    out["in2d.bias"] = inn.bias.detach().clone()
    for step in range(2):
        x = torch.randn(2, 3, 4, 5) * 2 + step
        out[f"in2d.x{step}"] = x
        out[f"in2d.y{step}"] = inn(x).detach()
    out["in2d.running_mean"] = inn.running_mean.clone()
    out["in2d.running_var"] = inn.running_var.clone()
    inn.eval()
    x = torch.randn(3, 4, 5)  # unbatched
    out["in2d.x_eval"] = x
    out["in2d.y_eval"] = inn(x).detach()
    save_safetensors(out, os.path.join(HERE, "nnlayers_batchnorm.safetensors"))


def bn_model():
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.BatchNorm2d(3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 5),
        torch.nn.BatchNorm1d(5))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        x = torch.randn(8, 3, 4, 4) * 2 + 1
        loss = model(x).square().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    x = torch.randn(4, 3, 4, 4)
    save_safetensors(model.state_dict(), os.path.join(HERE, "nnlayers_bn_model.safetensors"))
    save_safetensors({"input": x, "output": model(x).detach()},
                     os.path.join(HERE, "nnlayers_bn_model_expected.safetensors"))


def pool():
    torch.manual_seed(2)
    out = {}
    x = torch.randn(2, 3, 7, 9)
    y, i = torch.nn.functional.adaptive_max_pool2d(x, (3, 4), return_indices=True)
    out.update({"amp.x": x, "amp.y": y, "amp.indices": i})
    x = torch.randn(2, 3, 6, 8)
    y, i = torch.nn.functional.max_pool2d(x, 2, return_indices=True)
    out.update({"unpool.x": y, "unpool.indices": i,
                "unpool.y": torch.nn.functional.max_unpool2d(y, i, 2)})
    # overlapping windows (stride 1): repeated indices
    y, i = torch.nn.functional.max_pool2d(x, 3, stride=1, return_indices=True)
    out.update({"unpool_overlap.x": y, "unpool_overlap.indices": i,
                "unpool_overlap.y": torch.nn.functional.max_unpool2d(y, i, 3, stride=1)})
    save_safetensors(out, os.path.join(HERE, "nnlayers_pool.safetensors"))


def main():
    batchnorm()
    bn_model()
    pool()
    print("wrote tests/data/nnlayers_*.safetensors")


if __name__ == "__main__":
    main()
