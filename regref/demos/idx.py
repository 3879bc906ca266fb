"""Reading IDX files (the MNIST / Fashion-MNIST format), raw or gzip-compressed.

Layout (LeCun et al., "THE MNIST DATABASE"): two zero bytes, a type code, the number of dimensions
``k``, then ``k`` big-endian uint32 sizes and the data in C order, big-endian.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

__all__ = ["IDX_TYPES", "read_idx", "write_idx"]

#: Type code → big-endian NumPy dtype.
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path: str | Path) -> np.ndarray:
    """The array stored in an IDX file; gzip is recognised by its magic bytes, not by the file name.

    Raises ValueError naming the file when the header or the size does not match the format.
    """
    raw = Path(path).read_bytes()
    if raw[:2] == _GZIP_MAGIC:
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\x00\x00" or raw[2] not in IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file: header {raw[:4]!r}")
    dtype, ndim = np.dtype(IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes for {ndim} dims)")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"{path}: {len(raw)} bytes, but an IDX array of shape {shape} needs {expected}")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray, *, compress: bool = False) -> None:
    """Write ``array`` as IDX (gzip-compressed if ``compress``): the inverse of :func:`read_idx`."""
    codes = {np.dtype(v).newbyteorder("="): k for k, v in IDX_TYPES.items()}
    arr = np.asarray(array)
    code = codes.get(arr.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"array must have an IDX dtype (uint8, int8, int16, int32, float32, float64), got {arr.dtype}")
    header = bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, ">u4").tobytes()
    data = header + arr.astype(IDX_TYPES[code]).tobytes()
    Path(path).write_bytes(gzip.compress(data) if compress else data)
