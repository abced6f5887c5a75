#!/usr/bin/env python3
"""Draws the app's icon set (PNG, no dependencies): a portal arch over a base line, in the brand blue.

Run: python3 scripts/draw-icons.py  (writes icons/*.png)
"""
import math
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(__file__), "..", "icons")


def png(path, size, pixel):
    rows = []
    for y in range(size):
        row = bytearray([0])
        for x in range(size):
            row.extend(pixel((x + 0.5) / size, (y + 0.5) / size))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)))
        f.write(chunk(b"IDAT", raw))
        f.write(chunk(b"IEND", b""))


def rounded_square(u, v, r=0.2):
    dx = max(abs(u - 0.5) - (0.5 - r), 0)
    dy = max(abs(v - 0.5) - (0.5 - r), 0)
    return math.hypot(dx, dy) <= r


def pixel(u, v):
    if not rounded_square(u, v):
        return (0, 0, 0, 0)
    # Vertical gradient from a bright to a deep blue.
    top, bottom = (37, 120, 235), (18, 52, 140)
    bg = tuple(int(top[i] + (bottom[i] - top[i]) * v) for i in range(3))
    # The portal: an arch (half ring on top of two posts) and a base line.
    cx, cy, outer, inner = 0.5, 0.47, 0.26, 0.16
    d = math.hypot(u - cx, v - cy)
    arch = v <= cy and inner <= d <= outer
    posts = cy <= v <= 0.74 and (cx - outer <= u <= cx - inner or cx + inner <= u <= cx + outer)
    base = 0.77 <= v <= 0.82 and 0.18 <= u <= 0.82
    dot = math.hypot(u - cx, v - 0.58) <= 0.06
    if arch or posts or base:
        return (255, 255, 255, 255)
    if dot:
        return (255, 196, 61, 255)
    return bg + (255,)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for name, size in [("32x32.png", 32), ("128x128.png", 128), ("128x128@2x.png", 256), ("icon.png", 512)]:
        png(os.path.join(OUT, name), size, pixel)
        print("wrote", name)
