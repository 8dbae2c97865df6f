/**
 * Scores the repository scanner against real repositories labelled by hand
 * before the scanner was run on them (corpus/labels/*.yaml, format in
 * corpus/README.md), in the two parts of a random split made once
 * (corpus/split.json): `tune`, which may be looked at while changing the
 * scanner, and `heldout`, whose failures are not to be looked at.
 *
 * The labels are this project's own work. The pruned trees they describe
 * (CI files, manifests, .npmrc files and the scripts on publish paths) come
 * from public repositories and are not committed: give their folder with
 * --trees (default: $TRUSTGATE_CORPUS_TREES, else ../corpus-work/trees).
 * corpus/trees-manifest.json lists each tree's files, taken from the
 * repository at the labelled commit.
 *
 * For each part it reports:
 *   - repositories that publish, found (at least one step);
 *   - repositories reported as publishing that do not (repository precision);
 *   - publishing steps found (step recall) and steps reported that are not
 *     publishing steps (step precision); a label step matches a reported step
 *     in the same file and job, nearest line first;
 *   - auth class agreement on matched steps (labels of `unknown` auth are not scored);
 *   - every repository that publishes to npmjs with a token and passes the
 *     default `trustgate check` (exit 0): the worst answer the gate can give.
 *
 *   node --conditions=@trustgate/source --import tsx scripts/corpus-real.ts [--trees DIR] [--part tune|heldout|both] [--verbose] [--json]
 *
 * Exits 0 after a report, 2 when there is nothing to score.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { scanRepository } from '@trustgate/collectors';
import { parse } from 'yaml';

interface LabelStep {
  file: string;
  job: string;
  line: number;
  tool: string;
  registry: string;
  auth: string;
  tokenNames?: string[];
  provenance?: boolean | string;
}
interface Label {
  repo: string;
  commit: string;
  publishes: boolean;
  category: string;
  steps: LabelStep[];
}
interface Step {
  file: string;
  job: string;
  line: number;
  registry: string;
  auth: string;
}

const ROOT = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
const trees = path.resolve(
  option('--trees') ?? process.env.TRUSTGATE_CORPUS_TREES ?? path.join(ROOT, '../corpus-work/trees'),
);
const parts = (option('--part') ?? 'both') === 'both' ? ['tune', 'heldout'] : [option('--part')!];
const verbose = args.includes('--verbose');
const asJson = args.includes('--json');
const BIN = path.join(ROOT, 'packages/cli/bin/trustgate.js');

if (!existsSync(trees)) {
  console.error(
    `corpus-real: no trees at ${trees}; give --trees DIR (see corpus/README.md). Nothing to score.`,
  );
  process.exit(2);
}
const split = JSON.parse(readFileSync(path.join(ROOT, 'corpus/split.json'), 'utf8')) as Record<
  string,
  string[]
>;
const labelDir = path.join(ROOT, 'corpus/labels');

function authClass(auth: { oidc: boolean; tokenSecrets: string[]; tokenEnv: string[] }): string {
  const token = auth.tokenSecrets.length > 0 || auth.tokenEnv.length > 0;
  return auth.oidc && token ? 'oidc+token' : auth.oidc ? 'oidc' : token ? 'token' : 'none';
}

function registryClass(url: string): string {
  try {
    const host = new URL(url).hostname;
    if (host === 'registry.npmjs.org') return 'npmjs';
    if (host === 'npm.pkg.github.com') return 'github-packages';
    if (host === 'localhost' || host.startsWith('127.')) return 'local';
    return `other:${url}`;
  } catch {
    return 'unknown';
  }
}

/** Pairs label steps with reported ones: same file and job, nearest line first. */
function match(
  labelled: LabelStep[],
  reported: Step[],
): { found: [LabelStep, Step][]; missed: LabelStep[]; extra: Step[] } {
  const free = new Set(reported);
  const found: [LabelStep, Step][] = [];
  const missed: LabelStep[] = [];
  const pairs: [number, LabelStep, Step][] = [];
  for (const l of labelled)
    for (const r of reported)
      if (r.file === l.file && r.job === l.job) pairs.push([Math.abs(r.line - l.line), l, r]);
  pairs.sort((a, b) => a[0] - b[0]);
  const done = new Set<LabelStep>();
  for (const [, l, r] of pairs) {
    if (done.has(l) || !free.has(r)) continue;
    done.add(l);
    free.delete(r);
    found.push([l, r]);
  }
  for (const l of labelled) if (!done.has(l)) missed.push(l);
  return { found, missed, extra: [...free] };
}

