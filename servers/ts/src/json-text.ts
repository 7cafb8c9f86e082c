/**
 * JSON read as text rather than as objects: where each top-level member of an object begins and ends, and the
 * compact spelling of a value. The store keeps a value's own text, as sent but for insignificant whitespace, so it
 * reads back byte for byte as the Go and Rust servers return it (`1.0` stays `1.0`, `"\u0041"` stays escaped).
 *
 * Every function here takes text that JSON.parse has already accepted: they find ends by quotes and brackets alone
 * and do not check the grammar again.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

function skipSpace(json: string, i: number): number {
  while (i < json.length && isSpace(json.charCodeAt(i))) i++;
  return i;
}

/** Just past the string that starts at `json[i] === '"'`. */
function stringEnd(json: string, i: number): number {
  for (i++; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code === BACKSLASH) i++;
    else if (code === QUOTE) return i + 1;
  }
  return i;
}

/** Just past the value that starts at `json[i]`. */
function valueEnd(json: string, i: number): number {
  const first = json.charCodeAt(i);
  if (first === QUOTE) return stringEnd(json, i);
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    while (i < json.length) {
      const code = json.charCodeAt(i);
      if (code === QUOTE) {
        i = stringEnd(json, i);
        continue;
      }
      if (code === 0x7b || code === 0x5b) depth++;
      else if ((code === 0x7d || code === 0x5d) && --depth === 0) return i + 1;
      i++;
    }
    return i;
  }
  // A number or a literal: it ends at the first separator.
  while (i < json.length) {
    const code = json.charCodeAt(i);
    if (code === 0x2c || code === 0x7d || code === 0x5d || isSpace(code)) return i;
    i++;
  }
  return i;
}

/** One member of an object: its decoded name and where its value's text begins and ends. */
export interface Member {
  name: string;
  start: number;
  end: number;
}

/** The members of the object `json`, in order (duplicates included). */
export function members(json: string): Member[] {
  const out: Member[] = [];
  let i = skipSpace(json, json.indexOf('{') + 1);
  while (i < json.length && json.charCodeAt(i) === QUOTE) {
    const nameEnd = stringEnd(json, i);
    const quoted = json.slice(i, nameEnd);
    const name = quoted.includes('\\') ? (JSON.parse(quoted) as string) : quoted.slice(1, -1);
    const start = skipSpace(json, skipSpace(json, nameEnd) + 1); // past the ':'
    const end = valueEnd(json, start);
    out.push({ name, start, end });
    i = skipSpace(json, end);
    if (json.charCodeAt(i) === 0x2c) i = skipSpace(json, i + 1);
  }
  return out;
}

/**
 * The compact text of member `name` of the object `json`: the last one of that name, the one JSON.parse keeps;
 * undefined if there is none.
 */
export function memberText(json: string, name: string): string | undefined {
  const all = members(json);
  for (let i = all.length - 1; i >= 0; i--) {
    const m = all[i]!;
    if (m.name === name) return compact(json.slice(m.start, m.end));
  }
  return undefined;
}

/** `json` without whitespace outside strings; the same string when it has none (the common case, one scan). */
export function compact(json: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    const code = json.charCodeAt(i);
    if (code === QUOTE) {
      i = stringEnd(json, i) - 1;
    } else if (isSpace(code)) {
      out += json.slice(from, i);
      while (i + 1 < json.length && isSpace(json.charCodeAt(i + 1))) i++;
      from = i + 1;
    }
  }
  return from === 0 ? json : out + json.slice(from);
}
