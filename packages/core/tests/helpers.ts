import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { type AnyRule, defineRule, loadPolicy } from '@trustgate/core';

/** A temporary folder with the given files, removed after the test file. */
export function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
  return dir;
}

/** Rules for engine tests, independent of the built-in ones. */
export const demoRules: Record<string, AnyRule> = {
  'token-max-age': defineRule<{ maxDays: number }>({
    id: 'token-max-age',
    meta: {
      description: 'Require tokens to be young.',
      docs: 'https://example.test/token-max-age',
      collections: ['tokens'],
      defaultLevel: 'error',
      securitySeverity: 8,
      strictness: { maxDays: 'lower' },
      options: {
        type: 'object',
        properties: {
          maxDays: { type: 'integer', minimum: 1, default: 90 },
          access: { type: 'string', enum: ['write', 'any'], default: 'write' },
        },
        additionalProperties: false,
      },
    },
    check(ctx, options) {
      for (const t of ctx.facts.tokens) {
        if (t.created === null) continue;
        const days = (ctx.now.getTime() - Date.parse(t.created)) / 86_400_000;
        if (days > options.maxDays)
          ctx.report({ subject: `token:${t.id}`, message: `Token ${t.id} is too old.` });
      }
    },
  }),
  'no-classic-tokens': defineRule({
    id: 'no-classic-tokens',
    meta: {
      description: 'Disallow classic tokens.',
      docs: 'https://example.test/no-classic-tokens',
      collections: ['tokens'],
      defaultLevel: 'warning',
      securitySeverity: 8,
    },
    check(ctx) {
      for (const t of ctx.facts.tokens) {
        if (t.kind === 'classic')
          ctx.report({ subject: `token:${t.id}`, message: `Token ${t.id} is classic.` });
      }
    },
  }),
  'package-check': defineRule({
    id: 'package-check',
    meta: {
      description: 'Require packages to be named.',
      docs: 'https://example.test/package-check',
      collections: ['packages'],
      defaultLevel: 'error',
      securitySeverity: 5,
    },
    check(ctx) {
      for (const p of ctx.facts.packages)
        ctx.report({ subject: `package:${p.id}`, message: `Package ${p.id} found.` });
    },
  }),
};

export const demoRegistry = new Map(Object.entries(demoRules));

export function load(dir: string, file = 'trustgate.yaml', presetDir = path.join(dir, 'presets')) {
  return loadPolicy(path.join(dir, file), { rules: demoRegistry, presetDir, cwd: dir });
}

/** The error's lines, or a failure if it did not throw one. */
export async function errorOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected an error');
}

export function writeFile(dir: string, name: string, content: string): void {
  writeFileSync(path.join(dir, name), content);
}
