"""An LZ4 frame (the format of Litestream 0.3's snapshot and WAL objects) of stored blocks:
any bytes, readable by every LZ4 reader, without an LZ4 library (lz4 frame format 1.6.1)."""

from __future__ import annotations

import struct

_MAGIC = 0x184D2204
_PRIMES = (2654435761, 2246822519, 3266489917, 668265263, 374761393)
_MASK = 0xFFFFFFFF
_BLOCK = 4 * 1024 * 1024


def _rotl(value: int, bits: int) -> int:
    return ((value << bits) | (value >> (32 - bits))) & _MASK


def xxh32(data: bytes, seed: int = 0) -> int:
    """xxHash32 of a short input (under 16 bytes: the frame descriptor)."""
    assert len(data) < 16
    p1, p2, p3, p4, p5 = _PRIMES
    h = (seed + p5 + len(data)) & _MASK
    i = 0
    while i + 4 <= len(data):
        (word,) = struct.unpack_from("<I", data, i)
        h = (_rotl((h + word * p3) & _MASK, 17) * p4) & _MASK
        i += 4
    for byte in data[i:]:
        h = (_rotl((h + byte * p5) & _MASK, 11) * p1) & _MASK
    h ^= h >> 15
    h = (h * p2) & _MASK
    h ^= h >> 13
    h = (h * p3) & _MASK
    return h ^ (h >> 16)


def frame(data: bytes) -> bytes:
    """``data`` as one LZ4 frame of uncompressed blocks, no checksums."""
    descriptor = bytes([0x60, 0x70])  # version 1, independent blocks; 4 MiB blocks
    out = struct.pack("<I", _MAGIC) + descriptor + bytes([(xxh32(descriptor) >> 8) & 0xFF])
    for start in range(0, len(data), _BLOCK):
        block = data[start : start + _BLOCK]
        out += struct.pack("<I", len(block) | 0x80000000) + block
    return out + struct.pack("<I", 0)
