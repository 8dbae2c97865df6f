/**
 * Fuzzing: mutate a valid policy and valid facts (seeded), and run each case
 * through what `trustgate check` runs: policy loading (from files), facts
 * reading and parsing (from a file, through the bounded reader), evaluation,
 * every reporter. Every case must end as exit 0, 1 or 2: a result, or a
 * TrustgateError (one sentence, no stack trace). Anything else, a rule failure
 * (exit 3) or a case slower than the bound, is a failure. So is a text-like
 * report (text, github, markdown, junit, html) with a raw control or bidi
 * character, or a line that starts with `::` other than github's own
 * annotations.
 *
 * Besides text and JSON mutations, cases are hostile by class (issue #18):
 * links (extends or facts behind a symbolic link to /dev/zero, a FIFO, a
 * folder, a file outside, a loop, nothing), huge lists (many tokens,
 * exceptions, a policy over its cap), control and bidi characters in values,
 * and hostile values (prototype keys, glob characters, 100,000-character
 * strings). `--heavy` adds, one case in 100, lists of 150,000 entries (longer
 * than a call takes arguments); the test run leaves them out for time.
 *
 *   node --conditions=@trustgate/source --import tsx scripts/fuzz.ts [--cases 10000] [--seed 1] [--heavy]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, exitCodeFor, loadFacts, loadPolicy, TrustgateError } from '@trustgate/core';
import { reporters } from '@trustgate/reporters';
import { rules } from '@trustgate/rules';
import { rng } from '../bench/generate.mjs';

export { rng };

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BASE_POLICY = readFileSync(path.join(ROOT, 'examples/acme/trustgate.yaml'), 'utf8');
const BASE_FACTS = readFileSync(path.join(ROOT, 'examples/acme/facts.json'), 'utf8');
const PRESETS = path.join(ROOT, 'policies');
const TIME_BOUND_MS = 5000;
const HEAVY_TIME_BOUND_MS = 120_000;
const posix = process.platform !== 'win32';

/** Control and bidi characters, and workflow commands, that values may carry. */
const CONTROL = [
  '\x1b[31m',
  '\n::error::pwned',
  '\r',
  '\u202e',
  '\u2066',
  '\x9b2J',
  '\u2028',
  '\x00',
  '\x07',
  '\t',
  '\x7f',
];
// biome-ignore lint/suspicious/noControlCharactersInRegex: what no text-like report may hold.
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const TEXT_LIKE = ['text', 'github', 'markdown', 'junit', 'html'];

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
  '\x1b[2J',
  '\u202e',
  '\r',
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
  'x'.repeat(100_000),
  '\x1b[31mred\n::error::pwned',
  '\u202eevil',
  '*',
  '**/*',
  'token:*',
  '__proto__',
  'constructor',
  { constructor: { prototype: { polluted: 1 } } },
  JSON.parse('{"__proto__": {"polluted": 1}, "id": "proto"}'),
  Number.MAX_SAFE_INTEGER + 2,
  -0,
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
  /** Cases by class: text, json, link, huge, control. */
  byClass: Record<string, number>;
  /** Cases by class that got as far as the reports. */
  reported: Record<string, number>;
  failures: string[];
}

/** Insert control and bidi characters into some string values of facts. */
function withControls(text: string, random: () => number): string {
  const data = JSON.parse(text) as Record<string, unknown>;
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const strings: [Record<string | number, unknown>, string | number][] = [];
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (typeof x === 'string') strings.push([v as Record<string | number, unknown>, k]);
      else walk(x);
    }
  };
  walk(data);
  for (let n = 1 + Math.floor(random() * 6); n > 0; n--) {
    const [parent, key] = pick(strings);
    const value = parent[key] as string;
    const at = Math.floor(random() * (value.length + 1));
    parent[key] = value.slice(0, at) + pick(CONTROL) + value.slice(at);
  }
  return JSON.stringify(data);
}

/** A list of `n` entries in facts (tokens) or in the policy (exceptions), or a policy over its cap. */
function huge(
  policy: string,
  facts: string,
  n: number,
  maxExceptions: number,
  random: () => number,
): { policy: string; facts: string } {
  const r = random();
  if (r < 0.45) {
    const data = JSON.parse(facts) as { tokens: Record<string, unknown>[] };
    const model = data.tokens[0]!;
    const tokens: Record<string, unknown>[] = [];
    for (let i = 0; i < n; i++) tokens.push({ ...model, id: `huge${i}` });
    data.tokens = tokens;
    return { policy, facts: JSON.stringify(data) };
  }
  if (r < 0.9) {
    let list = '';
    for (let i = 0; i < Math.min(n, maxExceptions); i++)
      list += `  - { rule: token-max-age, subject: "token:h${i}*", reason: r, expires: 2099-01-01 }\n`;
    // The base policy ends with its exceptions: more entries go at the end.
    return { policy: `${policy.trimEnd()}\n${list}`, facts };
  }
  return { policy: `${policy}\n#${'x'.repeat(1024 * 1024)}\n`, facts };
}

