/** Parsers for command-line values; each throws commander's InvalidArgumentError with a precise message. */
import { InvalidArgumentError, Option } from 'commander';
import { checkTrustedProxies } from '../http/trusted-proxies.js';

export function integer(min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected a whole number ≥ ${min}, got "${value}"`);
    }
    return n;
  };
}

export function origin(value: string): string {
  const trimmed = value.replace(/\/+$/, '');
  if (!/^https?:\/\/[^/?#]+$/.test(trimmed)) throw new InvalidArgumentError(`expected an origin like http://host:port, got "${value}"`);
  return trimmed;
}

/** A comma-separated list of origins (or `*`), for CORS. */
export function origins(value: string, previous: string[] = []): string[] {
  const list = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  return [...previous, ...list.map((v) => (v === '*' ? v : origin(v)))];
}

/** `--trust-proxy`: addresses, CIDR ranges or proxy-addr's names, comma-separated; repeatable. */
export function proxyList(value: string, previous: string[] = []): string[] {
  const list = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  try {
    checkTrustedProxies(list);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return [...previous, ...list];
}

/** `--database`, shared by every command that opens the metadata store. */
export function databaseOption(): Option {
  return new Option('--database <url>', 'metadata store: postgres://USER:PASS@HOST/DB (default: SQLite in --data-dir)').env('TRANCHE_DATABASE').argParser(databaseUrl);
}

/** `--blob`, shared by every command that opens the blob store. */
export function blobOption(): Option {
  return new Option('--blob <url>', 'blob store: s3://BUCKET[/prefix]?endpoint=URL&forcePathStyle=true&region=R[&presign=SECONDS] (default: files in --data-dir)').env('TRANCHE_BLOB').argParser(blobUrl);
}

function databaseUrl(value: string): string {
  if (!/^(postgres(ql)?:\/\/|sqlite:)/.test(value)) throw new InvalidArgumentError(`expected postgres://… or sqlite:PATH, got "${value}"`);
  return value;
}

function blobUrl(value: string): string {
  if (!/^(s3:\/\/[^/?#]+|file:)/.test(value)) throw new InvalidArgumentError(`expected s3://BUCKET?… or file:DIR, got "${value}"`);
  return value;
}
