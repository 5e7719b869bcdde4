/**
 * Shows transfers (uploads and downloads, one file or a tree). JSON: one object per event, each with `event`
 * and `file`; `progress` at most twice a second per file; a `summary` at the end of a multi-file run. On a
 * terminal: one bar per file in flight (bytes, rate, ETA) under a total bar for several files; notices and
 * finished files are logged above the bars as whole lines. Quiet: nothing but errors.
 */
import cliProgress from 'cli-progress';
import type { UploadEvent } from '@tranche/client';
import { printJson, setNoticeSink, type Io } from '../io.js';
import { formatBytes } from './format.js';
import { printable } from './printable.js';

export interface Summary {
  sent: number;
  skipped: number;
  failed: number;
  bytes: number;
  seconds: number;
}

export interface FileReport {
  event(event: UploadEvent): void;
  progress(bytes: number, total: number): void;
  /** A finished file: the line for the terminal and the JSON object. */
  done(line: string, json: Record<string, unknown>): void;
  error(fields: Record<string, unknown>): void;
  close(): void;
}

export interface TransferReporter {
  file(file: string, label: string): FileReport;
  /** Totals for the overall bar (several files). */
  plan(files: number, bytes: number): void;
  line(text: string, json?: Record<string, unknown>): void;
  summary(summary: Summary, verb: string): void;
  close(): void;
}

const PROGRESS_EVERY_MS = 500;

export function transferReporter(io: Io, mode: { json: boolean; quiet: boolean }): TransferReporter {
  if (mode.json) return jsonTransfers(io);
  if (mode.quiet || io.stdout.isTTY !== true) return quietTransfers(io, mode.quiet);
  return barTransfers(io);
}

function jsonTransfers(io: Io): TransferReporter {
  return {
    file(file) {
      let last = 0;
      let lastBytes = -1;
      let startedAt = Date.now();
      return {
        event: (event) => {
          const { type, ...fields } = event;
          if (type === 'started' || type === 'resumed') startedAt = Date.now();
          printJson(io, { event: type, file, ...fields });
        },
        progress: (bytes, total) => {
          const now = Date.now();
          if (bytes === lastBytes || (now - last < PROGRESS_EVERY_MS && bytes < total)) return;
          last = now;
          lastBytes = bytes;
          const seconds = (now - startedAt) / 1000;
          printJson(io, { event: 'progress', file, bytes, total, rate: seconds > 0 ? Math.round(bytes / seconds) : 0 });
        },
        done: (_line, json) => void (json['event'] !== undefined && printJson(io, { file, ...json })),
        error: (fields) => printJson(io, { event: 'error', file, ...fields }),
        close: () => undefined,
      };
    },
    plan: () => undefined,
    line: (_text, json) => json && printJson(io, json),
    summary: (s, verb) => printJson(io, { event: 'summary', verb, ...s, rate: rate(s) }),
    close: () => undefined,
  };
}

/** Not a terminal and not JSON (or -q): finished files as lines (unless quiet), no bars. */
function quietTransfers(io: Io, quiet: boolean): TransferReporter {
  const say = (text: string): void => void (quiet ? undefined : io.stdout.write(`${text}\n`));
  return {
    file: () => ({
      event: (event) => {
        if (event.type === 'resumed') say(`resuming session ${event.sessionId} (${event.partsOnServer}/${event.totalParts} parts on the server)`);
      },
      progress: () => undefined,
      done: (line) => say(printable(line)),
      error: () => undefined,
      close: () => undefined,
    }),
    plan: () => undefined,
    line: (text) => say(printable(text)),
    summary: (s, verb) => say(summaryLine(s, verb)),
    close: () => undefined,
  };
}

