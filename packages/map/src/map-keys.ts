/**
 * Key codecs of `@rcu/map`: how a key is hashed, stored inline in a record and compared, without allocating.
 *
 * - `'u32'`: stored as one int32 word; hashed with a 32-bit integer finaliser (two multiply-xorshift rounds,
 *   the "lowbias32" mix), compared word to word.
 * - `'f64'`: stored as two words (the IEEE-754 bits, through one scratch `Float64Array`); `-0` is stored as `0`
 *   and every NaN as one canonical NaN, so equality is `SameValueZero`, as in a JS `Map`.
 * - `{ type: 'string', maxBytes }`: stored as UTF-8 (a byte length word plus up to `maxBytes` bytes, encoded by
 *   hand so nothing is allocated); hashed over UTF-16 code units (FNV-1a, then the integer finaliser); compared
 *   by encoding the probe on the fly against the stored bytes. Lone surrogates are refused: they have no UTF-8
 *   form, and replacing them would make two distinct JS strings one key.
 */

/**
 * The key type of a shared map: 32-bit unsigned integers, doubles, or strings of at most `maxBytes` UTF-8 bytes.
 *
 * @example
 * createSharedMap({ domain, key: { type: 'string', maxBytes: 64 }, value: { port: 'u16' }, capacity: 1024 })
 * @since 0.1.0
 */
export type KeySpec = "u32" | "f64" | { readonly type: "string"; readonly maxBytes: number };

/**
 * The JS type of a key of kind `K`: `number` for `'u32'`/`'f64'`, `string` for string keys.
 *
 * @example
 * const k: KeyOf<'u32'> = 42
 * @since 0.1.0
 */
export type KeyOf<K extends KeySpec> = K extends "u32" | "f64" ? number : string;

/** Key kinds as stored in the buffer header. */
export const KIND_U32 = 0;
export const KIND_F64 = 1;
export const KIND_STRING = 2;

/** Longest string key accepted (bytes). */
export const MAX_KEY_BYTES = 4096;

/** 32-bit integer finaliser ("lowbias32"): every input bit affects every output bit. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  return (x ^ (x >>> 16)) | 0;
}

const scratchF64 = new Float64Array(1);
const scratchI32 = new Int32Array(scratchF64.buffer);

/** Writes the canonical bits of `key` into the scratch words; returns the hash. */
export function hashF64(key: number): number {
  scratchF64[0] = key === 0 ? 0 : key !== key ? NaN : key; // -0 → 0; every NaN → one NaN
  return mix32((scratchI32[0]! ^ mix32(scratchI32[1]! + 0x9e3779b9)) | 0);
}

/** Low word of the last key hashed by {@link hashF64}. */
export function f64Lo(): number {
  return scratchI32[0]!;
}

/** High word of the last key hashed by {@link hashF64}. */
export function f64Hi(): number {
  return scratchI32[1]!;
}

/** Hash of a string over its UTF-16 code units (FNV-1a, then {@link mix32}). */
export function hashString(key: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return mix32(h ^ key.length);
}

/**
 * Encodes `key` as UTF-8 into `bytes[at..at + max)`. Returns the byte length, `-1` when it needs more than
 * `max` bytes, `-2` when it holds a lone surrogate.
 */
export function encodeUtf8(key: string, bytes: Uint8Array, at: number, max: number): number {
  let n = 0;
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      if (n + 1 > max) return -1;
      bytes[at + n++] = c;
    } else if (c < 0x800) {
      if (n + 2 > max) return -1;
      bytes[at + n++] = 0xc0 | (c >> 6);
      bytes[at + n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) return -2;
      i++;
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      if (n + 4 > max) return -1;
      bytes[at + n++] = 0xf0 | (c >> 18);
      bytes[at + n++] = 0x80 | ((c >> 12) & 0x3f);
      bytes[at + n++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[at + n++] = 0x80 | (c & 0x3f);
    } else {
      if (n + 3 > max) return -1;
      bytes[at + n++] = 0xe0 | (c >> 12);
      bytes[at + n++] = 0x80 | ((c >> 6) & 0x3f);
      bytes[at + n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}

/** Whether `key` encodes to exactly the `len` UTF-8 bytes at `bytes[at..]` (no allocation, no full encode). */
export function equalsUtf8(key: string, bytes: Uint8Array, at: number, len: number): boolean {
  let n = 0;
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      if (n >= len || bytes[at + n++] !== c) return false;
    } else if (c < 0x800) {
      if (n + 2 > len || bytes[at + n++] !== (0xc0 | (c >> 6)) || bytes[at + n++] !== (0x80 | (c & 0x3f))) return false;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = i + 1 < key.length ? key.charCodeAt(i + 1) : 0;
      if (c > 0xdbff || d < 0xdc00 || d > 0xdfff) return false; // never stored
      i++;
      c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
      if (
        n + 4 > len ||
        bytes[at + n++] !== (0xf0 | (c >> 18)) ||
        bytes[at + n++] !== (0x80 | ((c >> 12) & 0x3f)) ||
        bytes[at + n++] !== (0x80 | ((c >> 6) & 0x3f)) ||
        bytes[at + n++] !== (0x80 | (c & 0x3f))
      ) {
        return false;
      }
    } else if (
      n + 3 > len ||
      bytes[at + n++] !== (0xe0 | (c >> 12)) ||
      bytes[at + n++] !== (0x80 | ((c >> 6) & 0x3f)) ||
      bytes[at + n++] !== (0x80 | (c & 0x3f))
    ) {
      return false;
    }
  }
  return n === len;
}

const decoder = new TextDecoder();

/** Decodes `len` UTF-8 bytes at `bytes[at..]` (copied first: `TextDecoder` refuses shared memory). */
export function decodeUtf8(bytes: Uint8Array, at: number, len: number): string {
  return decoder.decode(bytes.slice(at, at + len));
}
