// Draws Portwatch's icons and writes them as PNG files, with no dependency: shapes are signed
// distance fields (anti-aliased by pixel coverage), encoded by a tiny PNG writer (zlib + CRC-32).
//   resources/icon.png                     1024×1024 app icon (electron-builder derives .icns/.ico)
//   resources/tray/tray[-attention][@2x].png               coloured tray icons (Linux, Windows)
//   resources/tray/tray[Attention]Template[@2x].png        black template images (macOS)
// Run: node scripts/make-icons.mjs (output is committed; re-run after changing the drawing).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { ROOT } from './electron-binary.mjs';

// ---- PNG ----------------------------------------------------------------------------------------
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks need it. */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Encodes RGBA pixels (Uint8Array, width*height*4) as a PNG. */
export function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- shapes (unit coordinates: 0..1 across the image, y down) -----------------------------------
const roundedBox = (cx, cy, hw, hh, r) => (x, y) => {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const circle = (cx, cy, r) => (x, y) => Math.hypot(x - cx, y - cy) - r;
const union = (...shapes) => (x, y) => Math.min(...shapes.map((s) => s(x, y)));
const subtract = (a, b) => (x, y) => Math.max(a(x, y), -b(x, y));

const hex = (h, a = 1) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16), a];
const mix = (c1, c2, t) => c1.map((v, i) => v + (c2[i] - v) * t);

/**
 * Renders layers [shape, colour(x, y) → [r, g, b, a]] over a transparent canvas. Coverage per pixel
 * comes from the distance at the pixel centre (one pixel of smoothing: the anti-aliasing).
 */
function render(size, layers) {
  const rgba = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const x = (px + 0.5) / size;
      const y = (py + 0.5) / size;
      let r = 0, g = 0, b = 0, a = 0; // premultiplied accumulation
      for (const [shape, paint] of layers) {
        const coverage = Math.min(1, Math.max(0, 0.5 - shape(x, y) * size));
        if (coverage === 0) continue;
        const [cr, cg, cb, ca] = paint(x, y);
        const alpha = ca * coverage;
        r = cr * alpha + r * (1 - alpha);
        g = cg * alpha + g * (1 - alpha);
        b = cb * alpha + b * (1 - alpha);
        a = alpha + a * (1 - alpha);
      }
      const i = (py * size + px) * 4;
      rgba[i] = a === 0 ? 0 : Math.round(r / a);
      rgba[i + 1] = a === 0 ? 0 : Math.round(g / a);
      rgba[i + 2] = a === 0 ? 0 : Math.round(b / a);
      rgba[i + 3] = Math.round(a * 255);
    }
  }
  return rgba;
}

// ---- the glyph: an RJ45 socket, seen from the front ---------------------------------------------
/** The socket's opening: a wide slot with the latch notch below it. */
function opening(cx, cy, w) {
  return union(roundedBox(cx, cy - w * 0.06, w * 0.5, w * 0.3, w * 0.05), roundedBox(cx, cy + w * 0.3, w * 0.22, w * 0.12, w * 0.03));
}

function appIcon() {
  // macOS grid: the body fills 824 of 1024 px with a continuous-looking corner.
  const body = roundedBox(0.5, 0.5, 0.4023, 0.4023, 0.18);
  const jack = roundedBox(0.5, 0.53, 0.27, 0.245, 0.05);
  const hole = opening(0.5, 0.53, 0.38);
  const pins = union(...Array.from({ length: 8 }, (_, i) => roundedBox(0.5 - 0.14 + i * 0.04, 0.44, 0.011, 0.045, 0.006)));
  const live = circle(0.735, 0.305, 0.058);
  const liveRing = circle(0.735, 0.305, 0.082);
  const top = hex('#19a7bd');
  const bottom = hex('#0b3f7e');
  return render(1024, [
    [body, (_x, y) => mix(top, bottom, Math.min(1, Math.max(0, (y - 0.1) / 0.8)))],
    // A soft shadow under the jack.
    [roundedBox(0.5, 0.555, 0.275, 0.25, 0.06), () => hex('#041a33', 0.35)],
    [subtract(jack, hole), () => hex('#f4f7fb')],
    [hole, (_x, y) => mix(hex('#0a2038'), hex('#123a61'), (y - 0.35) / 0.35)],
    [pins, () => hex('#f2c14e')],
    [liveRing, () => hex('#0b3f7e')],
    [live, () => hex('#3ddc84')],
  ]);
}

/** A tray glyph: the socket with its opening cut out; `dot` adds the attention mark. */
function trayIcon(size, colour, dot) {
  const jack = roundedBox(0.5, 0.53, 0.42, 0.38, 0.1);
  const hole = opening(0.5, 0.5, 0.56);
  const mark = circle(0.8, 0.2, 0.2);
  const gap = circle(0.8, 0.2, 0.3);
  const glyph = dot ? subtract(subtract(jack, hole), gap) : subtract(jack, hole);
  const layers = [[glyph, () => colour]];
  if (dot) layers.push([mark, () => (colour[0] === 0 && colour[1] === 0 ? colour : hex('#ff8a1f'))]);
  return render(size, layers);
}

const outputs = [['icon.png', 1024, appIcon]];
const coloured = hex('#1aa3c0');
const black = [0, 0, 0, 1];
for (const [suffix, scale] of [['', 1], ['@2x', 2]]) {
  const size = 16 * scale;
  outputs.push(
    [`tray/tray${suffix}.png`, size, () => trayIcon(size, coloured, false)],
    [`tray/tray-attention${suffix}.png`, size, () => trayIcon(size, coloured, true)],
    [`tray/trayTemplate${suffix}.png`, size, () => trayIcon(size, black, false)],
    [`tray/trayAttentionTemplate${suffix}.png`, size, () => trayIcon(size, black, true)],
  );
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  for (const [name, size, draw] of outputs) {
    const target = join(ROOT, 'resources', name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, encodePng(size, size, draw()));
    process.stdout.write(`wrote resources/${name} (${size}×${size})\n`);
  }
}
