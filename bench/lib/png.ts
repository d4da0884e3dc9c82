// A line chart as a PNG, drawn pixel by pixel and encoded with node:zlib (deflate and crc32): no dependency
// for one picture. Text uses a built-in 5×7 bitmap font (upper-case letters, digits, a little punctuation).
import { crc32, deflateSync } from 'node:zlib';

type RGB = readonly [number, number, number];

// Each glyph: 7 rows, 5 bits per row, leftmost pixel in bit 4.
const FONT: Record<string, number[]> = {
  '0': [14, 17, 19, 21, 25, 17, 14], '1': [4, 12, 4, 4, 4, 4, 14], '2': [14, 17, 1, 2, 4, 8, 31], '3': [31, 2, 4, 2, 1, 17, 14],
  '4': [2, 6, 10, 18, 31, 2, 2], '5': [31, 16, 30, 1, 1, 17, 14], '6': [6, 8, 16, 30, 17, 17, 14], '7': [31, 1, 2, 4, 8, 8, 8],
  '8': [14, 17, 17, 14, 17, 17, 14], '9': [14, 17, 17, 15, 1, 2, 12],
  A: [14, 17, 17, 31, 17, 17, 17], B: [30, 17, 17, 30, 17, 17, 30], C: [14, 17, 16, 16, 16, 17, 14], D: [28, 18, 17, 17, 17, 18, 28],
  E: [31, 16, 16, 30, 16, 16, 31], F: [31, 16, 16, 30, 16, 16, 16], G: [14, 17, 16, 23, 17, 17, 15], H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14], J: [7, 2, 2, 2, 2, 18, 12], K: [17, 18, 20, 24, 20, 18, 17], L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17], N: [17, 17, 25, 21, 19, 17, 17], O: [14, 17, 17, 17, 17, 17, 14], P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13], R: [30, 17, 17, 30, 20, 18, 17], S: [15, 16, 16, 14, 1, 1, 30], T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14], V: [17, 17, 17, 17, 17, 10, 4], W: [17, 17, 17, 21, 21, 21, 10], X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 17, 10, 4, 4, 4], Z: [31, 1, 2, 4, 8, 16, 31],
  ' ': [0, 0, 0, 0, 0, 0, 0], '-': [0, 0, 0, 31, 0, 0, 0], '.': [0, 0, 0, 0, 0, 12, 12], '/': [0, 1, 2, 4, 8, 16, 0],
  '(': [2, 4, 8, 8, 8, 4, 2], ')': [8, 4, 2, 2, 2, 4, 8], ',': [0, 0, 0, 0, 12, 4, 8], ':': [0, 12, 12, 0, 12, 12, 0],
  _: [0, 0, 0, 0, 0, 0, 31], '%': [24, 25, 2, 4, 8, 19, 3], '=': [0, 0, 31, 0, 31, 0, 0], '+': [0, 4, 4, 31, 4, 4, 0],
};

