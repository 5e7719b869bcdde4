/**
 * A commit's body, parsed and bounded. The parts it lists come in columns (a few strings and typed arrays) rather
 * than as one object per part: a large body is parsed on a worker thread, and handing 10,000 small objects back to
 * the event loop would cost it more than parsing them there (V8 deserialises objects one by one); columns cross
 * threads almost for free. Small bodies go through the same code on the event loop, so both paths answer alike.
 */
import { BoxError } from '@tranche/protocol';
import sjson from 'secure-json-parse';

/** Limits a commit body is parsed under; `maxTokens` follows from the session's part count. */
export interface JsonLimits {
  maxDepth: number;
  maxTokens: number;
}

export interface ListedParts {
  count: number;
  /** NaN where the entry is malformed. */
  offsets: Float64Array;
  sizes: Float64Array;
  /** part_id of every entry, concatenated; entry i's ends at idEnds[i]. */
  ids: string;
  idEnds: Uint32Array;
  /** 40 characters per entry: its lower-cased sha1 when sha1Kinds[i] is 1 (0: none given; 2: one that cannot match). */
  sha1s: string;
  sha1Kinds: Uint8Array;
  /** 1 where the entry is not an object with a string part_id and numeric offset and size. */
  malformed: Uint8Array;
  /** How the first malformed entry is shown in an error message (JSON). */
  firstMalformed: string | null;
  /** The field that makes the first malformed entry so (`parts[3].offset`), for a 400 naming it. */
  firstMalformedField: string | null;
}

export interface CommitBody {
  /** `attributes` reduced to the four fields a commit reads (anything but a plain value there becomes []). */
  attributes: unknown;
  /** null when `parts` is not an array. */
  parts: ListedParts | null;
}

/**
 * Tokens counted before parsing: objects and arrays opened, strings (keys too) and commas. A part entry of Box's
 * four fields is 11 tokens.
 */
export function tokensAllowed(totalParts: number): number {
  return 256 + 24 * totalParts;
}

/** Decodes (strict UTF-8), checks depth and token count, parses (no __proto__ or constructor keys) and reduces. */
export function parseCommitBody(bytes: Uint8Array, limits: JsonLimits): CommitBody {
  return toCommitBody(parseBoundedJson(bytes, limits));
}

export function parseBoundedJson(bytes: Uint8Array, limits: JsonLimits): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new BoxError('bad_request', 'The request body is not valid UTF-8');
  }
  const problem = scanJson(text, limits);
  if (problem) throw new BoxError('bad_request', problem);
  try {
    return sjson.parse(text, null, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    throw new BoxError('bad_request', `The request body is not valid JSON: ${String((error as Error).message).slice(0, 200)}`);
  }
}

/** Why `text` must not be parsed (nested too deep, too many tokens), or undefined. Strings skipped, escapes honoured. */
export function scanJson(text: string, { maxDepth, maxTokens }: JsonLimits): string | undefined {
  let depth = 0;
  let tokens = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      tokens++;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return `JSON bodies may nest at most ${maxDepth} levels`;
      tokens++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c) {
      tokens++;
    } else {
      continue;
    }
    if (tokens > maxTokens) return `The JSON body holds more than ${maxTokens} values for this request`;
  }
  return undefined;
}

const ATTRIBUTE_FIELDS = ['name', 'description', 'content_created_at', 'content_modified_at'] as const;

export function toCommitBody(body: unknown): CommitBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BoxError('bad_request', 'The request body must be a JSON object');
  const input = body as Record<string, unknown>;
  return { attributes: reduceAttributes(input.attributes), parts: Array.isArray(input.parts) ? columns(input.parts) : null };
}

function reduceAttributes(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return [];
  const input = value as Record<string, unknown>;
  const reduced: Record<string, unknown> = {};
  for (const field of ATTRIBUTE_FIELDS) {
    const v = input[field];
    if (v !== undefined) reduced[field] = typeof v === 'object' && v !== null ? [] : v;
  }
  return reduced;
}

