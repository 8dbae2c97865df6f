/**
 * Keeps `schemas/facts.schema.json` and the TypeScript types in `src/facts.ts`
 * in agreement: the same keys, the same required keys, the same nullability,
 * and the same allowed strings.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const factsTs = fileURLToPath(new URL('../src/facts.ts', import.meta.url));
const schema = JSON.parse(readFileSync(new URL('../schemas/facts.schema.json', import.meta.url), 'utf8'));

interface SchemaObject {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, SchemaProp>;
  additionalProperties?: boolean;
}
interface SchemaProp {
  type?: string | string[];
  enum?: (string | null)[];
  const?: unknown;
  $ref?: string;
  format?: string;
  items?: SchemaProp;
}

const program = ts.createProgram([factsTs], { strict: true, target: ts.ScriptTarget.ES2022, noEmit: true });
const checker = program.getTypeChecker();
const source = program.getSourceFile(factsTs)!;
const interfaces = new Map<string, ts.InterfaceDeclaration>();
ts.forEachChild(source, (node) => {
  if (ts.isInterfaceDeclaration(node)) interfaces.set(node.name.text, node);
});

function resolve(prop: SchemaProp): SchemaProp & SchemaObject {
  if (!prop.$ref) return prop;
  const name = prop.$ref.replace('#/definitions/', '');
  return { ...schema.definitions[name], $ref: prop.$ref };
}

function types(prop: SchemaProp): string[] {
  const p = resolve(prop);
  return Array.isArray(p.type) ? p.type : p.type ? [p.type] : [];
}

function describeTs(type: ts.Type): { nullable: boolean; literals: string[] | undefined } {
  const parts = type.isUnion() ? type.types : [type];
  let nullable = false;
  const literals: string[] = [];
  let onlyLiterals = true;
  for (const t of parts) {
    if (t.flags & ts.TypeFlags.Null) nullable = true;
    else if (t.flags & ts.TypeFlags.Undefined) continue;
    else if (t.isStringLiteral()) literals.push(t.value);
    else if (t.flags & ts.TypeFlags.BooleanLiteral) onlyLiterals = false;
    else onlyLiterals = false;
  }
  return { nullable, literals: onlyLiterals && literals.length > 0 ? literals.sort() : undefined };
}

const pairs: [string, SchemaObject][] = [
  ['Facts', schema],
  ...Object.keys(schema.definitions)
    .filter((name) => name !== 'CollectionName')
    .map((name): [string, SchemaObject] => [name, schema.definitions[name]]),
];

describe('facts schema and TypeScript types agree', () => {
  it('every schema definition has an interface of the same name, and back', () => {
    const defined = new Set(pairs.map(([n]) => n));
    assert.deepEqual([...interfaces.keys()].filter((n) => !defined.has(n)).sort(), []);
    assert.deepEqual(
      pairs.map(([n]) => n).filter((n) => !interfaces.has(n)),
      [],
    );
  });

  for (const [name, def] of pairs) {
    it(`${name}: keys, required keys, null and allowed values`, () => {
      const decl = interfaces.get(name)!;
      assert.equal(def.additionalProperties, false, `${name} must not allow unknown keys`);
      const iface = checker.getTypeAtLocation(decl);
      const tsProps = new Map(checker.getPropertiesOfType(iface).map((p) => [p.name, p]));
      const schemaProps = def.properties ?? {};
      assert.deepEqual([...tsProps.keys()].sort(), Object.keys(schemaProps).sort(), `${name}: keys`);
      const optional = (p: ts.Symbol) => (p.flags & ts.SymbolFlags.Optional) !== 0;
      assert.deepEqual(
        [...tsProps.values()]
          .filter((p) => !optional(p))
          .map((p) => p.name)
          .sort(),
        [...(def.required ?? [])].sort(),
        `${name}: required keys`,
      );
      for (const [key, symbol] of tsProps) {
        const prop = schemaProps[key]!;
        const tsType = describeTs(checker.getTypeOfSymbolAtLocation(symbol, decl));
        assert.equal(
          types(prop).includes('null'),
          tsType.nullable,
          `${name}.${key}: null allowed in one and not the other`,
        );
        const resolved = resolve(prop);
        const schemaEnum = resolved.enum?.filter((v): v is string => v !== null).sort();
        if (tsType.literals) {
          const expected = schemaEnum ?? (typeof resolved.const === 'string' ? [resolved.const] : undefined);
          assert.deepEqual(expected, tsType.literals, `${name}.${key}: allowed values`);
        } else {
          assert.equal(schemaEnum, undefined, `${name}.${key}: the schema lists values, the type does not`);
        }
      }
    });
  }
});