export class Canvas {
  readonly width: number;
  readonly height: number;
  readonly #px: Uint8Array;
  constructor(width: number, height: number, bg: RGB = [255, 255, 255]) {
    this.width = width;
    this.height = height;
    this.#px = new Uint8Array(width * height * 3);
    this.rect(0, 0, width, height, bg);
  }
  set(x: number, y: number, c: RGB): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.#px.set(c, (y * this.width + x) * 3);
  }
  rect(x: number, y: number, w: number, h: number, c: RGB): void {
    for (let j = Math.round(y); j < Math.round(y + h); j++) for (let i = Math.round(x); i < Math.round(x + w); i++) this.set(i, j, c);
  }
  /** A line `thickness` pixels wide. */
  line(x0: number, y0: number, x1: number, y1: number, c: RGB, thickness = 1): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    const r = (thickness - 1) / 2;
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps;
      const y = y0 + ((y1 - y0) * s) / steps;
      this.rect(x - r, y - r, thickness, thickness, c);
    }
  }
  /** Text in the 5×7 font at `scale`; returns the width drawn. */
  text(x: number, y: number, s: string, c: RGB, scale = 2): number {
    let cx = x;
    for (const ch of s.toUpperCase()) {
      const g = FONT[ch] ?? FONT[' ']!;
      for (let row = 0; row < 7; row++) for (let col = 0; col < 5; col++) if (g[row]! & (16 >> col)) this.rect(cx + col * scale, y + row * scale, scale, scale, c);
      cx += 6 * scale;
    }
    return cx - x;
  }
  static textWidth(s: string, scale = 2): number {
    return s.length * 6 * scale;
  }
  png(): Buffer {
    const raw = Buffer.alloc((this.width * 3 + 1) * this.height);
    for (let y = 0; y < this.height; y++) {
      raw[y * (this.width * 3 + 1)] = 0; // filter: none
      raw.set(this.#px.subarray(y * this.width * 3, (y + 1) * this.width * 3), y * (this.width * 3 + 1) + 1);
    }
    const chunk = (type: string, data: Buffer) => {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(data.length);
      const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(td));
      return Buffer.concat([len, td, crc]);
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(this.width, 0);
    ihdr.writeUInt32BE(this.height, 4);
    ihdr[8] = 8; // bit depth
    ihdr[9] = 2; // truecolour RGB
    return Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]);
  }
}

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

const PALETTE: RGB[] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189], [140, 86, 75], [227, 119, 194]];

function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag);
}

/** A line chart with a log2 x axis (connections) and a linear y axis from zero. */
export function lineChart(o: { title: string; xLabel: string; yLabel: string; series: Series[]; width?: number; height?: number }): Buffer {
  const W = o.width ?? 960;
  const H = o.height ?? 600;
  const c = new Canvas(W, H);
  const ink: RGB = [30, 30, 30];
  const grid: RGB = [225, 225, 225];
  const left = 110, right = W - 30, top = 78, bottom = H - 170;
  c.text((W - Canvas.textWidth(o.title)) / 2, 14, o.title, ink);
  const xs = [...new Set(o.series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
  const lx = (x: number) => Math.log2(x);
  const [x0, x1] = [lx(xs[0] ?? 1), lx(xs[xs.length - 1] ?? 2)];
  const px = (x: number) => left + ((lx(x) - x0) / Math.max(x1 - x0, 1)) * (right - left);
  const ymax = Math.max(1, ...o.series.flatMap((s) => s.points.map((p) => p.y))) * 1.08;
  const step = niceStep(ymax, 6);
  const top_ = Math.ceil(ymax / step) * step;
  const py = (y: number) => bottom - (y / top_) * (bottom - top);
  for (let v = 0; v <= top_ + 1e-9; v += step) {
    c.line(left, py(v), right, py(v), grid);
    const label = v >= 1000 ? `${+(v / 1000).toFixed(1)}K` : String(v);
    c.text(left - 10 - Canvas.textWidth(label), py(v) - 7, label, ink);
  }
  for (const x of xs) {
    c.line(px(x), top, px(x), bottom, grid);
    c.text(px(x) - Canvas.textWidth(String(x)) / 2, bottom + 10, String(x), ink);
  }
  c.line(left, bottom, right, bottom, ink, 2);
  c.line(left, top, left, bottom, ink, 2);
  c.text((left + right - Canvas.textWidth(o.xLabel)) / 2, bottom + 34, o.xLabel, ink);
  c.text(12, top - 26, o.yLabel, ink);
  o.series.forEach((s, i) => {
    const col = PALETTE[i % PALETTE.length]!;
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    for (let k = 1; k < pts.length; k++) c.line(px(pts[k - 1]!.x), py(pts[k - 1]!.y), px(pts[k]!.x), py(pts[k]!.y), col, 3);
    for (const p of pts) c.rect(px(p.x) - 4, py(p.y) - 4, 9, 9, col);
    const ly = bottom + 64 + Math.floor(i / 2) * 26;
    const lxp = left + (i % 2) * ((right - left) / 2);
    c.rect(lxp, ly + 2, 22, 10, col);
    c.text(lxp + 30, ly, s.name, ink);
  });
  return c.png();
}
