/**
 * Transfer rate and ETA that do not jump around: the rate is an exponentially weighted average of per-second
 * samples (time constant ~6 s), and the ETA shown only moves when it changes by more than 10 % or 5 s.
 */
export class RateMeter {
  private rate = 0;
  private lastBytes = 0;
  private lastAt = 0;
  private eta: number | undefined;

  sample(bytes: number, now = performance.now()): void {
    if (this.lastAt === 0 || bytes < this.lastBytes) {
      this.lastAt = now;
      this.lastBytes = bytes;
      return;
    }
    const dt = (now - this.lastAt) / 1000;
    if (dt < 1) return;
    const instant = (bytes - this.lastBytes) / dt;
    const alpha = 1 - Math.exp(-dt / 6);
    this.rate = this.rate === 0 ? instant : this.rate + alpha * (instant - this.rate);
    this.lastAt = now;
    this.lastBytes = bytes;
  }

  /** Bytes per second (0 until known). */
  get bytesPerSecond(): number {
    return this.rate;
  }

  /** Seconds left for `remaining` bytes, steadied. */
  etaSeconds(remaining: number): number | undefined {
    if (this.rate <= 0) return undefined;
    const next = remaining / this.rate;
    if (this.eta === undefined || Math.abs(next - this.eta) > Math.max(5, this.eta * 0.1)) this.eta = next;
    else this.eta = Math.max(0, this.eta - 1 / 2);
    return this.eta;
  }

  reset(): void {
    this.rate = 0;
    this.lastAt = 0;
    this.eta = undefined;
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let value = n;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return `${i === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[i]}`;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
