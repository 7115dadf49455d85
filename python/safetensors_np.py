"""safetensors read/write with numpy alone.

The `safetensors` package is not in Debian (only python3-torch and python3-numpy are), and the
format is small: an 8-byte little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the raw
little-endian tensor bytes. Files written here load with safetensors.torch.load_file and back.

    arrays, metadata = load("model.safetensors")          # dict[str, np.ndarray], dict[str, str]
    save("model.safetensors", arrays, {"format": "pt"})
"""
import json
import struct

import numpy as np

DTYPES = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U8": "u1",
    "BOOL": "?",
}
NAMES = {np.dtype(v).str: k for k, v in DTYPES.items()}


def load(path):
    """Returns (arrays, metadata). Raises ValueError naming the file on a malformed one."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors header")
    (n,) = struct.unpack("<Q", data[:8])
    if 8 + n > len(data):
        raise ValueError(f"{path}: header length {n} runs past the end of the file")
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    body = memoryview(data)[8 + n :]
    arrays = {}
    for name, e in header.items():
        if e["dtype"] not in DTYPES:
            raise ValueError(
                f"{path}: tensor {name!r} has dtype {e['dtype']} (read: {', '.join(DTYPES)})"
            )
        begin, end = e["data_offsets"]
        a = np.frombuffer(body[begin:end], dtype=DTYPES[e["dtype"]])
        arrays[name] = a.reshape(e["shape"]).copy()
    return arrays, metadata


def save(path, arrays, metadata=None):
    """Writes a dict of numpy arrays (C order, little-endian) as safetensors."""
    header = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    chunks, at = [], 0
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        key = a.dtype.newbyteorder("<").str  # a big-endian array is written little-endian
        if key not in NAMES:
            raise ValueError(f"{path}: tensor {name!r} has dtype {a.dtype}, not written here")
        b = a.astype(DTYPES[NAMES[key]], copy=False).tobytes()
        header[name] = {
            "dtype": NAMES[key],
            "shape": list(a.shape),
            "data_offsets": [at, at + len(b)],
        }
        chunks.append(b)
        at += len(b)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in chunks:
            f.write(b)
