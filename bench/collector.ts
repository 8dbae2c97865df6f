/**
 * Repository collector benchmark. Builds a synthetic monorepo (2,000 packages,
 * 500 workflows, 200 .npmrc files), then times, alternating in one process:
 *
 *   baseline   fast-glob for the same files + reading them + yaml.parse / JSON.parse
 *   trustgate  scanRepository() on the same folder
 *
 * and reports the median of each and their ratio. Goal: at most 1.5x.
 *
 *   pnpm run bench:collector [--runs 9]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanRepository } from '@trustgate/collectors';
import fg from 'fast-glob';
import { parse as parseYaml } from 'yaml';

const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 9) || 9;
const PACKAGES = 2000;
const WORKFLOWS = 500;
const NPMRCS = 200;

function workflow(i: number): string {
  const kind = i % 5;
  const auth =
    kind === 0
      ? 'permissions:\n  id-token: write\n  contents: read\n'
      : kind === 1
        ? 'env:\n  NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n'
        : '';
  const publish =
    kind === 2
      ? `      - uses: changesets/action@v1\n        with:\n          publish: pnpm release\n        env:\n          NPM_TOKEN: \${{ secrets.NPM_TOKEN }}\n`
      : kind === 3
        ? '      - run: |\n          echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > ~/.npmrc\n          pnpm -r publish --provenance\n        env:\n          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n'
        : '      - run: npm publish --provenance --access public\n';
  return `name: workflow ${i}
on:
  push:
    branches: [main]
${auth}x-setup: &setup
  - uses: actions/checkout@v4
  - uses: actions/setup-node@v4
    with:
      node-version: 22
      registry-url: https://registry.npmjs.org
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [20, 22, 24]
    steps:
      - uses: actions/checkout@v4
      - run: pnpm install --frozen-lockfile
      - run: pnpm lint && pnpm test -- --coverage
  release:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 22
          registry-url: https://registry.npmjs.org
      - run: pnpm install --frozen-lockfile
      - run: pnpm build
${publish}`;
}

function build(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trustgate-bench-repo-'));
  const w = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  w('package.json', JSON.stringify({ name: 'mono', private: true, workspaces: ['packages/*'] }, null, 2));
  for (let i = 0; i < PACKAGES; i++) {
    w(
      `packages/pkg-${i}/package.json`,
      JSON.stringify(
        {
          name: `@bench/pkg-${i}`,
          version: '1.0.0',
          repository: { type: 'git', url: 'https://github.com/bench/mono.git' },
          publishConfig: { access: 'public', provenance: i % 2 === 0 },
          scripts: { build: 'tsc -b', test: 'node --test' },
        },
        null,
        2,
      ),
    );
  }
  for (let i = 0; i < WORKFLOWS; i++) w(`.github/workflows/wf-${i}.yml`, workflow(i));
  for (let i = 0; i < NPMRCS; i++) {
    w(
      `packages/pkg-${i * 10}/.npmrc`,
      `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=\${NPM_TOKEN}\n`,
    );
  }
  return dir;
}

async function baseline(dir: string): Promise<number> {
  const opts = { cwd: dir, dot: true, ignore: ['**/node_modules/**', '**/.git/**'] };
  const [ci, npmrc, manifests] = await Promise.all([
    fg(
      ['.github/workflows/*.yml', '.github/workflows/*.yaml', '.gitlab-ci.yml', '.circleci/config.yml'],
      opts,
    ),
    fg(['**/.npmrc'], opts),
    fg(['package.json', 'packages/*/package.json'], opts),
  ]);
  let n = 0;
  for (const f of ci) n += parseYaml(readFileSync(path.join(dir, f), 'utf8')) ? 1 : 0;
  for (const f of npmrc) n += readFileSync(path.join(dir, f), 'utf8').length > 0 ? 1 : 0;
  for (const f of manifests) n += JSON.parse(readFileSync(path.join(dir, f), 'utf8')) ? 1 : 0;
  return n;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const dir = build();
try {
  const timesBase: number[] = [];
  const timesScan: number[] = [];
  let steps = 0;
  // One warm-up of each, then alternate so that both see the same cache and JIT state.
  await baseline(dir);
  await scanRepository(dir);
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const files = await baseline(dir);
    timesBase.push(performance.now() - t);
    t = performance.now();
    const facts = await scanRepository(dir);
    timesScan.push(performance.now() - t);
    steps = facts.workflows?.length ?? 0;
    if (files !== 1 + PACKAGES + WORKFLOWS + NPMRCS) throw new Error(`baseline read ${files} files`);
  }
  const b = median(timesBase);
  const s = median(timesScan);
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)} ms`;
  const report = [
    `Synthetic monorepo: ${PACKAGES} packages, ${WORKFLOWS} workflows, ${NPMRCS} .npmrc files; ${steps} publishing steps found.`,
    `Machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${runs} alternating runs after one warm-up each.`,
    `  baseline (fast-glob + read + yaml.parse/JSON.parse): median ${b.toFixed(0)} ms (${spread(timesBase)})`,
    `  trustgate scanRepository:                          median ${s.toFixed(0)} ms (${spread(timesScan)})`,
    `  ratio: ${(s / b).toFixed(2)}x (goal: at most 1.5x)`,
  ].join('\n');
  console.log(report);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
