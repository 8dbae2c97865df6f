/**
 * Scores the repository scanner against the hand-labelled corpus in
 * ../shared/corpus/workflows: each file is scanned as its own repository, and
 * publishing, auth mode and publish lines are compared with labels.json.
 * Files whose auth is labelled `unclear` are not scored.
 *
 *   node --conditions=@trustgate/source --import tsx scripts/corpus-check.ts [--min 95] [--verbose]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scanRepository } from '@trustgate/collectors';

interface Label {
  file: string;
  publishesToNpm: boolean;
  auth: 'oidc' | 'token' | 'oidc+token' | 'none' | 'unclear';
  publishLines: number[];
  notes: string;
}

const args = process.argv.slice(2);
const min = Number(args[args.indexOf('--min') + 1] ?? 95) || 95;
const verbose = args.includes('--verbose');
const corpus = path.resolve(import.meta.dirname, '../../shared/corpus/workflows');
let labels: Label[];
try {
  labels = JSON.parse(readFileSync(path.join(corpus, 'labels.json'), 'utf8'));
} catch {
  console.error(`corpus-check: no corpus at ${corpus}; nothing to score.`);
  process.exit(2);
}

const metrics = { publishing: [0, 0], auth: [0, 0], lines: [0, 0] };
const misses: string[] = [];
let skipped = 0;
for (const label of labels) {
  if (label.auth === 'unclear') {
    skipped++;
    continue;
  }
  const name = label.file.split('__').slice(2).join('__');
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-corpus-'));
  const target = name === '.gitlab-ci.yml' ? name : path.join('.github/workflows', name);
  mkdirSync(path.dirname(path.join(dir, target)), { recursive: true });
  writeFileSync(path.join(dir, target), readFileSync(path.join(corpus, label.file)));
  const facts = await scanRepository(dir, { now: new Date('2026-11-28T00:00:00Z') });
  rmSync(dir, { recursive: true, force: true });
  const steps = (facts.workflows ?? []).filter((s) => new URL(s.registry).hostname === 'registry.npmjs.org');
  const publishes = steps.length > 0;
  const oidc = steps.some((s) => s.auth.oidc);
  const token = steps.some((s) => s.auth.tokenSecrets.length > 0 || s.auth.tokenEnv.length > 0);
  const auth = !publishes ? 'none' : oidc && token ? 'oidc+token' : oidc ? 'oidc' : token ? 'token' : 'none';
  const lines = [...new Set(steps.map((s) => s.origin.line!))].sort((a, b) => a - b);
  const want = [...label.publishLines].sort((a, b) => a - b);
  const score = (metric: keyof typeof metrics, ok: boolean, detail: string) => {
    metrics[metric][1]!++;
    if (ok) metrics[metric][0]!++;
    else misses.push(`${label.file}: ${metric}: ${detail}`);
  };
  score(
    'publishing',
    publishes === label.publishesToNpm,
    `scanner ${publishes}, label ${label.publishesToNpm}`,
  );
  score('auth', auth === label.auth, `scanner ${auth}, label ${label.auth}`);
  score(
    'lines',
    JSON.stringify(lines) === JSON.stringify(want),
    `scanner ${JSON.stringify(lines)}, label ${JSON.stringify(want)}`,
  );
  if (verbose)
    console.log(label.file, JSON.stringify(steps.map((s) => [s.job, s.tool, s.origin.line, s.auth])));
}

let failed = false;
console.log(
  `Corpus: ${labels.length} files, ${labels.length - skipped} scored (${skipped} labelled unclear).`,
);
for (const [metric, [ok, total]] of Object.entries(metrics)) {
  const pct = (100 * ok!) / total!;
  if (pct < min) failed = true;
  console.log(`  ${metric.padEnd(10)} ${ok}/${total} agree (${pct.toFixed(1)}%)`);
}
for (const m of misses) console.log(`  disagree: ${m}`);
console.log(
  failed ? `corpus-check: below the ${min}% goal.` : `corpus-check: every figure at or above ${min}%.`,
);
process.exit(failed ? 1 : 0);
