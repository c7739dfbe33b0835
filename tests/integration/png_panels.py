#!/usr/bin/env python3
"""Reads a PNG rendered from numig's --plot SVG (rsvg-convert) and says, per
panel, which of numig's plot colours it shows: what a reader sees, not what
the XML says. Usage: png_panels.py FILE.png TITLE_H PANEL_H
Prints one line per panel: index, then the colours found (bars, line, p50,
p99), and first a line 'title dark=N' for the title band."""
import struct
import sys
import zlib

COLOURS = {'bars': (0x4c, 0x78, 0xa8), 'line': (0xd6, 0x27, 0x28), 'p50': (0xff, 0x7f, 0x0e),
           'p99': (0x2c, 0xa0, 0x2c)}


def read_png(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, w = 8, b'', 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, interlace = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, 'unsupported PNG'
            bpp = 3 if ctype == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    path, title_h, panel_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    w, h, bpp, rows = read_png(path)
    near = lambda px, c: all(abs(px[k] - c[k]) <= 24 for k in range(3))
    dark = sum(1 for y in range(title_h) for x in range(w) if sum(rows[y][x * bpp:x * bpp + 3]) < 200)
    print('title dark=%d size=%dx%d' % (dark, w, h))
    for i in range((h - title_h) // panel_h):
        found = set()
        for y in range(title_h + i * panel_h, title_h + (i + 1) * panel_h):
            r = rows[y]
            for x in range(0, w, 2):  # lines are 1.5-2 px wide: every other column finds them
                px = r[x * bpp:x * bpp + 3]
                for name, c in COLOURS.items():
                    if name not in found and near(px, c):
                        found.add(name)
        print(i, ' '.join(sorted(found)))


main()
