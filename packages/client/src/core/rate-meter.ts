/**
 * Rate and time left for an upload whose bytes count only once the server acknowledges them: whole parts, several
 * in flight, so they come in bursts with seconds between. Neither figure may jump around:
 * - the rate is the slope of acknowledged bytes over time, fitted (least squares) to the acknowledgments of the
 *   last half of the transfer so far (20 s at least, 60 s at most, 12 acknowledgments at least). A fit over all of
 *   them does not depend on where the window's ends fall in a burst, as a rate between two of them does, and the
 *   parts in flight (sent in part, not counted yet) shift every point alike, so they do not bias the slope, as
 *   they do a rate measured from the start (when nothing was in flight);
 * - the time left is shown from the 6th acknowledgment on. It counts down in real time, whatever the caller's
 *   render rate, and moves toward each new estimate smoothly: a 5 s time constant, at most 5 % (2 s) per second;
 * - after no acknowledgment for four times the usual gap (10 s at least) it is unknown, not a guess.
 * On simulated uploads (test/client-rate-meter.test.ts; figures in docs/WEB.md): no step of more than 5 s or 5 %,
 * mean error of the time left 1.6–6.3 %.
 */
interface Point {
  at: number;
  bytes: number;
}

const MIN_WINDOW_MS = 20_000;
const MAX_WINDOW_MS = 60_000;
const MIN_POINTS = 12;
const FIRST_ESTIMATE_AFTER = 6;
const SETTLE_SECONDS = 5;

export class RateMeter {
  private startedAt: number | undefined;
  private total = 0;
  /** Acknowledgments in the window: when, and the bytes acknowledged since the start by then. */
  private points: Point[] = [];
  private shown: { seconds: number; at: number } | undefined;

  /** The transfer starts (or starts again after a pause or a restart) now: nothing counted yet. */
  start(now = performance.now()): void {
    this.startedAt = now;
    this.total = 0;
    this.points = [];
    this.shown = undefined;
  }

  /** `bytes` more were acknowledged at `now`. */
  add(bytes: number, now = performance.now()): void {
    if (this.startedAt === undefined) this.start(now);
    this.total += bytes;
    this.points.push({ at: now, bytes: this.total });
    const window = Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, (now - this.startedAt!) / 2));
    while (this.points.length > MIN_POINTS && now - this.points[0]!.at > window) this.points.shift();
  }

  /** Bytes per second (0 until known): fitted once a few acknowledgments came, until then since the start. */
  get bytesPerSecond(): number {
    const last = this.points.at(-1);
    if (!last || this.startedAt === undefined) return 0;
    if (this.points.length < FIRST_ESTIMATE_AFTER) return last.at > this.startedAt ? (this.total * 1000) / (last.at - this.startedAt) : 0;
    let meanAt = 0;
    let meanBytes = 0;
    for (const p of this.points) {
      meanAt += p.at / this.points.length;
      meanBytes += p.bytes / this.points.length;
    }
    let covariance = 0;
    let variance = 0;
    for (const p of this.points) {
      covariance += (p.at - meanAt) * (p.bytes - meanBytes);
      variance += (p.at - meanAt) ** 2;
    }
    return variance > 0 ? Math.max(0, (covariance / variance) * 1000) : 0;
  }

  /** Seconds left for `remaining` bytes (those not acknowledged yet), steadied; undefined while unknown. */
  etaSeconds(remaining: number, now = performance.now()): number | undefined {
    const first = this.points[0];
    const last = this.points.at(-1);
    const rate = this.bytesPerSecond;
    if (!first || !last || this.points.length < FIRST_ESTIMATE_AFTER || rate <= 0) return undefined;
    const since = (now - last.at) / 1000;
    const usualGap = (last.at - first.at) / 1000 / (this.points.length - 1);
    if (since > Math.max(10, 4 * usualGap)) {
      this.shown = undefined;
      return undefined;
    }
    const estimate = Math.max(0, remaining / rate - since);
    let seconds = estimate;
    if (this.shown) {
      const elapsed = Math.max(0, (now - this.shown.at) / 1000);
      const countdown = Math.max(0, this.shown.seconds - elapsed);
      const limit = elapsed * Math.max(2, countdown * 0.05);
      const step = (estimate - countdown) * (1 - Math.exp(-elapsed / SETTLE_SECONDS));
      seconds = countdown + Math.max(-limit, Math.min(limit, step));
    }
    this.shown = { seconds, at: now };
    return seconds;
  }
}
