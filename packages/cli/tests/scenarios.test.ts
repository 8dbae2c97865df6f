/**
 * Golden CLI scenarios, one YAML file each in scenarios/: the files, the
 * command, and the exact stdout, stderr, exit code and files written. The real
 * bin runs as a child process (build first: `pnpm run build`).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ROOT, runCli } from './helpers.ts';

const DIR = new URL('scenarios/', import.meta.url);

interface Scenario {
  name: string;
  /** `repo`: run in the repository root; otherwise a fresh temporary folder holding `files`. */
  cwd?: 'repo' | 'temp';
  files?: Record<string, string>;
  args: string[];
  env?: Record<string, string>;
  exitCode: number;
  stdout?: string;
  stderr?: string;
  /** Files the command must write (relative to cwd): their exact text, or the keys of their JSON. */
  outputs?: Record<string, string | { jsonKeys: string[] }>;
  /** Strings (secrets) that must appear in no output: stdout, stderr or any file written. */
  mustNotContain?: string[];
  /** Files that must exist afterwards. */
  present?: string[];
  /** Files that must not exist afterwards. */
  absent?: string[];
}

describe('CLI scenarios', () => {
  for (const file of readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    const scenario = parse(readFileSync(new URL(file, DIR), 'utf8')) as Scenario;
    it(`${file}: ${scenario.name}`, () => {
      let cwd = ROOT;
      let temp: string | undefined;
      if (scenario.cwd !== 'repo') {
        temp = mkdtempSync(path.join(tmpdir(), 'trustgate-cli-'));
        cwd = temp;
        for (const [name, content] of Object.entries(scenario.files ?? {})) {
          const target = path.join(temp, name);
          mkdirSync(path.dirname(target), { recursive: true });
          writeFileSync(target, content.replaceAll('{{root}}', ROOT));
        }
      }
      try {
        const args = scenario.args.map((a) => a.replaceAll('{{root}}', ROOT));
        const run = runCli(args, cwd, scenario.env);
        assert.equal(run.error, undefined);
        const detail = `\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
        if (scenario.stdout !== undefined) assert.equal(run.stdout, scenario.stdout, `stdout${detail}`);
        if (scenario.stderr !== undefined) assert.equal(run.stderr, scenario.stderr, `stderr${detail}`);
        assert.equal(run.status, scenario.exitCode, `exit code${detail}`);
        assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
        for (const [name, expected] of Object.entries(scenario.outputs ?? {})) {
          const written = readFileSync(path.join(cwd, name), 'utf8');
          if (typeof expected === 'string') assert.equal(written, expected, `${name}`);
          else assert.deepEqual(Object.keys(JSON.parse(written)), expected.jsonKeys, `${name}`);
        }
        for (const name of scenario.present ?? []) {
          assert.ok(readFileSync(path.join(cwd, name), 'utf8').length > 0, `${name} must be written`);
        }
        for (const name of scenario.absent ?? []) {
          assert.throws(
            () => readFileSync(path.join(cwd, name)),
            { code: 'ENOENT' },
            `${name} must not exist`,
          );
        }
        for (const secret of scenario.mustNotContain ?? []) {
          assert.ok(
            !run.stdout.includes(secret) && !run.stderr.includes(secret),
            `${secret} leaked to the console`,
          );
          for (const name of [...Object.keys(scenario.outputs ?? {}), ...(scenario.present ?? [])]) {
            assert.ok(
              !readFileSync(path.join(cwd, name), 'utf8').includes(secret),
              `${secret} leaked into ${name}`,
            );
          }
        }
        if (temp)
          assert.deepEqual(
            readdirSync(temp).filter((f) => f.endsWith('.tmp')),
            [],
            'no temporary files left',
          );
      } finally {
        if (temp) rmSync(temp, { recursive: true, force: true });
      }
    });
  }
});
