/** Parsers for command-line values; each throws commander's InvalidArgumentError with a precise message. */
import { InvalidArgumentError } from 'commander';

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