export async function fuzz(
  count: number,
  seed: number,
  options: { heavy?: boolean } = {},
): Promise<FuzzResult> {
  const random = rng(seed);
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-fuzz-'));
  const registry = new Map(Object.entries(rules));
  const result: FuzzResult = {
    cases: 0,
    byExit: { 0: 0, 1: 0, 2: 0 },
    byClass: {},
    reported: {},
    failures: [],
  };
  // Targets for links, outside each case's folder.
  const fifo = path.join(dir, 'fifo');
  const outside = path.join(dir, 'outside.yaml');
  writeFileSync(outside, 'apiVersion: trustgate/v1\nkind: Policy\nextends: [trustgate:recommended]\n');
  if (posix) execFileSync('mkfifo', [fifo]);
  const LINK_TARGETS = ['/dev/zero', fifo, outside, dir, path.join(dir, 'nothing'), 'self'];
  const caseDir = path.join(dir, 'case');
  try {
    for (let i = 0; i < count; i++) {
      let policyText = BASE_POLICY;
      let factsText = BASE_FACTS;
      const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
      rmSync(caseDir, { recursive: true, force: true });
      mkdirSync(caseDir);
      const file = path.join(caseDir, 'trustgate.yaml');
      const factsFile = path.join(caseDir, 'facts.json');
      const target = random();
      let kind: string;
      let link: { at: string; to: string } | undefined;
      let heavy = false;
      if (target < 0.36) {
        kind = 'text';
        for (let e = 1 + Math.floor(random() * 3); e > 0; e--) policyText = mutateText(policyText, random);
      } else if (target < 0.52) {
        kind = 'text';
        for (let e = 1 + Math.floor(random() * 3); e > 0; e--) factsText = mutateText(factsText, random);
      } else if (target < 0.7) {
        kind = 'json';
        for (let e = 1 + Math.floor(random() * 3); e > 0; e--) factsText = mutateJson(factsText, random);
      } else if (target < 0.8) {
        kind = 'control';
        factsText = withControls(factsText, random);
        if (random() < 0.5) policyText = mutateText(policyText, random);
      } else if (target < 0.88) {
        kind = 'huge';
        // The test run keeps to sizes that take well under a second; --heavy goes past what a call
        // takes as arguments (150,000), and loads policies with thousands of exceptions.
        heavy = options.heavy === true && random() < 0.1;
        const n = heavy ? 150_000 : pick(options.heavy ? [2000, 10_000] : [100, 500, 2000]);
        ({ policy: policyText, facts: factsText } = huge(
          policyText,
          factsText,
          n,
          options.heavy ? 6000 : 300,
          random,
        ));
      } else {
        kind = posix ? 'link' : 'text';
        if (posix) {
          const to = pick(LINK_TARGETS);
          if (random() < 0.5) {
            policyText = policyText.replace('extends:\n', 'extends:\n  - ./base.yaml\n');
            link = {
              at: path.join(caseDir, 'base.yaml'),
              to: to === 'self' ? path.join(caseDir, 'base.yaml') : to,
            };
          } else link = { at: factsFile, to: to === 'self' ? factsFile : to };
        }
      }
      result.byClass[kind] = (result.byClass[kind] ?? 0) + 1;
      if (heavy) result.byClass.heavy = (result.byClass.heavy ?? 0) + 1;
      writeFileSync(file, policyText);
      if (link) symlinkSync(link.to, link.at);
      if (link?.at !== factsFile) writeFileSync(factsFile, factsText);
      const started = performance.now();
      const where = `case ${i} (seed ${seed}, ${kind}${link ? ` -> ${link.to}` : ''})`;
      let exit: number;
      try {
        const policy = await loadPolicy(file, { rules: registry, presetDir: PRESETS, cwd: caseDir });
        const facts = loadFacts(factsFile);
        const run = await evaluate({ facts, policy, tool: { name: 'trustgate', version: 'fuzz' } });
        result.reported[kind] = (result.reported[kind] ?? 0) + 1;
        for (const [name, reporter] of Object.entries(reporters)) {
          const data = await reporter(run, { color: false });
          if (!TEXT_LIKE.includes(name)) {
            if (typeof data !== 'string' && !(data instanceof Uint8Array)) for (const _ of data);
            continue;
          }
          const out =
            typeof data === 'string'
              ? data
              : data instanceof Uint8Array
                ? Buffer.from(data).toString()
                : [...data].join('');
          if (RAW.test(out))
            result.failures.push(`${where}: the ${name} report holds a raw control character`);
          const commands = out.split('\n').filter((l) => l.trimStart().startsWith('::'));
          const own = (l: string) => name === 'github' && /^::(error|warning|notice) file=/.test(l);
          if (commands.some((l) => !own(l)))
            result.failures.push(`${where}: the ${name} report has a line starting with "::"`);
        }
        exit = exitCodeFor(run, 'error');
      } catch (error) {
        if (error instanceof TrustgateError && error.exitCode === 2 && !/\n\s+at /.test(error.message))
          exit = 2;
        else {
          result.failures.push(`${where}: ${error instanceof Error ? error.stack : String(error)}`);
          continue;
        }
      }
      const took = performance.now() - started;
      result.cases++;
      if (exit === 3) result.failures.push(`${where}: a rule failed (exit 3)`);
      else result.byExit[exit] = (result.byExit[exit] ?? 0) + 1;
      if (took > (heavy ? HEAVY_TIME_BOUND_MS : TIME_BOUND_MS))
        result.failures.push(`${where}: took ${Math.round(took)} ms`);
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
  const r = await fuzz(cases, seed, { heavy: args.includes('--heavy') });
  console.log(
    `fuzz: ${r.cases} cases ended normally (exit 0: ${r.byExit[0]}, 1: ${r.byExit[1]}, 2: ${r.byExit[2]}) in ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${seed}; by class: ${JSON.stringify(r.byClass)}, reported: ${JSON.stringify(r.reported)}.`,
  );
  for (const f of r.failures.slice(0, 20)) console.log(`  FAIL ${f}`);
  console.log(`${r.cases - r.failures.length} passed, ${r.failures.length} failed`);
  process.exit(r.failures.length > 0 ? 1 : 0);
}
