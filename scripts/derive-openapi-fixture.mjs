#!/usr/bin/env node
/**
 * Derives the schema fixture the tests validate against from Box's OpenAPI subset:
 *   node scripts/derive-openapi-fixture.mjs [SPEC.json] [OUT.json]
 * Defaults: ../shared/spec/box-openapi-extended.json → test/fixtures/box-openapi-structure.json.
 * Keeps structure only (types, properties, required, enums, formats, nullability, composition and $refs, and for each
 * path and method the JSON schema each response status declares); drops descriptions, examples, titles and
 * extensions. `--check` exits 1 when the committed fixture differs from what the spec gives.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2).filter((a) => a !== '--check');
const check = process.argv.includes('--check');
const specPath = args[0] ?? path.join(root, '../shared/spec/box-openapi-extended.json');
const outPath = args[1] ?? path.join(root, 'test/fixtures/box-openapi-structure.json');

const SCHEMA_KEYS = new Set(['type', 'properties', 'required', 'enum', 'items', '$ref', 'allOf', 'oneOf', 'anyOf', 'nullable', 'format', 'additionalProperties']);

function structure(node) {
  if (Array.isArray(node)) return node.map(structure);
  if (node === null || typeof node !== 'object') return node;
  const out = {};
  for (const key of Object.keys(node).sort()) {
    if (!SCHEMA_KEYS.has(key)) continue;
    const value = node[key];
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.keys(value).sort().map((name) => [name, structure(value[name])]));
    } else {
      out[key] = structure(value);
    }
  }
  return out;
}

function responses(operation) {
  const out = {};
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    const schema = response?.content?.['application/json']?.schema;
    out[status] = schema ? { content: { 'application/json': { schema: structure(schema) } } } : {};
  }
  return out;
}

const spec = JSON.parse(readFileSync(specPath, 'utf8'));
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'patch', 'head'];
const paths = {};
for (const template of Object.keys(spec.paths).sort()) {
  const item = spec.paths[template];
  paths[template] = Object.fromEntries(METHODS.filter((m) => item[m]).map((m) => [m, { responses: responses(item[m]) }]));
}
const schemas = Object.fromEntries(Object.keys(spec.components.schemas).sort().map((n) => [n, structure(spec.components.schemas[n])]));
const text = JSON.stringify({ source: path.basename(specPath), paths, components: { schemas } }, null, 1) + '\n';

if (check) {
  let current = '';
  try { current = readFileSync(outPath, 'utf8'); } catch { /* missing counts as stale */ }
  if (current !== text) {
    console.error(`${path.relative(root, outPath)} is stale: run node scripts/derive-openapi-fixture.mjs`);
    process.exit(1);
  }
  console.log(`${path.relative(root, outPath)} matches ${path.basename(specPath)}`);
} else {
  writeFileSync(outPath, text);
  console.log(`wrote ${path.relative(root, outPath)} (${Object.keys(paths).length} paths, ${Object.keys(schemas).length} schemas)`);
}