const report: Record<string, unknown> = {};
for (const part of parts) {
  const names = split[part] ?? [];
  const m = {
    repos: 0,
    publishing: 0,
    publishingFound: 0,
    reportedPublishing: 0,
    reportedPublishingRight: 0,
    labelSteps: 0,
    reportedSteps: 0,
    matched: 0,
    authScored: 0,
    authAgree: 0,
    missingTrees: [] as string[],
    tokenPasses: [] as string[],
    notes: [] as string[],
  };
  for (const name of names) {
    const dir = path.join(trees, name);
    if (!existsSync(dir)) {
      m.missingTrees.push(name);
      continue;
    }
    m.repos++;
    const label = parse(readFileSync(path.join(labelDir, `${name}.yaml`), 'utf8')) as Label;
    const labelled = (label.steps ?? []).filter((s) => s.registry !== 'local');
    const facts = await scanRepository(dir, { now: new Date('2026-12-01T00:00:00Z') });
    const reported: Step[] = (facts.workflows ?? [])
      .filter((s) => registryClass(s.registry) !== 'local')
      .map((s) => ({
        file: s.file,
        job: s.job,
        line: s.origin?.line ?? 0,
        registry: registryClass(s.registry),
        auth: authClass(s.auth),
      }));
    if (label.publishes) m.publishing++;
    if (label.publishes && reported.length > 0) m.publishingFound++;
    if (reported.length > 0) {
      m.reportedPublishing++;
      if (label.publishes) m.reportedPublishingRight++;
    }
    const { found, missed, extra } = match(labelled, reported);
    m.labelSteps += labelled.length;
    m.reportedSteps += reported.length;
    m.matched += found.length;
    for (const [l, r] of found) {
      if (l.auth === 'unknown') continue;
      m.authScored++;
      if (l.auth === r.auth) m.authAgree++;
      else if (verbose && part === 'tune')
        m.notes.push(`${name}: ${l.file}:${l.line} auth ${l.auth}, reported ${r.auth}`);
    }
    if (verbose && part === 'tune') {
      for (const l of missed) m.notes.push(`${name}: missed ${l.file}:${l.line} (job ${l.job}, ${l.tool})`);
      for (const r of extra)
        m.notes.push(`${name}: reported ${r.file}:${r.line} (job ${r.job}), not a labelled step`);
    }
    // The worst answer: a repository that publishes to npmjs with a token, and the default check passes.
    const tokenToNpmjs = labelled.some(
      (s) =>
        s.registry === 'npmjs' && (s.auth === 'token' || s.auth === 'oidc+token' || s.auth === 'unknown'),
    );
    if (tokenToNpmjs) {
      const run = spawnSync(process.execPath, [BIN, 'check', '--repo', dir, '--format', 'json'], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
        timeout: 60_000,
      });
      if (run.status === 0) m.tokenPasses.push(name);
    }
  }
  const pct = (a: number, b: number) => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
  const row = {
    repositories: m.repos,
    'repositories that publish, found': `${m.publishingFound}/${m.publishing} (${pct(m.publishingFound, m.publishing)})`,
    'repository precision': `${m.reportedPublishingRight}/${m.reportedPublishing} (${pct(m.reportedPublishingRight, m.reportedPublishing)})`,
    'step recall': `${m.matched}/${m.labelSteps} (${pct(m.matched, m.labelSteps)})`,
    'step precision': `${m.matched}/${m.reportedSteps} (${pct(m.matched, m.reportedSteps)})`,
    'auth agreement': `${m.authAgree}/${m.authScored} (${pct(m.authAgree, m.authScored)})`,
    'publish to npmjs with a token and pass check': m.tokenPasses.length,
  };
  report[part] = {
    ...row,
    tokenPasses: part === 'tune' || !verbose ? m.tokenPasses : m.tokenPasses.length,
    missingTrees: m.missingTrees,
  };
  if (!asJson) {
    console.log(`\n## ${part} (${names.length} repositories)\n`);
    console.log('| measure | value |\n|---|---|');
    for (const [k, v] of Object.entries(row)) console.log(`| ${k} | ${v} |`);
    if (m.tokenPasses.length > 0 && part === 'tune')
      console.log(`\nToken publishers that pass: ${m.tokenPasses.join(', ')}`);
    if (m.missingTrees.length > 0) console.log(`\nNo tree for: ${m.missingTrees.join(', ')}`);
    if (m.notes.length > 0) console.log(`\n${m.notes.map((n) => `- ${n}`).join('\n')}`);
  }
}
if (asJson) console.log(JSON.stringify(report, null, 2));
