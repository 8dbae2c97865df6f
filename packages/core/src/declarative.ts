import type { ValidateFunction } from 'ajv';
import { type CollectionName, SUBJECT_KIND } from './facts.js';
import type { AnyRule, JsonSchema } from './rule.js';
import { createAjv } from './schema.js';

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
  const ajv = createAjv({ looseTypes: true });
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
