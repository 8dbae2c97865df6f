/**
 * Scores the repository scanner against the hand-labelled corpus in
 * ../shared/corpus/workflows: each file is scanned as its own repository, and
 * publishing, auth mode and publish lines are compared with labels.json.
 * Files whose auth is labelled `unclear` are not scored.
 *
 * Then `trustgate fix` runs on every file labelled as publishing with a token:
 * a fix counts as clean when the edited file parses, its rescan has no step
 * left that fails trusted-publishing, no publishing step was lost, and a
 * second run changes nothing. Refusals are listed with their reasons. An
 * unclean fix fails the check.
 *
 *   node --conditions=@trustgate/source --import tsx scripts/corpus-check.ts [--min 95] [--verbose]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { scanRepository } from '@trustgate/collectors';
import { fileDiff, needsTrustedPublishing, planFixes } from '@trustgate/fix';
import { parseDocument } from 'yaml';

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

// trustgate fix over the files that publish with a token.
const fixes = { clean: [] as string[], unclean: [] as string[], refused: [] as string[] };
for (const label of labels) {
  if (label.auth !== 'token' && label.auth !== 'oidc+token') continue;
  const name = label.file.split('__').slice(2).join('__');
  const dir = mkdtempSync(path.join(tmpdir(), 'trustgate-corpus-fix-'));
  const target = name === '.gitlab-ci.yml' ? name : path.join('.github/workflows', name);
  mkdirSync(path.dirname(path.join(dir, target)), { recursive: true });
  writeFileSync(path.join(dir, target), readFileSync(path.join(corpus, label.file)));
  try {
    const plan = await planFixes(dir);
    const file = plan.files[0];
    if (!file) {
      fixes.unclean.push(`${label.file}: nothing to fix was found`);
      continue;
    }
    if (file.status === 'refused') {
      fixes.refused.push(`${label.file}: ${file.reasons.join(' / ')}`);
      continue;
    }
    const before = (await scanRepository(dir)).workflows ?? [];
    writeFileSync(path.join(dir, target), file.after);
    const after = (await scanRepository(dir)).workflows ?? [];
    const again = await planFixes(dir);
    const problems = [
      parseDocument(file.after).errors.length > 0 ? 'the edited file does not parse' : '',
      after.some(needsTrustedPublishing) ? 'a step still fails trusted-publishing' : '',
      after.length < before.length ? `publishing steps went from ${before.length} to ${after.length}` : '',
      again.files.length > 0 ? 'a second run changes it again' : '',
    ].filter(Boolean);
    if (problems.length > 0) fixes.unclean.push(`${label.file}: ${problems.join('; ')}`);
    else fixes.clean.push(label.file);
    if (verbose) console.log(`${label.file}\n${fileDiff(file)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
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
const tried = fixes.clean.length + fixes.unclean.length + fixes.refused.length;
console.log(
  `trustgate fix on the ${tried} files that publish with a token: ${fixes.clean.length} fixed cleanly, ${fixes.refused.length} refused, ${fixes.unclean.length} unclean.`,
);
for (const r of fixes.refused) console.log(`  refused: ${r}`);
for (const u of fixes.unclean) console.log(`  UNCLEAN: ${u}`);
if (fixes.unclean.length > 0) failed = true;
console.log(
  failed
    ? `corpus-check: below the ${min}% goal, or a fix was not clean.`
    : `corpus-check: every figure at or above ${min}%, and every fix clean.`,
);
process.exit(failed ? 1 : 0);
