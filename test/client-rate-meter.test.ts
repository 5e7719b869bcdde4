/**
 * The page's rate and time left (RateMeter, client core) on simulated uploads: 8 MiB parts, 4 in flight, each
 * part's time varying ±25 %, progress counted only when a part is acknowledged, and the time left read at uneven
 * intervals (as renders come). The time left must track the truth, count down without a step of more than 5 s or 5 %,
 * follow a change of speed, and become unknown when acknowledgments stop.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RateMeter } from '@tranche/client';
import { SeededRandom } from './helpers/seeded-random.js';

const PART = 8 * 1024 * 1024;
const MB = 1e6;

interface Ack {
  at: number;
  bytes: number;
}

/** Acknowledgment times (ms) of an upload of `size` bytes, 4 parts in flight, at `rate(t)` bytes/s for the link. */
function simulate(size: number, rate: (ms: number) => number, random: SeededRandom): Ack[] {
  const slots = [0, 0, 0, 0];
  const acks: Ack[] = [];
  for (let offset = 0; offset < size; offset += PART) {
    const bytes = Math.min(PART, size - offset);
    const slot = slots.indexOf(Math.min(...slots));
    const start = slots[slot]!;
    const ms = ((4 * bytes) / rate(start)) * 1000 * (0.75 + 0.5 * random.next());
    slots[slot] = start + ms;
    acks.push({ at: start + ms, bytes });
  }
  return acks.sort((a, b) => a.at - b.at);
}

interface Reading {
  at: number;
  eta: number | undefined;
  truth: number;
}

/** Feeds the acknowledgments to a meter and reads the time left every 100–900 ms, as the page's renders would. */
function run(size: number, acks: Ack[], random: SeededRandom, until = acks.at(-1)!.at): Reading[] {
  const meter = new RateMeter();
  meter.start(0);
  const end = acks.at(-1)!.at;
  const readings: Reading[] = [];
  let acked = 0;
  let next = 0;
  for (let now = 0; now < until; now += 100 + 800 * random.next()) {
    while (next < acks.length && acks[next]!.at <= now) {
      meter.add(acks[next]!.bytes, acks[next]!.at);
      acked += acks[next]!.bytes;
      next++;
    }
    readings.push({ at: now, eta: meter.etaSeconds(size - acked, now), truth: (end - now) / 1000 });
  }
  return readings;
}

/** Readings where the time left moved by more than 5 s (or 5 %) from where counting down would have put it. */
function jumps(readings: Reading[]): Reading[] {
  const out: Reading[] = [];
  for (let i = 1; i < readings.length; i++) {
    const [before, now] = [readings[i - 1]!, readings[i]!];
    if (before.eta === undefined || now.eta === undefined) continue;
    if (Math.abs(now.eta - (before.eta - (now.at - before.at) / 1000)) > Math.max(5, 0.05 * before.eta)) out.push(now);
  }
  return out;
}

describe('RateMeter', () => {
  for (const [name, size, speed] of [
    ['a steady 4 MB/s, 1 GB', 1_000 * MB, 4 * MB],
    ['a slow 1 MB/s, 1 GB (a part every 8 s)', 1_000 * MB, 1 * MB],
    ['a fast 50 MB/s, 4 GB', 4_000 * MB, 50 * MB],
  ] as const) {
    for (const seed of [1, 2, 3]) {
      test(`${name} (seed ${seed}): close to the truth, counting down, no jump`, () => {
        const random = new SeededRandom(seed);
        const acks = simulate(size, () => speed, random);
        const readings = run(size, acks, random);
        // From 20 s in (and 8 parts acknowledged) until the last tenth of the time.
        const middle = readings.filter((r) => r.at > Math.max(20_000, acks[8]!.at) && r.truth > acks.at(-1)!.at / 10_000);
        assert.ok(middle.length > 100);
        const unknown = middle.filter((r) => r.eta === undefined);
        assert.ok(unknown.length <= middle.length * 0.02, `unknown in ${unknown.length} of ${middle.length} readings`);
        const errors = middle.filter((r) => r.eta !== undefined).map((r) => Math.abs(r.eta! - r.truth) / r.truth);
        const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
        assert.ok(mean <= 0.08, `mean error ${(mean * 100).toFixed(1)} %`);
        const off = middle.filter((r) => r.eta !== undefined && Math.abs(r.eta - r.truth) > 0.2 * r.truth + 5);
        assert.ok(off.length <= middle.length * 0.02, `${off.length} of ${middle.length} readings off by more than 20 % + 5 s`);
        const seen = jumps(readings);
        assert.deepEqual(seen.map((r) => `${Math.round(r.at / 1000)} s`), [], 'steps of more than 5 s or 5 %');
      });
    }
  }

  test('the first burst of acknowledgments gives the rate since the start, not the burst’s, and no time left yet', () => {
    const meter = new RateMeter();
    meter.start(0);
    // 4 parts started together at 4 MB/s all told, acknowledged within 300 ms of each other.
    for (const at of [8_300, 8_400, 8_500, 8_600]) meter.add(PART, at);
    assert.ok(Math.abs(meter.bytesPerSecond - (4 * PART * 1000) / 8_600) < 1, `${meter.bytesPerSecond} B/s`);
    assert.equal(meter.etaSeconds(100 * PART, 9_000), undefined);
  });

  test('the speed drops from 8 to 2 MB/s at 40 s: within a minute the time left follows', () => {
    const random = new SeededRandom(7);
    const size = 800 * MB;
    const acks = simulate(size, (ms) => (ms < 40_000 ? 8 : 2) * MB, random);
    const readings = run(size, acks, random);
    for (const r of readings.filter((x) => x.at > 100_000 && x.truth > 30)) {
      assert.ok(r.eta !== undefined && Math.abs(r.eta - r.truth) <= 0.25 * r.truth + 5, `at ${Math.round(r.at / 1000)} s: ${r.eta} shown, ${r.truth.toFixed(1)} true`);
    }
    assert.deepEqual(jumps(readings).map((r) => `${Math.round(r.at / 1000)} s`), [], 'steps of more than 5 s or 5 %');
  });

  test('acknowledgments stop: the time left becomes unknown, and comes back with them', () => {
    const meter = new RateMeter();
    meter.start(0);
    for (let at = 2_000; at <= 40_000; at += 2_000) meter.add(PART, at);
    assert.ok(meter.etaSeconds(50 * PART, 41_000) !== undefined);
    // Usual gap 2 s: unknown after 10 s without one.
    assert.ok(meter.etaSeconds(50 * PART, 49_000) !== undefined);
    assert.equal(meter.etaSeconds(50 * PART, 51_000), undefined);
    meter.add(PART, 60_000);
    assert.ok(meter.etaSeconds(49 * PART, 60_500) !== undefined);
  });

  test('start() begins afresh: a pause does not count as a slow second', () => {
    const meter = new RateMeter();
    meter.start(0);
    for (let at = 1_000; at <= 10_000; at += 1_000) meter.add(PART, at);
    meter.start(100_000);
    meter.add(PART, 101_000);
    assert.equal(Math.round(meter.bytesPerSecond), PART);
  });
});
