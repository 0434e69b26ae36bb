#!/usr/bin/python3
"""Forward values of the op table (tests/op_db.cpp) computed by PyTorch, as test fixtures.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/make_fixtures.py
Writes tests/data/op_fixtures.json: for each row name, the outputs' shapes and values (float64).
The inputs are regenerated from the same formula in C++ (sample_input in tests/op_db.cpp), so
only outputs are stored. CI does not need torch: the JSON is committed.
"""
import json
import math
import os

import torch
import torch.nn.functional as F

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


T = torch
F = torch.nn.functional
# name: (shapes, fn, domain) -- mirrors tests/op_db.cpp row by row.
ROWS = {
    "neg": ([[3, 4]], lambda x: [-x[0]], "any"),
    "exp": ([[3, 4]], lambda x: [x[0].exp()], "any"),
    "log": ([[3, 4]], lambda x: [x[0].log()], "pos"),
    "sqrt": ([[3, 4]], lambda x: [x[0].sqrt()], "pos"),
    "rsqrt": ([[3, 4]], lambda x: [x[0].rsqrt()], "pos"),
    "abs": ([[3, 4]], lambda x: [x[0].abs()], "nz"),
    "sin": ([[3, 4]], lambda x: [x[0].sin()], "any"),
    "cos": ([[3, 4]], lambda x: [x[0].cos()], "any"),
    "sigmoid": ([[3, 4]], lambda x: [x[0].sigmoid()], "any"),
    "tanh": ([[3, 4]], lambda x: [x[0].tanh()], "any"),
    "relu": ([[3, 4]], lambda x: [x[0].relu()], "nz"),
    "square": ([[3, 4]], lambda x: [x[0].square()], "any"),
    "reciprocal": ([[3, 4]], lambda x: [x[0].reciprocal()], "nz"),
    "erf": ([[3, 4]], lambda x: [T.erf(x[0])], "any"),
    "gelu": ([[3, 4]], lambda x: [T.nn.functional.gelu(x[0])], "any"),
    "gelu_tanh": ([[3, 4]], lambda x: [T.nn.functional.gelu(x[0], approximate="tanh")], "any"),
    "clamp": ([[3, 4]], lambda x: [x[0].clamp(-1.1, 0.9)], "any"),
    "clamp_min": ([[3, 4]], lambda x: [x[0].clamp_min(0.3)], "any"),
    "pow_scalar": ([[3, 4]], lambda x: [x[0].pow(3)], "any"),
    "pow_frac": ([[3, 4]], lambda x: [x[0].pow(1.5)], "pos"),
    "add": ([[3, 4], [4]], lambda x: [x[0] + x[1]], "any"),
    "add_alpha": ([[3, 4], [3, 1]], lambda x: [x[0].add(x[1], alpha=2.5)], "any"),
    "sub": ([[3, 4], [3, 1]], lambda x: [x[0] - x[1]], "any"),
    "mul": ([[2, 3, 4], [3, 4]], lambda x: [x[0] * x[1]], "any"),
    "div": ([[3, 4], [4]], lambda x: [x[0] / x[1]], "nz"),
    "add_scalar": ([[3, 4]], lambda x: [x[0] + 1.5], "any"),
    "rsub_scalar": ([[3, 4]], lambda x: [2.0 - x[0]], "any"),
    "rdiv_scalar": ([[3, 4]], lambda x: [2.0 / x[0]], "nz"),
    "pow_tensor": ([[3, 4], [3, 4]], lambda x: [x[0].pow(x[1])], "pos"),
    "maximum": ([[3, 4], [4]], lambda x: [T.maximum(x[0], x[1])], "any"),
    "minimum": ([[3, 4], [3, 1]], lambda x: [T.minimum(x[0], x[1])], "any"),
    "where": ([[3, 4], [3, 4]], lambda x: [T.where(x[0] > x[1], x[0], x[1] * 2)], "any"),
    "masked_fill": ([[3, 4]], lambda x: [x[0].masked_fill(x[0] > 0.5, -3.0)], "any"),
    "sum": ([[3, 4]], lambda x: [x[0].sum()], "any"),
    "sum_dim": ([[2, 3, 4]], lambda x: [x[0].sum([0, 2])], "any"),
    "sum_keepdim": ([[2, 3, 4]], lambda x: [x[0].sum([-1], keepdim=True)], "any"),
    "mean": ([[3, 4]], lambda x: [x[0].mean()], "any"),
    "mean_dim": ([[2, 3, 4]], lambda x: [x[0].mean([1], keepdim=True)], "any"),
    "prod": ([[2, 3]], lambda x: [x[0].prod()], "nz"),
    "prod_dim": ([[3, 4]], lambda x: [x[0].prod(1)], "nz"),
    "max": ([[3, 4]], lambda x: [x[0].max()], "any"),
    "max_dim": ([[3, 4]], lambda x: [x[0].max(1)[0]], "any"),
    "min_dim": ([[3, 4]], lambda x: [x[0].min(0, keepdim=True)[0]], "any"),
    "amax": ([[2, 3, 4]], lambda x: [x[0].amax([0, 2])], "any"),
    "var": ([[3, 4]], lambda x: [x[0].var()], "any"),
    "var_dim": ([[3, 4]], lambda x: [x[0].var([1], unbiased=False, keepdim=True)], "any"),
    "std": ([[3, 4]], lambda x: [x[0].std([0])], "any"),
    "logsumexp": ([[3, 4]], lambda x: [x[0].logsumexp([1])], "any"),
    "norm": ([[3, 4]], lambda x: [x[0].norm()], "any"),
    "norm_p1_dim": ([[3, 4]], lambda x: [x[0].norm(1, [1])], "nz"),
    "norm_p3_dim": ([[3, 4]], lambda x: [x[0].norm(3, [0], keepdim=True)], "nz"),
    "softmax": ([[3, 4]], lambda x: [x[0].softmax(1)], "any"),
    "softmax_dim0": ([[3, 4]], lambda x: [x[0].softmax(0)], "any"),
    "log_softmax": ([[2, 3, 4]], lambda x: [x[0].log_softmax(-1)], "any"),
    "topk": ([[3, 5]], lambda x: [x[0].topk(2)[0]], "any"),
    "topk_smallest_dim0": ([[4, 3]], lambda x: [T.topk(x[0], 3, 0, largest=False)[0]], "any"),
    "sort": ([[3, 4]], lambda x: [x[0].sort()[0]], "any"),
    "sort_descending_dim0": ([[4, 3]], lambda x: [T.sort(x[0], 0, descending=True)[0]], "any"),
    "mm": ([[3, 4], [4, 5]], lambda x: [x[0].mm(x[1])], "any"),
    "mm_transposed": ([[4, 3], [5, 4]], lambda x: [x[0].t().mm(x[1].t())], "any"),
    "bmm": ([[2, 3, 4], [2, 4, 2]], lambda x: [x[0].bmm(x[1])], "any"),
    "matmul_broadcast": ([[2, 3, 4], [4, 2]], lambda x: [x[0].matmul(x[1])], "any"),
    "matmul_batch_broadcast": ([[2, 1, 3, 4], [3, 4, 2]], lambda x: [x[0].matmul(x[1])], "any"),
    "matmul_vec": ([[3, 4], [4]], lambda x: [x[0].matmul(x[1])], "any"),
    "addmm": ([[3, 5], [3, 4], [4, 5]], lambda x: [T.addmm(x[0], x[1], x[2], beta=0.5, alpha=2.0)], "any"),
    "dot": ([[5], [5]], lambda x: [x[0].dot(x[1])], "any"),
    "outer": ([[3], [4]], lambda x: [x[0].outer(x[1])], "any"),
    "view": ([[3, 4]], lambda x: [x[0].view(2, 6)], "any"),
    "reshape_transposed": ([[3, 4]], lambda x: [x[0].t().reshape(12)], "any"),
    "transpose": ([[2, 3, 4]], lambda x: [x[0].transpose(0, 2)], "any"),
    "permute": ([[2, 3, 4]], lambda x: [x[0].permute(1, 2, 0)], "any"),
    "expand": ([[3, 1]], lambda x: [x[0].expand(2, 3, 4)], "any"),
    "squeeze_unsqueeze": ([[3, 1, 4]], lambda x: [x[0].squeeze(1).unsqueeze(0)], "any"),
    "flatten": ([[2, 3, 4]], lambda x: [x[0].flatten(1)], "any"),
    "narrow": ([[4, 5]], lambda x: [x[0].narrow(1, 1, 3)], "any"),
    "select": ([[4, 5]], lambda x: [x[0].select(0, -2)], "any"),
    "slice_step": ([[4, 7]], lambda x: [x[0][:, 1:6:2]], "any"),
    "split": ([[5, 3]], lambda x: list(x[0].split(2)), "any"),
    "chunk": ([[3, 6]], lambda x: list(x[0].chunk(3, 1)), "any"),
    "unbind": ([[3, 2]], lambda x: list(x[0].unbind(1)), "any"),
    "cat": ([[2, 3], [4, 3]], lambda x: [T.cat([x[0], x[1]])], "any"),
    "cat_dim1": ([[2, 3], [2, 1]], lambda x: [T.cat([x[0], x[1]], 1)], "any"),
    "stack": ([[2, 3], [2, 3]], lambda x: [T.stack([x[0], x[1]], 1)], "any"),
    "index_select": ([[4, 3]], lambda x: [x[0].index_select(0, idx([3, 0, 3, 1]))], "any"),
    "gather": ([[3, 4]], lambda x: [x[0].gather(1, idx([0, 3, 3, 1, 2, 0]).view(3, 2))], "any"),
    "scatter_add": ([[3, 4], [3, 2]],
                    lambda x: [x[0].scatter_add(1, idx([0, 3, 3, 3, 2, 0]).view(3, 2), x[1])], "any"),
    "index_tensor": ([[4, 3]], lambda x: [x[0][idx([2, 2, 0])]], "any"),
    "index_slices": ([[4, 5]], lambda x: [x[0][1:, ::2]], "any"),
    "index_mixed": ([[3, 4, 5]], lambda x: [x[0][..., idx([3, 0]), 1]], "any"),
    "clone_contiguous": ([[3, 4]], lambda x: [x[0].t().contiguous() * 1.0], "any"),
    "reuse": ([[3, 4]], lambda x: [x[0] * x[0].exp() + x[0].sum()], "any"),
    "mlp_layer": ([[5, 4], [3, 4], [3]],
                  lambda x: [T.matmul(x[0], x[1].t()).add(x[2]).tanh().log_softmax(1)], "any"),
    # ---- backend: elementwise ops of include/nabla/op_list.h that had no row ----
    "sign": ([[3, 4]], lambda x: [x[0].sign()], "nz"),
    # ---- conv and pooling ----
    "conv1d_stride_groups": ([[2, 4, 7], [6, 2, 3], [6]],
                             lambda x: [F.conv1d(x[0], x[1], x[2], 2, 1, 1, 2)], "any"),
    "conv1d_dilation_unbatched": ([[3, 9], [2, 3, 3]],
                                  lambda x: [F.conv1d(x[0], x[1], None, 1, 2, 2)], "any"),
    "conv2d_padding_bias": ([[2, 3, 5, 6], [4, 3, 3, 3], [4]],
                            lambda x: [F.conv2d(x[0], x[1], x[2], 1, 1)], "any"),
    "conv2d_stride_dilation": ([[1, 2, 7, 6], [3, 2, 2, 3]],
                               lambda x: [F.conv2d(x[0], x[1], None, (2, 1), (1, 0), (2, 1))], "any"),
    "conv2d_depthwise": ([[2, 4, 5, 5], [4, 1, 3, 3]],
                         lambda x: [F.conv2d(x[0], x[1], None, 2, 1, 1, 4)], "any"),
    "conv2d_same_even": ([[1, 2, 5, 6], [2, 2, 2, 3], [2]],
                         lambda x: [F.conv2d(x[0], x[1], x[2], 1, "same", (1, 2))], "any"),
    "conv2d_valid": ([[1, 2, 4, 5], [3, 2, 3, 2]],
                     lambda x: [F.conv2d(x[0], x[1], None, 1, "valid")], "any"),
    "conv2d_unbatched": ([[3, 5, 5], [2, 3, 3, 3], [2]],
                         lambda x: [F.conv2d(x[0], x[1], x[2], 2)], "any"),
    "conv2d_pointwise": ([[2, 3, 4, 4], [5, 3, 1, 1]], lambda x: [F.conv2d(x[0], x[1])], "any"),
    "conv3d": ([[1, 2, 4, 5, 4], [3, 2, 2, 3, 2], [3]],
               lambda x: [F.conv3d(x[0], x[1], x[2], (1, 2, 1), 1)], "any"),
    "conv_transpose1d": ([[2, 4, 5], [4, 3, 3], [3]],
                         lambda x: [F.conv_transpose1d(x[0], x[1], x[2], 2, 1, 1)], "any"),
    "conv_transpose2d_groups": ([[1, 4, 3, 4], [4, 2, 3, 2], [4]],
                                lambda x: [F.conv_transpose2d(x[0], x[1], x[2], 2, (1, 0), (1, 0), 2,
                                                              (1, 2))], "any"),
    "conv_transpose2d_unbatched": ([[2, 3, 3], [2, 3, 2, 2]],
                                   lambda x: [F.conv_transpose2d(x[0], x[1])], "any"),
    "max_pool2d": ([[2, 3, 6, 7]], lambda x: [F.max_pool2d(x[0], 3, 2, 1)], "any"),
    "max_pool2d_ceil_dilation": ([[1, 2, 7, 8]],
                                 lambda x: [F.max_pool2d(x[0], (2, 3), 2, 0, (2, 1), True)], "any"),
    "max_pool2d_unbatched": ([[2, 5, 5]], lambda x: [F.max_pool2d(x[0], 2)], "any"),
    "max_pool1d_ceil": ([[2, 3, 9]], lambda x: [F.max_pool1d(x[0], 3, 2, 1, 1, True)], "any"),
    "avg_pool2d": ([[2, 3, 6, 7]], lambda x: [F.avg_pool2d(x[0], 3, 2, 1)], "any"),
    "avg_pool2d_ceil_exclude_pad": ([[1, 2, 6, 7]],
                                    lambda x: [F.avg_pool2d(x[0], (3, 2), 2, 1, True, False)], "any"),
    "avg_pool2d_divisor_unbatched": ([[2, 5, 4]],
                                     lambda x: [F.avg_pool2d(x[0], 2, None, 0, False, True, 3)], "any"),
    "avg_pool1d_ceil": ([[2, 3, 8]], lambda x: [F.avg_pool1d(x[0], 3, 2, 1, True)], "any"),
    "pad_constant": ([[2, 3, 4]], lambda x: [F.pad(x[0], (1, 2, -1, 1), "constant", 0.5)], "any"),
    "pad_reflect": ([[1, 2, 4, 5]], lambda x: [F.pad(x[0], (2, 1, 1, 3), "reflect")], "any"),
    "pad_replicate": ([[2, 3, 4]], lambda x: [F.pad(x[0], (2, 3), "replicate")], "any"),
    "pad_circular": ([[1, 2, 3, 4]], lambda x: [F.pad(x[0], (1, 2, 3, 0), "circular")], "any"),
    "cnn_block": ([[2, 1, 6, 6], [3, 1, 3, 3], [3]],
                  lambda x: [F.max_pool2d(F.conv2d(x[0], x[1], x[2]).relu(), 2).flatten(1)], "any"),
    # ---- nn layers: normalization, resampling, fold, adaptive pooling ----
    "batch_norm_train": ([[3, 2, 2, 2], [2], [2]],
                         lambda x: [F.batch_norm(x[0], None, None, x[1], x[2], training=True)], "any"),
    "batch_norm_train_noncontiguous": ([[2, 3, 2, 2], [2], [2]],
                                       lambda x: [F.batch_norm(x[0].transpose(0, 1), None, None,
                                                               x[1], x[2], training=True)], "any"),
    "batch_norm_train_1d_noaffine": ([[4, 3]],
                                     lambda x: [F.batch_norm(x[0], None, None, training=True,
                                                             eps=0.1)], "any"),
    "batch_norm_eval": ([[3, 2, 4], [2], [2]],
                        lambda x: [T.batch_norm(x[0], x[1], x[2], T.tensor([0.3, -0.2]),
                                                T.tensor([0.5, 1.5]), False, 0.1, 1e-5, False)],
                        "any"),
    "instance_norm": ([[2, 3, 4], [3], [3]],
                      lambda x: [F.instance_norm(x[0], weight=x[1], bias=x[2])], "any"),
    "instance_norm_2d_noaffine": ([[2, 2, 3, 3]], lambda x: [F.instance_norm(x[0])], "any"),
    "layer_norm": ([[2, 3, 5], [5], [5]], lambda x: [F.layer_norm(x[0], [5], x[1], x[2])], "any"),
    "layer_norm_2d_noaffine": ([[3, 2, 4]], lambda x: [F.layer_norm(x[0], [2, 4], eps=0.1)],
                               "any"),
    "layer_norm_noncontiguous_weight_only": ([[4, 3], [4]],
                                             lambda x: [F.layer_norm(x[0].t(), [4], x[1])], "any"),
    "group_norm": ([[2, 4, 3], [4], [4]], lambda x: [F.group_norm(x[0], 2, x[1], x[2])], "any"),
    "group_norm_2d_noaffine": ([[2, 6, 2, 2]], lambda x: [F.group_norm(x[0], 3, eps=1e-3)], "any"),
    "interpolate_nearest_1d": ([[1, 2, 5]], lambda x: [F.interpolate(x[0], size=[8])], "any"),
    "interpolate_nearest_2d_scale2": ([[1, 2, 3, 4]],
                                      lambda x: [F.interpolate(x[0], scale_factor=[2.0, 2.0])],
                                      "any"),
    "interpolate_nearest_2d_size": ([[2, 1, 4, 5]], lambda x: [F.interpolate(x[0], size=[3, 7])],
                                    "any"),
    "interpolate_nearest_exact": ([[1, 2, 4, 5]],
                                  lambda x: [F.interpolate(x[0], size=[6, 3], mode="nearest-exact")],
                                  "any"),
    "interpolate_linear_1d": ([[2, 2, 5]],
                              lambda x: [F.interpolate(x[0], size=[7], mode="linear")], "any"),
    "interpolate_bilinear": ([[1, 2, 3, 4]],
                             lambda x: [F.interpolate(x[0], size=[5, 7], mode="bilinear",
                                                      align_corners=False)], "any"),
    "interpolate_bilinear_align_corners": ([[1, 2, 3, 4]],
                                           lambda x: [F.interpolate(x[0], size=[5, 7],
                                                                    mode="bilinear",
                                                                    align_corners=True)], "any"),
    "interpolate_bilinear_scale": ([[1, 1, 4, 4]],
                                   lambda x: [F.interpolate(x[0], scale_factor=[1.5, 2.5],
                                                            mode="bilinear")], "any"),
    "interpolate_trilinear": ([[1, 1, 2, 3, 3]],
                              lambda x: [F.interpolate(x[0], size=[3, 4, 2], mode="trilinear")],
                              "any"),
    "interpolate_area": ([[1, 2, 5, 7]], lambda x: [F.interpolate(x[0], size=[3, 4], mode="area")],
                         "any"),
    "pixel_shuffle": ([[2, 8, 2, 3]], lambda x: [F.pixel_shuffle(x[0], 2)], "any"),
    "pixel_unshuffle": ([[1, 2, 4, 6]], lambda x: [F.pixel_unshuffle(x[0], 2)], "any"),
    "unfold": ([[2, 2, 4, 5]], lambda x: [F.unfold(x[0], (2, 3))], "any"),
    "unfold_pad_stride_dilation": ([[1, 2, 5, 6]],
                                   lambda x: [F.unfold(x[0], 3, padding=1, stride=2,
                                                       dilation=(1, 2))], "any"),
    "fold": ([[2, 12, 9]], lambda x: [F.fold(x[0], (4, 5), (2, 3))], "any"),
    "fold_pad_stride_dilation": ([[1, 18, 6]],
                                 lambda x: [F.fold(x[0], (5, 6), 3, padding=1, stride=2,
                                                   dilation=(1, 2))], "any"),
    "adaptive_avg_pool1d": ([[2, 3, 7]], lambda x: [F.adaptive_avg_pool1d(x[0], 3)], "any"),
    "adaptive_avg_pool2d": ([[2, 2, 5, 7]], lambda x: [F.adaptive_avg_pool2d(x[0], (3, 4))], "any"),
    "adaptive_avg_pool2d_global": ([[2, 3, 3, 4]], lambda x: [F.adaptive_avg_pool2d(x[0], 1)],
                                   "any"),
    "adaptive_avg_pool2d_unbatched": ([[2, 5, 6]], lambda x: [F.adaptive_avg_pool2d(x[0], (2, 4))],
                                      "any"),
    "adaptive_max_pool1d": ([[2, 3, 8]], lambda x: [F.adaptive_max_pool1d(x[0], 3)], "any"),
    "adaptive_max_pool2d": ([[2, 2, 5, 7]], lambda x: [F.adaptive_max_pool2d(x[0], (3, 4))], "any"),
    "max_unpool2d": ([[1, 2, 2, 2]],
                     lambda x: [F.max_unpool2d(x[0], idx([0, 3, 9, 14, 5, 2, 12, 15]).view(1, 2, 2, 2),
                                               2)], "any"),
    # ---- attention (PyTorch 1.13 has no F.scaled_dot_product_attention: PyTorch 2's
    # documented composition) ----
    "sdpa": ([[2, 3, 4], [2, 5, 4], [2, 5, 3]], lambda x: [sdpa(x[0], x[1], x[2])], "any"),
    "sdpa_causal_scale": ([[1, 2, 4, 3], [1, 2, 4, 3], [1, 2, 4, 2]],
                          lambda x: [sdpa(x[0], x[1], x[2], is_causal=True, scale=0.5)], "any"),
    "sdpa_bool_mask": ([[2, 3, 4], [2, 5, 4], [2, 5, 3]],
                       lambda x: [sdpa(x[0], x[1], x[2],
                                       T.arange(5)[None, :] < idx([2, 5, 4])[:, None])], "any"),
    "sdpa_float_mask": ([[2, 3, 4], [2, 5, 4], [2, 5, 3], [3, 5]],
                        lambda x: [sdpa(x[0], x[1], x[2], x[3])], "any"),
    # Transformer helpers, written out (PyTorch 1.13 has neither rms_norm nor rotary helpers).
    "rms_norm": ([[2, 3, 6], [6]],
                 lambda x: [x[0] * T.rsqrt(x[0].pow(2).mean(-1, keepdim=True) + 1e-6) * x[1]],
                 "any"),
    "rotary_embedding": ([[2, 5, 8]], lambda x: [rotary(x[0], offset=2)], "any"),
}


def main():
    out = {}
    for name, (shapes, fn, domain) in ROWS.items():
        inputs = [sample_input(s, k, domain) for k, s in enumerate(shapes)]
        outputs = fn(inputs)
        out[name] = [{"shape": list(o.shape), "values": o.flatten().tolist()} for o in outputs]
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "data", "op_fixtures.json")
    with open(path, "w") as f:
        json.dump({"generator": "scripts/make_fixtures.py", "torch": torch.__version__,
                   "ops": out}, f, indent=1)
    print(f"wrote {len(out)} ops to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
