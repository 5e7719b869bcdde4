import { printableJson } from './output/printable.js';

/**
 * Where a command writes and how it fails. Commands take an `Io` so tests can call them in-process and read
 * what they printed; `processIo()` is the real terminal.
 */
export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean | undefined; columns?: number | undefined };
  stderr: { write(text: string): unknown };
  /** Cancels the command (the bin wires SIGINT to it). */
  signal?: AbortSignal | undefined;
}

export function processIo(signal?: AbortSignal): Io {
  return { stdout: process.stdout, stderr: process.stderr, signal };
}

/** A failure the bin reports as one line on stderr, exiting with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit status for an interrupted command (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/** One line: the message without the stack, newlines folded. */
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