function columns(entries: unknown[]): ListedParts {
  const count = entries.length;
  const offsets = new Float64Array(count);
  const sizes = new Float64Array(count);
  const idEnds = new Uint32Array(count);
  const sha1Kinds = new Uint8Array(count);
  const malformed = new Uint8Array(count);
  const ids: string[] = [];
  const sha1s: string[] = [];
  let idLength = 0;
  let firstMalformed: string | null = null;
  let firstMalformedField: string | null = null;
  for (let i = 0; i < count; i++) {
    const entry = entries[i] as Record<string, unknown> | null;
    const wrong = malformedField(entry);
    if (wrong !== undefined) {
      malformed[i] = 1;
      offsets[i] = Number.NaN;
      sizes[i] = Number.NaN;
      firstMalformed ??= JSON.stringify(describe(entry));
      firstMalformedField ??= `parts[${i}]${wrong}`;
      sha1s.push(' '.repeat(40));
      idEnds[i] = idLength;
      continue;
    }
    const part = entry as Record<string, unknown>;
    offsets[i] = part.offset as number;
    sizes[i] = part.size as number;
    ids.push(part.part_id as string);
    idLength += (part.part_id as string).length;
    idEnds[i] = idLength;
    const sha1 = typeof part.sha1 === 'string' ? part.sha1.toLowerCase() : undefined;
    sha1Kinds[i] = sha1 === undefined ? 0 : sha1.length === 40 ? 1 : 2;
    sha1s.push(sha1Kinds[i] === 1 ? sha1! : ' '.repeat(40));
  }
  return { count, offsets, sizes, ids: ids.join(''), idEnds, sha1s: sha1s.join(''), sha1Kinds, malformed, firstMalformed, firstMalformedField };
}

/** Which field of a listed part has the wrong type ('' for the entry itself), or undefined when it is well typed. */
function malformedField(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return '';
  const part = entry as Record<string, unknown>;
  if (typeof part.part_id !== 'string') return '.part_id';
  if (!Number.isSafeInteger(part.offset)) return '.offset';
  if (!Number.isSafeInteger(part.size)) return '.size';
  if (part.sha1 !== undefined && part.sha1 !== null && typeof part.sha1 !== 'string') return '.sha1';
  return undefined;
}

export function partIdAt(parts: ListedParts, i: number): string {
  return parts.ids.slice(i === 0 ? 0 : parts.idEnds[i - 1], parts.idEnds[i]);
}

/** Whether entry i's sha1, if given, equals `sha1` (lower-case hex). */
export function sha1Matches(parts: ListedParts, i: number, sha1: string): boolean {
  const kind = parts.sha1Kinds[i];
  return kind === 0 || (kind === 1 && parts.sha1s.slice(40 * i, 40 * i + 40) === sha1);
}

/** Entry i as an error message shows it: its four fields, each cut short (the body may be megabytes). */
export function describeAt(parts: ListedParts, i: number): string {
  if (parts.malformed[i]) return parts.firstMalformed ?? '{}';
  const sha1 = parts.sha1Kinds[i] === 1 ? parts.sha1s.slice(40 * i, 40 * i + 40) : parts.sha1Kinds[i] === 2 ? '(not a SHA-1)' : null;
  return JSON.stringify(describe({ part_id: partIdAt(parts, i), offset: parts.offsets[i], size: parts.sizes[i], sha1 }));
}

function describe(part: unknown): Record<string, unknown> {
  const short = (value: unknown): unknown => {
    const text = JSON.stringify(value ?? null);
    return text.length <= 64 ? (value ?? null) : `${text.slice(0, 61)}...`;
  };
  if (typeof part !== 'object' || part === null || Array.isArray(part)) return { part: short(part) };
  const p = part as Record<string, unknown>;
  return { part_id: short(p.part_id), offset: short(p.offset), size: short(p.size), sha1: short(p.sha1) };
}
