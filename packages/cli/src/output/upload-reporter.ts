/**
 * Shows an upload: JSON lines (one object per event, `progress` at most twice a second) or, on a terminal,
 * a progress bar with bytes, rate and ETA, with notable events logged above it.
 */
import cliProgress from 'cli-progress';
import type { Progress, UploadEvent } from '@tranche/client';
import { printJson, type Io } from '../io.js';
import { formatBytes } from './format.js';
import { printable } from './printable.js';

export interface UploadReporter {
  event(event: UploadEvent): void;
  progress(progress: Progress): void;
  error(fields: Record<string, unknown>): void;
  close(): void;
}

const PROGRESS_EVERY_MS = 500;

export function jsonReporter(io: Io, file: string): UploadReporter {
  let last = 0;
  let lastBytes = -1;
  let startedAt = Date.now();
  return {
    event: (event) => {
      const { type, ...fields } = event;
      if (type === 'started' || type === 'resumed') startedAt = Date.now();
      printJson(io, { event: type, file, ...fields });
    },
    progress: ({ bytesUploaded, totalBytes }) => {
      const now = Date.now();
      if (bytesUploaded === lastBytes || (now - last < PROGRESS_EVERY_MS && bytesUploaded < totalBytes)) return;
      last = now;
      lastBytes = bytesUploaded;
      const seconds = (now - startedAt) / 1000;
      printJson(io, { event: 'progress', file, bytes: bytesUploaded, total: totalBytes, rate: seconds > 0 ? Math.round(bytesUploaded / seconds) : 0 });
    },
    error: (fields) => printJson(io, { event: 'error', file, ...fields }),
    close: () => undefined,
  };
}

export function barReporter(io: Io, file: string, label: string): UploadReporter {
  const stream = io.stdout as unknown as NodeJS.WritableStream;
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: '{label} [{bar}] {percentage}% | {done}/{size} | {rate}/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 40,
      fps: 8,
    },
    cliProgress.Presets.shades_classic,
  );
  let bar: cliProgress.SingleBar | undefined;
  let startedAt = Date.now();
  let baseline = 0;
  const update = (bytes: number, total: number): void => {
    const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
    const payload = { label, done: formatBytes(bytes), size: formatBytes(total), rate: formatBytes(Math.max(0, bytes - baseline) / seconds) };
    if (!bar) bar = multi.create(total, bytes, payload);
    else bar.update(bytes, payload);
  };
  const log = (line: string): void => void multi.log(`${printable(line)}\n`);
  return {
    event: (event) => {
      switch (event.type) {
        case 'started':
          startedAt = Date.now();
          update(0, event.size);
          break;
        case 'resumed':
          startedAt = Date.now();
          baseline = event.bytesOnServer;
          log(`${label}: resuming session ${event.sessionId} (${event.partsOnServer}/${event.totalParts} parts already on the server)`);
          break;
        case 'restarted':
          log(`${label}: starting a new session: ${event.detail}`);
          break;
        case 'retry':
          log(`${label}: ${event.what}: retry ${event.attempt} in ${Math.round(event.delayMs)} ms (${event.code ?? event.message})`);
          break;
        case 'committed':
          if (bar) update(event.size, event.size);
          multi.stop();
          io.stdout.write(`${printable(`${file} → file ${event.fileId} "${event.name}" (${formatBytes(event.size)}, sha1 ${event.sha1})`)}\n`);
          break;
        default:
          break;
      }
    },
    progress: ({ bytesUploaded, totalBytes }) => update(bytesUploaded, totalBytes),
    error: () => undefined,
    close: () => multi.stop(),
  };
}
