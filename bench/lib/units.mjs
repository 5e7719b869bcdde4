/** Units used in every figure: MB = 10^6 bytes (rates, RSS), MiB/GiB = 2^20/2^30 bytes (sizes). */
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const MB = 1e6;

export const mbPerSecond = (bytes, ms) => bytes / MB / (ms / 1000);
export const secondsPerGiB = (cpuSeconds, bytes) => cpuSeconds / (bytes / GiB);

export function formatSize(bytes) {
  if (bytes >= GiB && bytes % GiB === 0) return `${bytes / GiB} GiB`;
  if (bytes >= MiB && bytes % MiB === 0) return `${bytes / MiB} MiB`;
  return `${bytes} B`;
}

export function round(value, digits = 1) {
  if (!Number.isFinite(value)) return value;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
