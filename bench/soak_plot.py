#!/usr/bin/env python3
"""Plots a soak's memory CSV (seconds, a progress count, then columns in MB: every column named *_mb is a line) as an SVG,
with no plotting library (none is installed here).

    /usr/bin/python3 bench/soak_plot.py bench/out/soak/memory-10m.csv docs/reliability-soak-memory.svg "title"
"""
import csv
import sys

src, dst, title = sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "soak"
rows = list(csv.DictReader(open(src)))
t = [float(r["seconds"]) for r in rows]
names = {"rss_mb": "RSS (MB)", "heap_mb": "managed heap (MB)", "server_rss_mb": "server RSS (MB)", "client_heap_mb": "client managed heap (MB)"}
colors = ["#c0392b", "#2471a3", "#1e8449", "#7d3c98"]
columns = [c for c in rows[0] if c.endswith("_mb")]
series = {names.get(c, c): ([float(r[c]) for r in rows], colors[i % len(colors)]) for i, c in enumerate(columns)}
W, H, L, B, T, R = 720, 300, 60, 40, 30, 20
ymax = max(max(v) for v, _ in series.values()) * 1.1 or 1
xmax = max(t) or 1
def x(v): return L + (W - L - R) * v / xmax
def y(v): return H - B - (H - B - T) * v / ymax
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{W/2}" y="18" text-anchor="middle">{title}</text>',
       f'<line x1="{L}" y1="{H-B}" x2="{W-R}" y2="{H-B}" stroke="black"/>',
       f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H-B}" stroke="black"/>']
for i in range(6):
    v = ymax * i / 5
    out.append(f'<text x="{L-6}" y="{y(v)+4:.1f}" text-anchor="end">{v:.0f}</text>')
    out.append(f'<line x1="{L}" y1="{y(v):.1f}" x2="{W-R}" y2="{y(v):.1f}" stroke="#ddd"/>')
for i in range(6):
    v = xmax * i / 5
    out.append(f'<text x="{x(v):.1f}" y="{H-B+16}" text-anchor="middle">{v:.0f} s</text>')
for k, (name, (vals, color)) in enumerate(series.items()):
    pts = " ".join(f"{x(a):.1f},{y(b):.1f}" for a, b in zip(t, vals))
    out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{pts}"/>')
    out.append(f'<text x="{L+10}" y="{T+16+14*k}" fill="{color}">{name}</text>')
out.append("</svg>")
open(dst, "w").write("\n".join(out) + "\n")
