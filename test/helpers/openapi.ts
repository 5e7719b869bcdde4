/**
 * Validates JSON responses against Box's OpenAPI subset (shared/spec/box-openapi-extended.json, a superset of the chunked one),
 * prepared for Ajv as the wire spec §10 describes:
 *  1. Ajv with strict:false, ajv-formats, plus the non-standard formats digest, url, token, <width>x<height>;
 *  2. `example`/`examples` stripped (metadata examples carry "$id" keys);
 *  3. OpenAPI 3.0 `nullable` converted to JSON-Schema null types;
 *  4. the `enum` on ClientError.code dropped (real Box codes are an open set);
 *  5. ConflictError.context_info.conflicts accepts a single object (the file, or a folder holding the name) as well
 *     as an array (real file conflicts send one object).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { REPO_ROOT } from './server.js';

// ajv and ajv-formats are CommonJS; load them with require to avoid default-export interop trouble.
const require = createRequire(import.meta.url);
const AjvCtor = require('ajv') as typeof import('ajv').default;
const addFormats = require('ajv-formats') as typeof import('ajv-formats').default;

export const SPEC_DIR = path.join(REPO_ROOT, '../shared/spec');
export const OPENAPI_PATH = path.join(SPEC_DIR, 'box-openapi-extended.json');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: JsonObject }> }>;
}
interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonObject> };
}

const SCHEMA_ID = 'box-openapi.json';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Steps 2 and 3: drop examples, turn `nullable` into null-accepting types, recursively. */
export function prepareSchema(node: Json): Json {
  if (Array.isArray(node)) return node.map(prepareSchema);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key === 'examples') continue;
    out[key] = key === 'properties' && isObject(value)
      ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, prepareSchema(sub)]))
      : prepareSchema(value);
  }
  const nullable = out['nullable'];
  delete out['nullable'];
  if (nullable !== true) return out;
  // A bare {nullable:true} (typically an allOf member) only says "null is fine": accept anything.
  if (Object.keys(out).length === 0) return {};
  const type = out['type'];
  if (typeof type === 'string' && out['allOf'] === undefined && out['$ref'] === undefined && out['oneOf'] === undefined && out['anyOf'] === undefined) {
    out['type'] = [type, 'null'];
    if (Array.isArray(out['enum']) && !out['enum'].includes(null)) out['enum'] = [...out['enum'], null];
    return out;
  }
  return { anyOf: [{ type: 'null' }, out] };
}

/**
 * An allOf whose member is a bare `{nullable:true}` means the whole value may be null, e.g.
 * `shared_link: {allOf:[{...}, {nullable:true}]}`. prepareSchema turned that member into `{}`,
 * so handle it before: lift the nullability to the holder.
 */
function liftAllOfNullable(node: Json): Json {
  if (Array.isArray(node)) return node.map(liftAllOfNullable);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = liftAllOfNullable(value);
  const allOf = out['allOf'];
  if (Array.isArray(allOf)) {
    const isBareNullable = (m: Json): boolean =>
      isObject(m) && m['nullable'] === true && Object.keys(m).every((k) => k === 'nullable' || k === 'description' || k === 'example');
    if (allOf.some(isBareNullable)) {
      out['allOf'] = allOf.filter((m) => !isBareNullable(m));
      out['nullable'] = true;
    }
  }
  return out;
}

function loadDoc(): OpenApiDoc {
  const raw = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')) as OpenApiDoc;
  const schemas = prepareSchema(liftAllOfNullable(raw.components.schemas as unknown as Json)) as Record<string, JsonObject>;

  // Step 4: ClientError.code is an open set in reality.
  const clientErrorCode = (schemas['ClientError']?.['properties'] as JsonObject | undefined)?.['code'];
  if (isObject(clientErrorCode)) delete clientErrorCode['enum'];

  // Step 5: file conflicts send one object, folder conflicts an array.
  const conflictAllOf = schemas['ConflictError']?.['allOf'];
  if (Array.isArray(conflictAllOf)) {
    for (const member of conflictAllOf) {
      const ctx = isObject(member) && isObject(member['properties']) ? member['properties']['context_info'] : undefined;
      const props = isObject(ctx) && isObject(ctx['properties']) ? ctx['properties'] : undefined;
      if (props && isObject(props['conflicts'])) {
        const asArray = props['conflicts'];
        // A name can also be taken by a folder; then the single object is that folder in mini form.
        props['conflicts'] = { anyOf: [asArray, { $ref: '#/components/schemas/FileConflict' }, { $ref: '#/components/schemas/Folder--Mini' }] };
      }
    }
  }
  return { paths: raw.paths, components: { schemas } };
}

