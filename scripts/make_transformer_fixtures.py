#!/usr/bin/python3
"""PyTorch's MultiheadAttention and Transformer layers on fixed inputs, as fixtures for
tests/test_transformer.cpp.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/make_transformer_fixtures.py
Writes tests/data/transformer_<case>.safetensors, each holding (float64):
  param.<name>                  the module's state_dict (PyTorch names)
  in.<name>                     the inputs (query/key/value or src/tgt/memory)
  mask.<name>                   float masks; bool masks as int64 0/1 under boolmask.<name>
  out, weights                  the outputs (weights only when the case returns them)
  w_out, w_weights              fixed weights of the loss (out * w_out).sum() + (weights * ...)
  grad.<param>, grad.in.<name>  the gradients of that loss
Dropout is 0 so that training-mode outputs are deterministic. The test builds the same module
from the case name (see kCases in tests/test_transformer.cpp).
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_checkpoint_fixture import save_safetensors  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")
nn = torch.nn
torch.set_default_dtype(torch.float64)


def causal(n):
    return torch.triu(torch.full((n, n), float("-inf")), diagonal=1)


def padding(lengths, s):  # bool [N, S], true = padded (ignored)
    return torch.arange(s)[None, :] >= torch.tensor(lengths)[:, None]


def enc_layer(**kw):
    return nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, **kw)


def dec_layer(**kw):
    return nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0, **kw)


# name: (module factory, inputs {name: shape}, masks {name: tensor}, call(module, inputs, masks)
# returning (out, weights or None))
CASES = {
    "mha_self_weights": (
        lambda: nn.MultiheadAttention(8, 2),
        {"query": [5, 3, 8]}, {},
        lambda m, x, k: m(x["query"], x["query"], x["query"])),
    "mha_cross_bf_masks": (
        lambda: nn.MultiheadAttention(8, 2, batch_first=True),
        {"query": [3, 4, 8], "key": [3, 6, 8], "value": [3, 6, 8]},
        {"key_padding_mask": padding([6, 4, 2], 6), "attn_mask": torch.randn(4, 6)},
        lambda m, x, k: m(x["query"], x["key"], x["value"], key_padding_mask=k["key_padding_mask"],
                          attn_mask=k["attn_mask"], need_weights=False)),
    "mha_kvdim_biaskv_zeroattn": (
        lambda: nn.MultiheadAttention(8, 4, kdim=5, vdim=3, add_bias_kv=True, add_zero_attn=True),
        {"query": [4, 2, 8], "key": [6, 2, 5], "value": [6, 2, 3]},
        {"attn_mask": torch.rand(2 * 4, 4, 6) > 0.7},
        lambda m, x, k: m(x["query"], x["key"], x["value"], attn_mask=k["attn_mask"],
                          average_attn_weights=False)),
    "mha_nobias_unbatched": (
        lambda: nn.MultiheadAttention(6, 3, bias=False),
        {"query": [4, 6], "key": [5, 6], "value": [5, 6]},
        {"key_padding_mask": padding([3], 5)[0]},
        lambda m, x, k: m(x["query"], x["key"], x["value"], key_padding_mask=k["key_padding_mask"])),
    "enc_layer_post": (
        lambda: enc_layer(),
        {"src": [5, 3, 8]}, {"src_mask": causal(5), "src_key_padding_mask": padding([5, 3, 4], 5)},
        lambda m, x, k: (m(x["src"], k["src_mask"], k["src_key_padding_mask"]), None)),
    "enc_layer_pre_gelu_bf": (
        lambda: enc_layer(norm_first=True, activation="gelu", batch_first=True),
        {"src": [3, 5, 8]}, {"src_key_padding_mask": padding([5, 2, 4], 5)},
        lambda m, x, k: (m(x["src"], src_key_padding_mask=k["src_key_padding_mask"]), None)),
    "encoder_2layers_norm": (
        lambda: nn.TransformerEncoder(enc_layer(), 2, norm=nn.LayerNorm(8),
                                      enable_nested_tensor=False),
        {"src": [4, 2, 8]}, {"mask": causal(4)},
        lambda m, x, k: (m(x["src"], k["mask"]), None)),
    "dec_layer_post": (
        lambda: dec_layer(),
        {"tgt": [4, 2, 8], "memory": [6, 2, 8]},
        {"tgt_mask": causal(4), "memory_key_padding_mask": padding([6, 3], 6)},
        lambda m, x, k: (m(x["tgt"], x["memory"], tgt_mask=k["tgt_mask"],
                           memory_key_padding_mask=k["memory_key_padding_mask"]), None)),
    "dec_layer_pre_bf": (
        lambda: dec_layer(norm_first=True, batch_first=True),
        {"tgt": [2, 4, 8], "memory": [2, 6, 8]},
        {"tgt_mask": causal(4), "memory_mask": torch.randn(4, 6)},
        lambda m, x, k: (m(x["tgt"], x["memory"], tgt_mask=k["tgt_mask"],
                           memory_mask=k["memory_mask"]), None)),
    "decoder_2layers": (
        lambda: nn.TransformerDecoder(dec_layer(), 2),
        {"tgt": [3, 2, 8], "memory": [5, 2, 8]}, {"tgt_mask": causal(3)},
        lambda m, x, k: (m(x["tgt"], x["memory"], tgt_mask=k["tgt_mask"]), None)),
    "transformer_bf": (
        lambda: nn.Transformer(8, 2, num_encoder_layers=2, num_decoder_layers=1,
                               dim_feedforward=16, dropout=0.0, batch_first=True),
        {"src": [2, 5, 8], "tgt": [2, 4, 8]},
        {"tgt_mask": causal(4), "src_key_padding_mask": padding([5, 3], 5),
         "memory_key_padding_mask": padding([5, 3], 5)},
        lambda m, x, k: (m(x["src"], x["tgt"], tgt_mask=k["tgt_mask"],
                           src_key_padding_mask=k["src_key_padding_mask"],
                           memory_key_padding_mask=k["memory_key_padding_mask"]), None)),
    "transformer_pre_gelu": (
        lambda: nn.Transformer(8, 2, num_encoder_layers=1, num_decoder_layers=2,
                               dim_feedforward=16, dropout=0.0, activation="gelu",
                               norm_first=True),
        {"src": [5, 2, 8], "tgt": [3, 2, 8]}, {"tgt_mask": causal(3)},
        lambda m, x, k: (m(x["src"], x["tgt"], tgt_mask=k["tgt_mask"]), None)),
}


def run_case(name, factory, shapes, masks, call):
    torch.manual_seed(sum(map(ord, name)))
    module = factory()
    with torch.no_grad():  # non-trivial biases and norms, so their gradients are tested too
        for p in module.parameters():
            if p.dim() == 1:
                p.add_(0.1 * torch.randn(p.shape))
    inputs = {k: torch.randn(s, requires_grad=True) for k, s in shapes.items()}
    out, weights = call(module, inputs, masks)
    result = {f"param.{k}": v for k, v in module.state_dict().items()}
    for k, v in inputs.items():
        result[f"in.{k}"] = v
    for k, v in masks.items():
        if v.dtype == torch.bool:
            result[f"boolmask.{k}"] = v.to(torch.int64)
        else:
            result[f"mask.{k}"] = v
    result["out"] = out
    result["w_out"] = torch.randn(out.shape)
    loss = (out * result["w_out"]).sum()
    if weights is not None:
        result["weights"] = weights
        result["w_weights"] = torch.randn(weights.shape)
        loss = loss + (weights * result["w_weights"]).sum()
    loss.backward()
    for k, v in inputs.items():
        result[f"grad.in.{k}"] = v.grad
    for k, p in module.named_parameters():
        result[f"grad.{k}"] = p.grad
    save_safetensors(result, os.path.join(HERE, f"transformer_{name}.safetensors"))


def main():
    for name, spec in CASES.items():
        run_case(name, *spec)
    print(f"wrote {len(CASES)} files tests/data/transformer_*.safetensors")


if __name__ == "__main__":
    main()
