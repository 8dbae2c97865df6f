import { readFileSync } from 'node:fs';
import type { JsonSchema } from './rule.js';

const cache = new Map<string, JsonSchema>();

/** A JSON Schema shipped in this package's `schemas/` folder. */
export function loadSchema(name: 'facts.schema.json' | 'policy.schema.json'): JsonSchema {
  let schema = cache.get(name);
  if (!schema) {
    schema = JSON.parse(readFileSync(new URL(`../schemas/${name}`, import.meta.url), 'utf8')) as JsonSchema;
    cache.set(name, schema);
  }
  return schema;
}
