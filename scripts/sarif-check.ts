/**
 * CI check of the SARIF trustgate writes, on the bundled example and on two
 * scanned repositories:
 *   1. against the SARIF 2.1.0 JSON Schema in ../shared/schemas (ajv + ajv-formats);
 *   2. with Microsoft's SARIF multitool, `validate --rule-kind "Ghas;Sarif"`
 *      (GitHub Advanced Security's ingestion rules and the SARIF spec's).
 * Exits 1 if either reports a problem. Needs a build (`pnpm run build`).
 *
 *   node --import tsx scripts/sarif-check.ts
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import * as formats from 'ajv-formats';
import { checkArgs, EXAMPLE } from './check-args.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const BIN = path.join(ROOT, 'packages/cli/bin/trustgate.js');
const SCHEMA = path.resolve(ROOT, '../shared/schemas/sarif-2.1.0.json');
const TOOL_DIR = path.join(ROOT, '.tmp/multitool');
const MULTITOOL_VERSION = '5.7.0';
const work = mkdtempSync(path.join(tmpdir(), 'trustgate-sarif-'));
let failed = false;

function run(args: string[], cwd: string): void {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  if (r.status !== 0 && r.status !== 1)
    throw new Error(`trustgate ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
}

function repo(name: string, files: Record<string, string>): string {
  const dir = path.join(work, name);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

// 1. The SARIF files to check.
const logs: string[] = [];
run(checkArgs(EXAMPLE.policy, EXAMPLE.facts, `sarif=${path.join(work, 'acme.sarif')}`), ROOT);
logs.push(path.join(work, 'acme.sarif'));
const tokenRepo = repo('token-repo', {
  'package.json': JSON.stringify({ name: '@acme/widget' }),
  '.npmrc': '_auth=${LEGACY}\n',
  '.github/workflows/release.yml':
    'on: push\njobs:\n  publish:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm publish\n        env:\n          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}\n',
});
run(['check', '--format', 'sarif=scan.sarif'], tokenRepo);
logs.push(path.join(tokenRepo, 'scan.sarif'));
// Its trusted-publishing finding carries `trustgate fix`'s edit: the validators see `fixes` too.
if (!readFileSync(path.join(tokenRepo, 'scan.sarif'), 'utf8').includes('"fixes"')) {
  console.error("sarif-check: the scanned repository's SARIF has no fixes to validate.");
  process.exitCode = 1;
}
const cleanRepo = repo('clean-repo', { 'package.json': JSON.stringify({ name: 'clean' }) });
run(['check', '--format', 'sarif=clean.sarif'], cleanRepo);
logs.push(path.join(cleanRepo, 'clean.sarif'));

// 2. The JSON Schema.
if (existsSync(SCHEMA)) {
  const ajv = new Ajv({ allErrors: true, strict: false });
  (formats.default as unknown as (a: Ajv) => void)(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
  for (const file of logs) {
    if (validate(JSON.parse(readFileSync(file, 'utf8'))))
      console.log(`schema: ${path.basename(file)} is valid SARIF 2.1.0.`);
    else {
      failed = true;
      console.log(`schema: ${path.basename(file)}: ${ajv.errorsText(validate.errors)}`);
    }
  }
} else {
  console.log(`schema: ${SCHEMA} is missing; schema validation skipped.`);
}

// 3. The multitool. It ships as a .NET binary inside an npm package.
const binary = path.join(TOOL_DIR, 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');
if (!existsSync(binary)) {
  execFileSync(
    'npm',
    [
      'install',
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--prefix',
      TOOL_DIR,
      `@microsoft/sarif-multitool@${MULTITOOL_VERSION}`,
    ],
    {
      stdio: 'inherit',
    },
  );
}
chmodSync(binary, 0o755); // the package loses the run bit on install
for (const file of logs) {
  const out = `${file}.validation.sarif`;
  const r = spawnSync(binary, ['validate', '--rule-kind', 'Ghas;Sarif', '--output', out, file], {
    encoding: 'utf8',
    env: { ...process.env, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1' },
  });
  // The multitool exits 0 even when it finds problems: its output log is the verdict.
  if (!existsSync(out)) {
    failed = true;
    console.log(`multitool: no output for ${path.basename(file)} (exit ${r.status}): ${r.stdout}${r.stderr}`);
    continue;
  }
  const results = (JSON.parse(readFileSync(out, 'utf8')).runs?.[0]?.results ?? []) as {
    level?: string;
    ruleId: string;
    message: { id?: string; arguments?: string[]; text?: string };
  }[];
  const problems = results.filter(
    (x) => x.level === 'error' || x.level === 'warning' || x.level === undefined,
  );
  if (problems.length === 0)
    console.log(`multitool: ${path.basename(file)}: no errors or warnings (Ghas;Sarif).`);
  for (const p of problems) {
    failed = true;
    console.log(
      `multitool: ${path.basename(file)}: ${p.level ?? 'warning'} ${p.ruleId} ${p.message.id ?? ''} ${(p.message.arguments ?? []).join(' | ')}`,
    );
  }
}

rmSync(work, { recursive: true, force: true });
console.log(failed ? 'sarif-check: problems found.' : 'sarif-check: every SARIF file passed.');
process.exit(failed ? 1 : 0);
