/**
 * Fuzzing: mutate a valid policy and valid facts (seeded), and run each case
 * through what `trustgate check` runs: policy loading, facts parsing,
 * evaluation, every reporter. Every case must end as exit 0, 1 or 2: a result,
 * or a TrustgateError (one sentence, no stack trace). Anything else, a rule
 * failure (exit 3) or a case slower than the bound, is a failure.
 *
 *   node --conditions=@trustgate/source --import tsx scripts/fuzz.ts [--cases 10000] [--seed 1]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, exitCodeFor, loadPolicy, parseFacts, TrustgateError } from '@trustgate/core';
import { reporters } from '@trustgate/reporters';
import { rules } from '@trustgate/rules';
import { rng } from '../bench/generate.mjs';

export { rng };

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BASE_POLICY = readFileSync(path.join(ROOT, 'examples/acme/trustgate.yaml'), 'utf8');
const BASE_FACTS = readFileSync(path.join(ROOT, 'examples/acme/facts.json'), 'utf8');
const PRESETS = path.join(ROOT, 'policies');
const TIME_BOUND_MS = 5000;

const NOISE = [
  '\t',
  ':',
  '-',
  '{',
  '}',
  '[',
  ']',
  '&a',
  '*a',
  '!',
  '"',
  "'",
  '\n',
  ' ',
  '#',
  '|',
  '>',
  '<<: *a',
  '__proto__',
  '\u0000',
  '9'.repeat(30),
  'null',
  '~',
  '@',
  '%',
  '`',
];
const VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1e308,
  '',
  'x',
  [],
  {},
  [[[[[]]]]],
  { __proto__: { polluted: 1 } },
  '2026-02-30',
  'not-a-date',
  'error',
  'off',
];

/** One random edit of text: delete, insert noise, duplicate or swap lines. */
function mutateText(text: string, random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const pos = Math.floor(random() * (text.length + 1));
  switch (Math.floor(random() * 5)) {
    case 0:
      return text.slice(0, pos) + text.slice(pos + 1 + Math.floor(random() * 20));
    case 1:
      return text.slice(0, pos) + pick(NOISE) + text.slice(pos);
    case 2: {
      const lines = text.split('\n');
      const i = Math.floor(random() * lines.length);
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 3: {
      const lines = text.split('\n');
      const i = Math.floor(random() * lines.length);
      const j = Math.floor(random() * lines.length);
      [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      return lines.join('\n');
    }
    default:
      return text.slice(0, pos); // truncated
  }
}

/** One random structural edit of JSON: a wrong type, a deep nest, an unknown key. */
function mutateJson(text: string, random: () => number): string {
  const data = JSON.parse(text) as Record<string, unknown>;
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, p: (string | number)[]) => {
    if (paths.length > 400) return;
    paths.push(p);
    if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, [...p, i]);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(data, []);
  const target = pick(paths.filter((p) => p.length > 0));
  let parent: Record<string | number, unknown> = data;
  for (const seg of target.slice(0, -1)) parent = parent[seg] as Record<string | number, unknown>;
  const last = target[target.length - 1]!;
  const r = random();
  if (r < 0.6) parent[last] = pick(VALUES);
  else if (r < 0.8) delete parent[last];
  else {
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = [deep];
    parent[last] = deep;
  }
  return JSON.stringify(data);
}

export interface FuzzResult {
  cases: number;
  byExit: Record<number, number>;
  failures: string[];
}

export async function fuzz(count: number, seed: number): Promise<FuzzResult> {
  const random = rng(seed);
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-fuzz-'));
  const registry = new Map(Object.entries(rules));
  const result: FuzzResult = { cases: 0, byExit: { 0: 0, 1: 0, 2: 0 }, failures: [] };
  try {
    for (let i = 0; i < count; i++) {
      let policyText = BASE_POLICY;
      let factsText = BASE_FACTS;
      const edits = 1 + Math.floor(random() * 3);
      const target = random();
      for (let e = 0; e < edits; e++) {
        if (target < 0.45) policyText = mutateText(policyText, random);
        else if (target < 0.7) factsText = mutateText(factsText, random);
        else factsText = mutateJson(factsText, random);
      }
      const file = path.join(dir, 'trustgate.yaml');
      writeFileSync(file, policyText);
      const started = performance.now();
      let exit: number;
      try {
        const policy = await loadPolicy(file, { rules: registry, presetDir: PRESETS, cwd: dir });
        const facts = parseFacts(factsText, 'facts.json');
        const run = await evaluate({ facts, policy, tool: { name: 'trustgate', version: 'fuzz' } });
        for (const reporter of Object.values(reporters)) await reporter(run, { color: false });
        exit = exitCodeFor(run, 'error');
      } catch (error) {
        if (error instanceof TrustgateError && error.exitCode === 2 && !/\n\s+at /.test(error.message))
          exit = 2;
        else {
          result.failures.push(
            `case ${i} (seed ${seed}): ${error instanceof Error ? error.stack : String(error)}`,
          );
          continue;
        }
      }
      const took = performance.now() - started;
      result.cases++;
      if (exit === 3) result.failures.push(`case ${i} (seed ${seed}): a rule failed (exit 3)`);
      else result.byExit[exit] = (result.byExit[exit] ?? 0) + 1;
      if (took > TIME_BOUND_MS) result.failures.push(`case ${i} (seed ${seed}): took ${Math.round(took)} ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const cases = Number(args[args.indexOf('--cases') + 1] ?? 10000) || 10000;
  const seed = Number(args[args.indexOf('--seed') + 1] ?? 1) || 1;
  const started = Date.now();
  const r = await fuzz(cases, seed);
  console.log(
    `fuzz: ${r.cases} cases ended normally (exit 0: ${r.byExit[0]}, 1: ${r.byExit[1]}, 2: ${r.byExit[2]}) in ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${seed}.`,
  );
  for (const f of r.failures.slice(0, 20)) console.log(`  FAIL ${f}`);
  console.log(`${r.cases - r.failures.length} passed, ${r.failures.length} failed`);
  process.exit(r.failures.length > 0 ? 1 : 0);
}