function barTransfers(io: Io): TransferReporter {
  const stream = io.stdout as unknown as NodeJS.WritableStream;
  const columns = (): number => io.stdout.columns ?? 80;
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: '{label} [{bar}] {percentage}% | {done}/{size} | {rate}/s | ETA {eta_formatted}',
      barsize: 20,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 40,
      fps: 8,
      forceRedraw: false,
      // Never switch the terminal's wrapping off: a long logged line wraps instead of being cut (bars fit the width).
      linewrap: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let active = false;
  // Lines go above the bars (drawn with the next frame); with no bar on screen, straight out.
  const log = (line: string): void => {
    if (active) multi.log(`${line}\n`);
    else io.stdout.write(`${line}\n`);
  };
  const stop = (): void => {
    if (active) multi.update(); // draws the last frame and the lines logged since the previous one
    multi.stop();
    active = false;
    setNoticeSink(undefined);
  };
  setNoticeSink(log);
  // The rest of a bar line is at most ~70 columns; the label gets what is left, so no line wraps or is cut.
  const fit = (label: string): string => middleEllipsis(printable(label), Math.max(8, columns() - 72));
  let total: cliProgress.SingleBar | undefined;
  let totals = { files: 0, bytes: 0, doneFiles: 0, doneBytes: 0 };
  const inflight = new Map<string, number>();
  const startedAt = Date.now();
  const updateTotal = (): void => {
    if (!total) return;
    const bytes = totals.doneBytes + [...inflight.values()].reduce((a, b) => a + b, 0);
    const seconds = Math.max((Date.now() - startedAt) / 1000, 0.001);
    total.update(Math.min(bytes, totals.bytes), {
      label: fit(`total ${totals.doneFiles}/${totals.files} files`),
      done: formatBytes(bytes),
      size: formatBytes(totals.bytes),
      rate: formatBytes(bytes / seconds),
    });
  };
  return {
    file(file, label) {
      let bar: cliProgress.SingleBar | undefined;
      let begun = Date.now();
      let baseline = 0;
      const update = (bytes: number, size: number): void => {
        const seconds = Math.max((Date.now() - begun) / 1000, 0.001);
        const payload = { label: fit(label), done: formatBytes(bytes), size: formatBytes(size), rate: formatBytes(Math.max(0, bytes - baseline) / seconds) };
        if (!bar) {
          bar = multi.create(Math.max(size, 1), bytes, payload);
          active = true;
        }
        else bar.update(bytes, payload);
        inflight.set(file, bytes);
        updateTotal();
      };
      const finish = (): void => {
        if (bar) multi.remove(bar);
        bar = undefined;
        inflight.delete(file);
      };
      return {
        event: (event) => {
          if (event.type === 'started') {
            begun = Date.now();
            update(0, event.size);
          } else if (event.type === 'resumed') {
            begun = Date.now();
            baseline = event.bytesOnServer;
            log(`${printable(label)}: resuming session ${event.sessionId} (${event.partsOnServer}/${event.totalParts} parts already on the server)`);
          } else if (event.type === 'restarted') {
            log(`${printable(label)}: starting a new session: ${event.detail}`);
          }
        },
        progress: (bytes, size) => update(bytes, size),
        done: (line, json) => {
          finish();
          totals.doneFiles++;
          totals.doneBytes += typeof json['size'] === 'number' ? json['size'] : 0;
          updateTotal();
          log(printable(line));
        },
        error: (fields) => {
          finish();
          log(printable(`${label}: ${String(fields['message'] ?? 'failed')}`));
        },
        close: finish,
      };
    },
    plan(files, bytes) {
      totals = { files, bytes, doneFiles: 0, doneBytes: 0 };
      if (files > 1 && !total) {
        total = multi.create(Math.max(bytes, 1), 0, { label: fit('total'), done: '0 B', size: formatBytes(bytes), rate: '0 B' });
        active = true;
      }
      updateTotal();
    },
    line: (text) => log(printable(text)),
    summary: (s, verb) => {
      stop();
      io.stdout.write(`${summaryLine(s, verb)}\n`);
    },
    close: stop,
  };
}

function rate(s: Summary): number {
  return s.seconds > 0 ? Math.round(s.bytes / s.seconds) : 0;
}

export function summaryLine(s: Summary, verb: string): string {
  return `${verb} ${s.sent}, skipped ${s.skipped}, failed ${s.failed}: ${formatBytes(s.bytes)} in ${s.seconds.toFixed(1)} s (${formatBytes(rate(s))}/s)`;
}

function middleEllipsis(text: string, width: number): string {
  if (text.length <= width) return text.padEnd(width);
  const head = Math.ceil((width - 1) / 2);
  return `${text.slice(0, head)}…${text.slice(text.length - (width - 1 - head))}`;
}
