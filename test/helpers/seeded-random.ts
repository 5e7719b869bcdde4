/** A small seeded generator (mulberry32) so that a failing randomised run can be replayed from its seed. */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

/** The seed from `variable` when set (to replay a run), otherwise a fresh one. */
export function seedFrom(variable: string): number {
  const value = process.env[variable];
  if (value !== undefined && value !== '') {
    const seed = Number(value);
    if (!Number.isSafeInteger(seed)) throw new Error(`${variable} must be an integer, got ${JSON.stringify(value)}`);
    return seed;
  }
  return Math.floor(Math.random() * 2 ** 31);
}
