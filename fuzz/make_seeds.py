#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (fuzz/corpus/<target>/), including the crafted
files of issue 16: deep JSON nesting, zero-then-huge dimensions, gzip without its trailer or with
trailing garbage, negative or overflowing optimizer state. Run from anywhere; deterministic."""
import gzip
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def safetensors(header, data=b""):
    text = header if isinstance(header, str) else json.dumps(header, separators=(",", ":"))
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw + data


def tensors(entries, metadata=None):
    """entries: list of (name, dtype, shape, bytes); packs them contiguously."""
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in entries:
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    return safetensors(header, data)


def f32(*v):
    return struct.pack("<%df" % len(v), *v)


def f64(*v):
    return struct.pack("<%dd" % len(v), *v)


def i64(*v):
    return struct.pack("<%dq" % len(v), *v)


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def safetensors_seeds():
    write("safetensors", "valid", tensors([("w", "F32", [2, 3], f32(*range(6))),
                                           ("b", "I64", [3], i64(1, 2, 3)),
                                           ("e", "F64", [0, 4], b""),
                                           ("m", "BOOL", [2], b"\x00\x01")],
                                          metadata={"format": "pt"}))
    write("safetensors", "scalar", tensors([("s", "U8", [], b"\x07"), ("i", "I32", [1], b"\x01\0\0\0")]))
    deep = "[" * 10000 + "]" * 10000
    write("safetensors", "deep_array", safetensors('{"t":{"shape":%s}}' % deep))
    write("safetensors", "deep_object", safetensors('{"a":' * 5000 + "1" + "}" * 5000))
    write("safetensors", "zero_then_huge", safetensors(
        '{"t":{"dtype":"F32","shape":[0,4611686018427387904,4611686018427387904],'
        '"data_offsets":[0,0]}}'))
    write("safetensors", "huge_then_zero", safetensors(
        '{"t":{"dtype":"F32","shape":[9223372036854775807,9223372036854775807,0],'
        '"data_offsets":[0,0]}}'))
    write("safetensors", "many_dims", safetensors(
        '{"t":{"dtype":"U8","shape":[%s],"data_offsets":[0,1]}}' % ",".join(["1"] * 70), b"x"))
    write("safetensors", "duplicate", safetensors(
        '{"t":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"t":{"dtype":"U8","shape":[1],'
        '"data_offsets":[0,1]}}', b"x"))
    write("safetensors", "many_tensors", tensors([("t%d" % i, "U8", [1], b"x") for i in range(300)]))
    write("safetensors", "bad_bool", tensors([("m", "BOOL", [2], b"\x00\x05")]))


def idx_seeds():
    images = idx(0x08, [3, 4, 5], bytes(range(60)))
    write("idx", "images", images)
    write("idx", "images.gz", gzip.compress(images, mtime=0))
    write("idx", "floats", idx(0x0D, [2], struct.pack(">2f", 1.5, -2.5)))
    write("idx", "doubles.gz", gzip.compress(idx(0x0E, [1, 1], struct.pack(">d", 3.0)), mtime=0))
    write("idx", "ints", idx(0x0C, [2], struct.pack(">2i", 1, -2)))
    write("idx", "zero_then_huge", idx(0x08, [0, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], b""))
    gz = gzip.compress(images, mtime=0)
    write("idx", "no_trailer.gz", gz[:-8])
    write("idx", "trailing_garbage.gz", gz + b"garbage")
    write("idx", "two_members.gz", gz + gz)
    write("idx", "bomb.gz", gzip.compress(idx(0x0E, [1 << 20, 1 << 20], b""), mtime=0))


def checkpoint_seeds():
    # fuzz_checkpoint: first byte % 3 picks strict model load, non-strict, or Adam state.
    model = [("fc1.weight", "F32", [3, 4], f32(*[0.1] * 12)), ("fc1.bias", "F32", [3], f32(0, 0, 0)),
             ("fc2.weight", "F32", [2, 3], f32(*[0.2] * 6)), ("fc2.bias", "F32", [2], f32(0, 0))]
    write("checkpoint", "model_strict", b"\x00" + tensors(model))
    write("checkpoint", "model_partial", b"\x01" + tensors(model[:2]))
    write("checkpoint", "model_bad_shape", b"\x00" + tensors(
        [("fc1.weight", "F32", [4, 3], f32(*[0.1] * 12))] + model[1:]))
    shapes = [[3, 4], [3], [2, 3], [2]]

    def adam(step=1, sq=0.5):
        entries = [("param_groups.0.params", "I64", [4], i64(0, 1, 2, 3)),
                   ("param_groups.0.lr", "F64", [], f64(1e-3)),
                   ("param_groups.0.betas", "F64", [2], f64(0.9, 0.999)),
                   ("param_groups.0.eps", "F64", [], f64(1e-8)),
                   ("param_groups.0.weight_decay", "F64", [], f64(0)),
                   ("param_groups.0.amsgrad", "BOOL", [], b"\x00")]
        for i, shape in enumerate(shapes):
            n = 1
            for d in shape:
                n *= d
            entries += [("state.%d.step" % i, "I64", [], i64(step)),
                        ("state.%d.exp_avg" % i, "F32", shape, f32(*[0.1] * n)),
                        ("state.%d.exp_avg_sq" % i, "F32", shape, f32(*[sq] * n))]
        return b"\x02" + tensors(entries)

    write("checkpoint", "adam", adam())
    write("checkpoint", "adam_negative_step", adam(step=-1))
    write("checkpoint", "adam_max_step", adam(step=(1 << 63) - 1))
    write("checkpoint", "adam_negative_sq", adam(sq=-1.0))


def pytorch_seeds():
    """fuzz_pytorch: byte 0 even = a whole .pt file (tests/data's, written by torch.save);
    odd = only its data.pkl (the target packs it with four 64-byte storages)."""
    import zipfile
    data_dir = os.path.join(os.path.dirname(ROOT), "..", "tests", "data")
    for name in ("pt_model", "pt_dtypes", "pt_evil", "pt_truncated", "pt_optim_adamw",
                 "pt_optim_sgd", "pt_optim_cyclic"):
        with open(os.path.join(data_dir, name + ".pt"), "rb") as f:
            raw = f.read()
        write("pytorch", name + "_file", b"\x00" + raw)
        try:
            with zipfile.ZipFile(os.path.join(data_dir, name + ".pt")) as z:
                pkl = [n for n in z.namelist() if n.endswith("/data.pkl")][0]
                write("pytorch", name + "_pickle", b"\x01" + z.read(pkl))
        except (zipfile.BadZipFile, IndexError):
            pass  # pt_truncated is not a readable archive: only its whole file is a seed


if __name__ == "__main__":
    safetensors_seeds()
    idx_seeds()
    checkpoint_seeds()
    pytorch_seeds()
