import type { ErrorObject, ValidateFunction } from 'ajv';
import { COLLECTIONS, type CollectionName } from './facts.js';
import type { JsonSchema } from './rule.js';
import { sharedAjv, standaloneModule } from './schema.js';

/**
 * The facts schema in parts: the document without its collections' entities
 * (`root`), and one `{ type: array, items }` schema per collection, with every
 * `$ref` inside the entity replaced by the definition it names.
 *
 * Validated whole, ajv calls a function per entity with an object of options
 * and the entity's path built as a string (`/tokens/41234`). In parts, each
 * collection's loop holds its entity's checks inline. The parts accept and
 * reject exactly what the whole schema does, with the same errors in the same
 * order (`tests/facts-validate.test.ts` compares them); at a million tokens a
 * whole `check` took 82–132 ms less (bench/README.md).
 */
export interface FactsSchemaParts {
  root: JsonSchema;
  collections: Record<CollectionName, JsonSchema>;
}

export function factsSchemaParts(schema: JsonSchema): FactsSchemaParts {
  const definitions = (schema.definitions ?? {}) as Record<string, JsonSchema>;
  const properties = schema.properties as Record<string, JsonSchema>;
  const rootProperties: Record<string, JsonSchema> = {};
  const collections: Partial<Record<CollectionName, JsonSchema>> = {};
  for (const [key, value] of Object.entries(properties)) {
    if (!(COLLECTIONS as readonly string[]).includes(key)) {
      rootProperties[key] = value;
      continue;
    }
    const { items, ...array } = value;
    if (array.type !== 'array' || items === undefined)
      throw new Error(`facts schema: "${key}" must be an array with items.`);
    rootProperties[key] = array;
    collections[key as CollectionName] = { ...array, items: inline(items, definitions, []) };
  }
  const missing = COLLECTIONS.filter((name) => !collections[name]);
  if (missing.length > 0) throw new Error(`facts schema: no "${missing.join('", "')}".`);
  // No $id: the parts are compiled beside other schemas, and the whole schema keeps its id.
  const { $id: _id, properties: _properties, ...rest } = schema;
  return {
    root: { ...rest, properties: rootProperties },
    collections: collections as Record<CollectionName, JsonSchema>,
  };
}

/** A copy of `node` with each `#/definitions/…` reference replaced by (a copy of) its definition. */
function inline(node: unknown, definitions: Record<string, JsonSchema>, trail: string[]): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, definitions, trail));
  if (node === null || typeof node !== 'object') return node;
  const ref = (node as { $ref?: unknown }).$ref;
  if (typeof ref === 'string') {
    const name = ref.startsWith('#/definitions/') ? ref.slice('#/definitions/'.length) : '';
    const target = definitions[name];
    if (!target || Object.keys(node).length !== 1)
      throw new Error(`facts schema: cannot inline the reference "${ref}".`);
    if (trail.includes(name)) throw new Error(`facts schema: "${ref}" refers to itself.`);
    return inline(target, definitions, [...trail, name]);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = inline(value, definitions, trail);
  return out;
}

/** The parts, compiled. */
export interface FactsValidators {
  root: ValidateFunction;
  collections: Record<CollectionName, ValidateFunction>;
}

/**
 * The parts generated at build time (`scripts/build-validators.mjs`), when they
 * were made from this very schema; undefined when running from source.
 */
export function generatedFactsValidators(schema: JsonSchema): FactsValidators | undefined {
  const mod = standaloneModule('facts', schema);
  if (typeof mod?.root !== 'function') return undefined;
  const collections: Partial<Record<CollectionName, ValidateFunction>> = {};
  for (const name of COLLECTIONS) {
    if (typeof mod[name] !== 'function') return undefined;
    collections[name] = mod[name] as ValidateFunction;
  }
  return {
    root: mod.root as ValidateFunction,
    collections: collections as Record<CollectionName, ValidateFunction>,
  };
}

/** The parts compiled now, with trustgate's ajv settings. */
export function compileFactsValidators(schema: JsonSchema): FactsValidators {
  const parts = factsSchemaParts(schema);
  const ajv = sharedAjv();
  const collections: Partial<Record<CollectionName, ValidateFunction>> = {};
  for (const name of COLLECTIONS) collections[name] = ajv.compile(parts.collections[name]);
  return {
    root: ajv.compile(parts.root),
    collections: collections as Record<CollectionName, ValidateFunction>,
  };
}

/**
 * Validate facts by parts: null when they are valid, else ajv's errors as the
 * whole schema gives them (the document's own first, then each collection's, in
 * the schema's order), with paths from the document's root.
 */
export function validateByParts(validators: FactsValidators, data: unknown): ErrorObject[] | null {
  const rootErrors = validators.root(data) ? [] : [...(validators.root.errors ?? [])];
  if (data === null || typeof data !== 'object' || Array.isArray(data))
    return rootErrors.length > 0 ? rootErrors : null;
  const errors = rootErrors.filter((e) => collectionOf(e.instancePath) === undefined);
  for (const name of COLLECTIONS) {
    for (const e of rootErrors) if (collectionOf(e.instancePath) === name) errors.push(e);
    const list = (data as Record<string, unknown>)[name];
    const validate = validators.collections[name];
    if (!Array.isArray(list) || validate(list)) continue;
    for (const e of validate.errors ?? []) {
      errors.push({
        ...e,
        instancePath: `/${name}${e.instancePath}`,
        schemaPath: `#/properties/${name}${e.schemaPath.slice(1)}`,
      });
    }
  }
  return errors.length > 0 ? errors : null;
}

function collectionOf(instancePath: string): CollectionName | undefined {
  for (const name of COLLECTIONS)
    if (instancePath === `/${name}` || instancePath.startsWith(`/${name}/`)) return name;
  return undefined;
}
