/**
 * Incremental SHA-1, injected: Web Crypto only hashes whole buffers, so the core takes a factory.
 * Node's entry passes node:crypto; `createSha1` below is a portable pure-JS fallback (about 10x slower).
 */
export interface Hasher {
  update(bytes: Uint8Array): void;
  /** Lowercase hex digest; the hasher is finished afterwards. */
  digestHex(): string;
}

export type HasherFactory = () => Hasher;

/**
 * An incremental SHA-1 that may run elsewhere (a browser's Web Worker) and whose state can be saved, so an
 * interrupted upload resumes hashing where it stopped instead of reading the file again from the start.
 */
export interface AsyncHasher {
  update(bytes: Uint8Array): Promise<void> | void;
  digestHex(): Promise<string> | string;
  /** The state after every byte given so far, to pass back to the factory later. */
  save?(): Promise<string>;
  /** Release whatever the hasher holds (a worker). */
  dispose?(): void;
}

/** Creates a whole-file hasher, fresh or from a saved state (which it may refuse by throwing). */
export type AsyncHasherFactory = (saved?: string) => AsyncHasher;

/**
 * Hashes ranges of a source where the bytes are (a browser worker reading the File), so the caller never holds
 * them: each call answers a range's SHA-1 and, with `whole`, adds the range to the whole-file SHA-1 (calls come in
 * offset order, whole ranges contiguous from the restored offset) and, with `save`, the state after it.
 */
export interface RangeHasher {
  hash(start: number, end: number, options: { whole: boolean; save: boolean }): Promise<{ sha1: string; state?: string | undefined }>;
  digestHex(): Promise<string>;
  dispose?(): void;
}

/**
 * Opens a RangeHasher over `source` (the opaque `UploadSource.body(0, size)`), fresh or from a state saved by a
 * whole-file hasher of the same kind (which it may refuse by throwing).
 */
export type RangeHasherFactory = (source: unknown, saved?: string) => RangeHasher;

/** Lowercase hex SHA-1 of one buffer (e.g. Web Crypto's `crypto.subtle.digest`). */
export type PartDigest = (bytes: Uint8Array) => Promise<string>;

export const createSha1: HasherFactory = () => new Sha1();

class Sha1 implements Hasher {
  private readonly h = new Uint32Array([0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0]);
  private readonly block = new Uint8Array(64);
  private readonly w = new Uint32Array(80);
  private used = 0;
  private length = 0;

  update(bytes: Uint8Array): void {
    this.length += bytes.byteLength;
    let at = 0;
    if (this.used > 0) {
      const take = Math.min(64 - this.used, bytes.byteLength);
      this.block.set(bytes.subarray(0, take), this.used);
      this.used += take;
      at = take;
      if (this.used < 64) return;
      this.compress(this.block, 0);
      this.used = 0;
    }
    for (; at + 64 <= bytes.byteLength; at += 64) this.compress(bytes, at);
    if (at < bytes.byteLength) {
      this.block.set(bytes.subarray(at), 0);
      this.used = bytes.byteLength - at;
    }
  }

  digestHex(): string {
    const bits = this.length * 8;
    const tail = new Uint8Array((this.used < 56 ? 64 : 128) - this.used);
    tail[0] = 0x80;
    const view = new DataView(tail.buffer);
    view.setUint32(tail.length - 8, Math.floor(bits / 2 ** 32));
    view.setUint32(tail.length - 4, bits >>> 0);
    this.update(tail);
    let hex = '';
    for (const word of this.h) hex += word.toString(16).padStart(8, '0');
    return hex;
  }

  private compress(data: Uint8Array, at: number): void {
    const w = this.w;
    for (let i = 0; i < 16; i++) {
      const j = at + i * 4;
      w[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
    }
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let [a, b, c, d, e] = this.h as unknown as [number, number, number, number, number];
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) [f, k] = [(b & c) | (~b & d), 0x5a827999];
      else if (i < 40) [f, k] = [b ^ c ^ d, 0x6ed9eba1];
      else if (i < 60) [f, k] = [(b & c) | (b & d) | (c & d), 0x8f1bbcdc];
      else [f, k] = [b ^ c ^ d, 0xca62c1d6];
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    this.h[0]! += a;
    this.h[1]! += b;
    this.h[2]! += c;
    this.h[3]! += d;
    this.h[4]! += e;
  }
}
