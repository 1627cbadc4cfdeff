"""Just enough of PNG to check a screenshot: size and pixels of an 8-bit, non-interlaced
RGB or RGBA image (what Chromium writes), decoded with zlib and the five row filters."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == SIGNATURE, "not a PNG file"
    found, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        found.append((kind, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return found


def size(data: bytes) -> tuple[int, int]:
    kind, header = chunks(data)[0]
    assert kind == b"IHDR"
    return struct.unpack(">II", header[:8])


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def rows(data: bytes) -> list[bytes]:
    """The unfiltered pixel rows (bytes per pixel: 3 for RGB, 4 for RGBA)."""
    parts = chunks(data)
    header = parts[0][1]
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0, "unsupported PNG kind"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(body for kind, body in parts if kind == b"IDAT"))
    stride = width * bpp
    out: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            corner = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + _paeth(left, up, corner)) & 0xFF
        out.append(bytes(line))
        prev = line
    return out


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    bpp: int
    rows: list[bytes]

    def pixel(self, x: int, y: int) -> tuple[int, ...]:
        """The RGB of one pixel."""
        return tuple(self.rows[y][x * self.bpp : x * self.bpp + 3])

    def colours(self, step: int = 2) -> set[tuple[int, ...]]:
        """Distinct RGB colours of every ``step``-th pixel of every ``step``-th row."""
        return {
            tuple(line[i : i + 3])
            for line in self.rows[::step]
            for i in range(0, len(line), self.bpp * step)
        }


def decode(data: bytes) -> Image:
    width, height = size(data)
    pixels = rows(data)
    return Image(width, height, len(pixels[0]) // width, pixels)
