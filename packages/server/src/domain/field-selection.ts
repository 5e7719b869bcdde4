/**
 * `fields=`: a comma-separated list of the fields an answer carries. Absent → the endpoint's default set. Present →
 * exactly those fields, plus `type`, `id` and `etag`, which Box always sends (its docs say "the mini representation",
 * the service answers type, id and etag). Unknown names are ignored, as Box does.
 */
export type Fields = ReadonlySet<string> | undefined;

const ALWAYS = ['type', 'id', 'etag'] as const;
/** Longest `fields` value looked at; a field name is short and Box's whole set is under 1 KB. */
const MAX_FIELDS_LENGTH = 4096;

export function parseFields(value: unknown): Fields {
  if (typeof value !== 'string') return undefined;
  const names = value
    .slice(0, MAX_FIELDS_LENGTH)
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  return names.length === 0 ? undefined : new Set(names);
}

export function wants(fields: Fields, name: string): boolean {
  return fields === undefined || fields.has(name);
}

/** The fields asked for out of a full representation (or the representation itself without `fields`). */
export function select<T extends object>(full: T, fields: Fields): Partial<T> {
  if (fields === undefined) return full;
  const out: Record<string, unknown> = {};
  const source = full as Record<string, unknown>;
  for (const name of ALWAYS) if (name in source) out[name] = source[name];
  for (const name of fields) if (Object.hasOwn(source, name)) out[name] = source[name];
  return out as Partial<T>;
}
