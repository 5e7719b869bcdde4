import { printable, printableJson } from './output/printable.js';

/**
 * Where a command writes and how it fails. Commands take an `Io` so tests can call them in-process and read
 * what they printed; `processIo()` is the real terminal. Exit codes are documented in the README.
 */
import { TrancheApiError, TrancheNetworkError, UploadIncompleteError, PathNotFoundError } from '@tranche/client';

export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean | undefined; columns?: number | undefined };
  stderr: { write(text: string): unknown };
  /** Cancels the command (the bin wires SIGINT to it). */
  signal?: AbortSignal | undefined;
}

export function processIo(signal?: AbortSignal): Io {
  return { stdout: process.stdout, stderr: process.stderr, signal };
}

/** Exit statuses scripts can test. */
export const EXIT = {
  ok: 0,
  /** Anything not below: a local file missing, a failed check, a server answer that another try cannot change. */
  error: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** The file, folder or path does not exist (404, or a path segment missing). */
  notFound: 3,
  /** A name is taken (409 item_name_in_use and other conflicts, 412), or a folder to remove is not empty. */
  conflict: 4,
  /** The token is missing, invalid or not allowed (401, 403). */
  auth: 5,
  /** No answer, or the server stayed unavailable (network errors, 5xx/429 after every retry). */
  network: 6,
  /** Several items were processed and some failed (the others are done). */
  partial: 7,
  /** Ctrl-C (128 + SIGINT). */
  interrupted: 130,
} as const;

/** Exit status for an interrupted command (128 + SIGINT). */
export const EXIT_INTERRUPTED = EXIT.interrupted;

/** A failure the bin reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit status an error maps to. */
export function exitCodeFor(error: unknown, interrupted = false): number {
  if (interrupted) return EXIT.interrupted;
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof UploadIncompleteError) return error.aborted ? EXIT.interrupted : exitCodeFor(error.cause);
  if (error instanceof PathNotFoundError) return EXIT.notFound;
  if (error instanceof TrancheNetworkError) return EXIT.network;
  if (error instanceof TrancheApiError) {
    if (error.status === 401 || error.status === 403) return EXIT.auth;
    if (error.status === 404 || error.status === 410) return EXIT.notFound;
    if (error.status === 409 || error.status === 412 || error.code === 'folder_not_empty') return EXIT.conflict;
    if (error.status === 429 || (error.status >= 500 && error.status !== 507 && error.status !== 501)) return EXIT.network;
  }
  return EXIT.error;
}

/**
 * One line: the message without the stack, its line breaks folded. Other control characters are left for
 * `printable` (output/printable.ts), which whoever writes the line to a terminal applies: they show as escapes.
 */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

/** One JSON object per line; characters a terminal would act on are escaped (output/printable.ts). */
export function printJson(io: Io, value: Record<string, unknown>): void {
  io.stdout.write(`${printableJson(JSON.stringify(value))}\n`);
}

/** JSON lines when asked, or whenever stdout is not a terminal. */
export function wantsJson(io: Io, json: boolean | undefined): boolean {
  return json === true || io.stdout.isTTY !== true;
}

/**
 * Notices (a retry, a skipped file) go to stderr as whole lines, at once. While a progress bar is drawn it
 * takes them (so the line lands above the bar, never through it).
 */
let noticeSink: ((line: string) => void) | undefined;
export function setNoticeSink(sink: ((line: string) => void) | undefined): void {
  noticeSink = sink;
}
export function notice(io: Io, line: string): void {
  // A notice may quote the server (a retry's reason): escaped.
  const safe = printable(line);
  if (noticeSink) noticeSink(safe);
  else io.stderr.write(`${safe}\n`);
}
