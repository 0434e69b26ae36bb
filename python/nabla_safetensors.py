"""Read and write safetensors files with numpy alone (Debian 12 has no `safetensors` package).

    import nabla_safetensors as st
    tensors = st.load("model.safetensors")             # {name: numpy array}
    st.save({"w": w, "b": b}, "out.safetensors", metadata={"epoch": "3"},
            bf16={"w"})                                 # store "w" as BF16

    python3 -m nabla_safetensors model.safetensors      # list names, dtypes, shapes

F16 loads as numpy.float16. numpy has no bfloat16: BF16 tensors load as float32 (exactly), and
float arrays named in `bf16=` are rounded to nearest even when saved. Files are checked as
nabla checks them: header size, dtypes, shapes, offsets inside the buffer and without holes.
Run it with PYTHONPATH=<nabla>/python, or copy this one file next to your script.
"""
import json
import struct
import sys

import numpy as np

_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
           "I8": "i1", "U8": "u1", "BOOL": "?"}
_NAMES = {np.dtype(v).str if k != "BOOL" else "|b1": k for k, v in _DTYPES.items()}
_NAMES["|b1"] = "BOOL"
_NAMES["|i1"] = "I8"
_NAMES["|u1"] = "U8"


def _bf16_to_f32(raw):
    return (np.frombuffer(raw, "<u2").astype(np.uint32) << 16).view("<f4")


def _f32_to_bf16(a):
    bits = np.ascontiguousarray(a, dtype="<f4").view("<u4")
    rounded = bits + 0x7FFF + ((bits >> 16) & 1)  # round to nearest even
    nan = np.isnan(a.astype("<f4"))
    out = (rounded >> 16).astype("<u2")
    out[nan] = 0x7FC0
    return out


def load_bytes(data, with_metadata=False):
    if len(data) < 8:
        raise ValueError("safetensors: file shorter than its 8-byte header size")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8:
        raise ValueError(f"safetensors: header of {n} bytes runs past the end of the file")
    header = json.loads(data[8:8 + n])
    buffer = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", {}) or {}
    tensors, spans = {}, []
    for name, info in header.items():
        dtype, shape, (begin, end) = info["dtype"], info["shape"], info["data_offsets"]
        if dtype != "BF16" and dtype not in _DTYPES:
            raise ValueError(f"safetensors: {name} has unknown dtype {dtype}")
        if not 0 <= begin <= end <= len(buffer):
            raise ValueError(f"safetensors: {name} has offsets {begin}..{end} outside the "
                             f"{len(buffer)}-byte buffer")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        size = 2 if dtype == "BF16" else np.dtype(_DTYPES[dtype]).itemsize
        if count * size != end - begin:
            raise ValueError(f"safetensors: {name} of shape {shape} and dtype {dtype} needs "
                             f"{count * size} bytes, has {end - begin}")
        raw = bytes(buffer[begin:end])
        array = _bf16_to_f32(raw) if dtype == "BF16" else np.frombuffer(raw, _DTYPES[dtype])
        tensors[name] = array.reshape(shape).copy()
        spans.append((begin, end))
    position = 0
    for begin, end in sorted(spans):
        if begin != position:
            raise ValueError("safetensors: the tensors leave holes in the buffer or overlap")
        position = end
    if position != len(buffer):
        raise ValueError("safetensors: bytes after the last tensor")
    return (tensors, metadata) if with_metadata else tensors


def load(path, with_metadata=False):
    with open(path, "rb") as f:
        return load_bytes(f.read(), with_metadata)


def save_bytes(tensors, metadata=None, bf16=()):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name, value in tensors.items():
        a = np.asarray(value)
        if name in bf16:
            if a.dtype.kind != "f":
                raise ValueError(f"safetensors: {name} is {a.dtype}, only floats become BF16")
            dtype, raw = "BF16", _f32_to_bf16(a).tobytes()
        else:
            key = a.dtype.newbyteorder("<").str if a.dtype.itemsize > 1 else a.dtype.str
            if key not in _NAMES:
                raise ValueError(f"safetensors: {name} has unsupported dtype {a.dtype}")
            dtype = _NAMES[key]
            raw = np.ascontiguousarray(a, dtype=_DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def save(tensors, path, metadata=None, bf16=()):
    with open(path, "wb") as f:
        f.write(save_bytes(tensors, metadata, bf16))


def main(argv):
    if len(argv) != 1:
        print("usage: python3 -m nabla_safetensors FILE.safetensors", file=sys.stderr)
        return 2
    with open(argv[0], "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    dtypes = {k: v["dtype"] for k, v in json.loads(data[8:8 + n]).items() if k != "__metadata__"}
    tensors, metadata = load_bytes(data, with_metadata=True)
    for name, array in tensors.items():
        print(f"{name}\t{dtypes[name]}\t{list(array.shape)}")
    for key, value in metadata.items():
        print(f"# {key} = {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
