import type { ValidateFunction } from 'ajv';
import { type CollectionName, SUBJECT_KIND } from './facts.js';
import type { AnyRule, JsonSchema } from './rule.js';
import { createAjv, patternProblem } from './schema.js';

/** A rule declared in a policy file: which entities, what must hold, and what to say. */
export interface DeclarativeDefinition {
  select: CollectionName;
  where?: JsonSchema;
  assert: JsonSchema;
  message: string;
  description?: string;
  securitySeverity?: number;
  docs?: string;
}

const DAY_MS = 86_400_000;
/** The evaluation time the date keywords compare against; set by the rule just before it validates. */
let evaluationNow = Date.now();

/** One ajv for declarative rules, with date keywords relative to the evaluation time. */
let declarativeAjv: ReturnType<typeof createAjv> | undefined;
function ajvForRules() {
  if (declarativeAjv) return declarativeAjv;
  // Patterns come from policy files and are matched against fact values: RE2, never backtracking.
  const ajv = createAjv({ looseTypes: true, linearPatterns: true });
  // Each holds for a date string; anything else (null, missing text, garbage) fails: unknown is not fine.
  const dateKeyword = (keyword: string, holds: (ageDays: number, limit: number) => boolean) =>
    ajv.addKeyword({
      keyword,
      schemaType: 'number',
      errors: false,
      metaSchema: { type: 'number', minimum: 0 },
      validate: (limit: number, data: unknown) => {
        if (typeof data !== 'string') return false;
        const t = Date.parse(data);
        if (Number.isNaN(t)) return false;
        return holds((evaluationNow - t) / DAY_MS, limit);
      },
    });
  dateKeyword('maxAgeDays', (age, limit) => age <= limit); // at most N days before the evaluation time
  dateKeyword('minAgeDays', (age, limit) => age >= limit); // at least N days before it
  dateKeyword('maxDaysAhead', (age, limit) => -age <= limit); // at most N days after it
  declarativeAjv = ajv;
  return ajv;
}

/** Compile a JSON Schema for a declarative rule; throws with ajv's reason if it is not one. */
export function compileRuleSchema(schema: JsonSchema): ValidateFunction {
  return ajvForRules().compile(schema);
}

/** Keywords whose value is a schema, a list of schemas, or a mapping of names to schemas (draft-07). */
const ONE_SCHEMA = [
  'additionalItems',
  'additionalProperties',
  'contains',
  'propertyNames',
  'not',
  'if',
  'then',
  'else',
];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'items'];
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependencies'];

/**
 * The patterns in a JSON Schema that the linear-time engine cannot run, each
 * with the path of its key (`properties.owner.pattern`,
 * `patternProperties.<pattern>`) and the reason. Walked without recursion, so
 * a deeply nested schema cannot overflow the stack here.
 */
export function unsupportedPatterns(schema: unknown): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const todo: { node: unknown; path: (string | number)[] }[] = [{ node: schema, path: [] }];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  while (todo.length > 0) {
    const { node, path } = todo.pop()!;
    if (!isObject(node)) continue;
    if (typeof node.pattern === 'string') {
      const message = patternProblem(node.pattern);
      if (message) out.push({ path: [...path, 'pattern'], message });
    }
    if (isObject(node.patternProperties)) {
      for (const key of Object.keys(node.patternProperties)) {
        const message = patternProblem(key);
        if (message) out.push({ path: [...path, 'patternProperties', key], message });
      }
    }
    for (const k of ONE_SCHEMA) if (k in node) todo.push({ node: node[k], path: [...path, k] });
    for (const k of SCHEMA_LISTS) {
      const v = node[k];
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) todo.push({ node: v[i], path: [...path, k, i] });
      } else if (k === 'items') todo.push({ node: v, path: [...path, k] });
    }
    for (const k of SCHEMA_MAPS) {
      const v = node[k];
      if (isObject(v))
        for (const [name, sub] of Object.entries(v)) todo.push({ node: sub, path: [...path, k, name] });
    }
  }
  return out.sort((a, b) => (a.path.join('\0') < b.path.join('\0') ? -1 : 1));
}

/** `{{owner}}`, `{{latest.version}}`: fields of the entity; missing ones read "(none)". */
export function renderTemplate(template: string, entity: unknown): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, path: string) => {
    let v: unknown = entity;
    for (const key of path.split('.'))
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    if (v === undefined || v === null) return '(none)';
    return Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** Build the rule. Schemas are compiled here, once per run. */
export function declarativeRule(id: string, def: DeclarativeDefinition, docs: string): AnyRule {
  // Plain predicates: ajv's type guards would narrow the entity away.
  const where: ((data: unknown) => boolean) | undefined = def.where
    ? compileRuleSchema(def.where)
    : undefined;
  const assert: (data: unknown) => boolean = compileRuleSchema(def.assert);
  const kind = SUBJECT_KIND[def.select];
  return {
    id,
    meta: {
      description:
        def.description ?? `Require every selected entry of ${def.select} to satisfy policy rule ${id}.`,
      docs: def.docs ?? docs,
      collections: [def.select],
      defaultLevel: 'error',
      securitySeverity: def.securitySeverity ?? 5,
    },
    check(ctx) {
      evaluationNow = ctx.now.getTime();
      const entities = ctx.facts[def.select] as unknown as { id: string; origin?: { file?: string } }[];
      for (const entity of entities) {
        if (where && !where(entity)) continue;
        if (assert(entity)) continue;
        ctx.report({
          subject: `${kind}:${entity.id}`,
          message: renderTemplate(def.message, entity),
          ...(entity.origin?.file ? { location: entity.origin } : {}),
        });
      }
    },
  };
}