const doc = loadDoc();
const ajv = new AjvCtor({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addFormat('digest', /^[0-9a-fA-F]{40}$/);
ajv.addFormat('url', true);
ajv.addFormat('token', true);
ajv.addFormat('<width>x<height>', /^\d+x\d+$/);
ajv.addSchema({ $id: SCHEMA_ID, components: doc.components } as object);

const validators = new Map<string, ValidateFunction>();

function validatorFor(schemaName: string): ValidateFunction {
  let validate = validators.get(schemaName);
  if (!validate) {
    if (!doc.components.schemas[schemaName]) throw new Error(`no schema named ${schemaName} in ${OPENAPI_PATH}`);
    validate = ajv.getSchema(`${SCHEMA_ID}#/components/schemas/${schemaName}`);
    if (!validate) throw new Error(`Ajv could not compile ${schemaName}`);
    validators.set(schemaName, validate);
  }
  return validate;
}

export class SchemaError extends Error {
  constructor(
    readonly schemaName: string,
    readonly errors: ErrorObject[],
    readonly body: unknown,
    context = '',
  ) {
    super(
      `${context}response does not match OpenAPI schema ${schemaName}:\n` +
        errors.map((e) => `  ${e.instancePath || '(root)'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n') +
        `\nbody: ${JSON.stringify(body).slice(0, 2000)}`,
    );
    this.name = 'SchemaError';
  }
}

/** Throws a SchemaError (with Ajv's errors) unless `body` matches components.schemas[schemaName]. */
export function assertSchema(schemaName: string, body: unknown, context = ''): void {
  const validate = validatorFor(schemaName);
  if (!validate(body)) throw new SchemaError(schemaName, validate.errors ?? [], body, context);
}

/** OpenAPI path templates, most literal segments first, as regexps over the part after /2.0 or /api/2.0. */
const templates = Object.keys(doc.paths)
  .map((template) => {
    const segments = template.split('/');
    const literal = segments.filter((s) => s !== '' && !s.startsWith('{')).length;
    const regex = new RegExp('^' + segments.map((s) => (s.startsWith('{') ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/') + '/?$');
    return { template, regex, literal };
  })
  .sort((a, b) => b.literal - a.literal);

/** The OpenAPI path template for a request path such as `/api/2.0/files/upload_sessions/ABC/parts`, if any. */
export function matchPathTemplate(requestPath: string): string | undefined {
  const bare = requestPath.split('?')[0]!.replace(/^\/api\/2\.[01]/, '').replace(/^\/2\.0/, '');
  return templates.find((t) => t.regex.test(bare))?.template;
}

/**
 * The schema name the OpenAPI declares for a JSON response, or undefined when none applies
 * (unknown path, no JSON content declared, or an undeclared 2xx/3xx status).
 */
export function responseSchemaName(method: string, pathTemplate: string, status: number): string | undefined {
  const operation = doc.paths[pathTemplate]?.[method.toLowerCase()];
  if (!operation?.responses) return status >= 400 ? 'ClientError' : undefined;
  const declared = operation.responses[String(status)] ?? (status >= 400 ? operation.responses['default'] : undefined);
  const ref = declared?.content?.['application/json']?.schema?.['$ref'];
  if (typeof ref !== 'string') return status >= 400 ? 'ClientError' : undefined;
  return ref.replace('#/components/schemas/', '');
}

/**
 * Validates a response body against what the OpenAPI declares for (method, path template, status).
 * Error statuses fall back to ClientError. Returns the schema name used, or undefined when none applies.
 */
export function validateResponse(method: string, pathTemplate: string, status: number, body: unknown): string | undefined {
  const schemaName = responseSchemaName(method, pathTemplate, status);
  if (schemaName) assertSchema(schemaName, body, `${method.toUpperCase()} ${pathTemplate} ${status}: `);
  return schemaName;
}
