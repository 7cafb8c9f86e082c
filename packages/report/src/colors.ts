/**
 * One colour per server, the same in every chart of every page: a reader learns "Go is teal" once. The servers the
 * project ships have fixed colours; any other server takes the next free colour of the palette in name order.
 */
const KNOWN: Record<string, string> = {
  go: '#0f9fae',
  rust: '#e8590c',
  ts: '#4c6ef5',
  typescript: '#4c6ef5',
  node: '#4c6ef5',
};

const PALETTE = ['#7048e8', '#2f9e44', '#d6336c', '#f59f00', '#1c7ed6', '#868e96', '#9c36b5', '#5c940d', '#c2255c'];

export function assignColors(keys: readonly string[], serverOf: (key: string) => string = (k) => k): Map<string, string> {
  const colors = new Map<string, string>();
  const used = new Set<string>();
  const byServer = new Map<string, string[]>();
  for (const key of keys) byServer.set(serverOf(key), [...(byServer.get(serverOf(key)) ?? []), key]);
  const base = new Map<string, string>();
  for (const server of [...byServer.keys()].sort()) {
    const known = KNOWN[server.toLowerCase()];
    if (known && !used.has(known)) {
      base.set(server, known);
      used.add(known);
    }
  }
  let next = 0;
  for (const server of [...byServer.keys()].sort()) {
    if (base.has(server)) continue;
    while (next < PALETTE.length && used.has(PALETTE[next]!)) next++;
    const color = PALETTE[next % PALETTE.length] ?? '#495057';
    used.add(color);
    base.set(server, color);
    next++;
  }
  // Variants of one server (an A/B "base" and "head") share its hue: base lighter, head full strength.
  for (const [server, list] of byServer) {
    const color = base.get(server)!;
    list.forEach((key, i) => colors.set(key, shade(color, i - (list.length - 1))));
  }
  return colors;
}

/** Mixes towards white (negative steps) or black (positive) — variants and reference series stay in the server's hue. */
export function shade(hex: string, steps: number): string {
  if (steps === 0) return hex;
  const n = Number.parseInt(hex.slice(1), 16);
  const target = steps < 0 ? 255 : 0;
  const amount = Math.min(0.8, Math.abs(steps) * 0.35);
  const mix = (c: number) => Math.round(c + (target - c) * amount);
  const [r, g, b] = [mix((n >> 16) & 255), mix((n >> 8) & 255), mix(n & 255)];
  return `#${((r << 16) | (g << 8) | b).toString(16).padStart(6, '0')}`;
}

/** The same colour with an alpha, for fills and reference series. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Failure kinds are not servers: they get their own fixed colours. */
export const FAILURE_COLORS = ['#c92a2a', '#e67700', '#5f3dc4', '#0b7285', '#495057', '#a61e4d', '#2b8a3e', '#1864ab'];
