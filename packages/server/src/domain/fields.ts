/**
 * Reading a JSON body field by field, each with its JSON type: a value of the wrong type is refused (400, the
 * message naming the field, e.g. `parent.id must be a string`), never coerced (`{"id": ["0"]}` is not "0").
 * `null` counts as absent. Fields a body does not define are ignored (clients echo extra fields back).
 * The bodies themselves, one reader per body, are in bodies.ts.
 */
import { BoxError, invalidParameter, type BoxErrorCode } from '@tranche/protocol';

export class Fields {
  private constructor(
    private readonly values: Record<string, unknown>,
    /** Where this object sits in the body: '' for the body itself, else e.g. `parent` or `parts[3]`. */
    private readonly path: string,
  ) {}

  /** The body (or a nested value at `path`) as an object; anything else is refused with `code`. */
  static of(value: unknown, path = '', code: BoxErrorCode = 'bad_request'): Fields {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      if (path === '') throw new BoxError(code, 'The request body must be a JSON object');
      throw invalidParameter(code, path, `${path} must be an object`);
    }
    return new Fields(value as Record<string, unknown>, path);
  }

  /** The full name of a field, for messages: `name`, `parent.id`, `parts[3].offset`. */
  name(field: string): string {
    return this.path === '' ? field : `${this.path}.${field}`;
  }

  has(field: string): boolean {
    const value = this.raw(field);
    return value !== undefined && value !== null;
  }

  /** The value as sent (null → undefined), for checks that need more than a type. */
  raw(field: string): unknown {
    const value = Object.hasOwn(this.values, field) ? this.values[field] : undefined;
    return value === null ? undefined : value;
  }

  string(field: string, code: BoxErrorCode = 'bad_request'): string | undefined {
    const value = this.raw(field);
    if (value === undefined || typeof value === 'string') return value;
    throw this.wrongType(field, 'a string', code);
  }

  /** A JSON number that is an exact integer within ±2^53 (1.5, 1e300 and 2^64 are refused, never rounded). */
  integer(field: string, code: BoxErrorCode = 'bad_request'): number | undefined {
    const value = this.raw(field);
    if (value === undefined || Number.isSafeInteger(value)) return value as number | undefined;
    throw this.wrongType(field, 'an integer', code);
  }

  /**
   * An item id: a string (its digits are checked by the caller, which knows whether a bad id is a 400 or a 404), or
   * a JSON integer ≥ 0, taken as its decimal digits (Box documents ids as strings; some clients send numbers).
   */
  id(field: string, code: BoxErrorCode = 'bad_request'): string | undefined {
    const value = this.raw(field);
    if (value === undefined || typeof value === 'string') return value;
    if (Number.isSafeInteger(value) && (value as number) >= 0) return String(value);
    throw this.wrongType(field, 'a string of digits', code);
  }

  object(field: string, code: BoxErrorCode = 'bad_request'): Fields | undefined {
    const value = this.raw(field);
    return value === undefined ? undefined : Fields.of(value, this.name(field), code);
  }

  array(field: string, code: BoxErrorCode = 'bad_request'): unknown[] | undefined {
    const value = this.raw(field);
    if (value === undefined || Array.isArray(value)) return value;
    throw this.wrongType(field, 'an array', code);
  }

  /** 400 `code` naming the field: it is required. */
  missing(field: string, code: BoxErrorCode = 'bad_request'): BoxError {
    return invalidParameter(code, this.name(field), `${this.name(field)} is required`, 'missing_parameter');
  }

  private wrongType(field: string, expected: string, code: BoxErrorCode): BoxError {
    return invalidParameter(code, this.name(field), `${this.name(field)} must be ${expected}, not ${typeName(this.values[field])}`);
  }
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return !Number.isInteger(value) ? 'a fraction' : value < 0 ? 'a negative number' : 'a number beyond 2^53';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
