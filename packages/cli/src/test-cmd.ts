import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { runPolicyTestFile, TrustgateError, terminalSafe } from '@trustgate/core';
import { createColors } from 'picocolors';
import { helpOption, type OptionSpec, optionHelp, parseCommandArgs, pluginsOption } from './args.js';
import { policyLoadOptions } from './setup.js';

const testOptions = {
  plugins: pluginsOption('Which plugins the policies may load (as for check).'),
  help: helpOption,
} satisfies Record<string, OptionSpec>;

/** Every `*.test.yaml` below a folder (or the file itself), sorted; node_modules is skipped. */
export function findTestFiles(target: string): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(target);
  } catch {
    throw new TrustgateError('E_ARGS', `${target}: Cannot run policy tests: it does not exist.`);
  }
  // Anything but a folder is read as a test file: the reader refuses a FIFO or a device with a sentence.
  if (!st.isDirectory()) return [target];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && entry.name.endsWith('.test.yaml')) out.push(full);
    }
  };
  walk(target);
  return out.sort();
}

/** `trustgate test [DIR]`: 0 when every case passes, 1 when one fails, 2 for an invalid test file or policy. */
export async function runTest(
  args: string[],
  io: { stdout: (s: string) => void; color: boolean },
): Promise<number> {
  const { values, positionals } = parseCommandArgs('test', args, testOptions, 1);
  if (values.help) {
    io.stdout(
      `Usage: trustgate test [DIR]\n\nRuns every *.test.yaml below DIR (default: the current folder): each case's facts\nagainst the policy the file names, and compares the findings with the case's "expect".\n\n${optionHelp(testOptions)}\n`,
    );
    return 0;
  }
  const c = createColors(io.color);
  const cwd = process.cwd();
  const files = findTestFiles(positionals[0] ?? '.');
  if (files.length === 0)
    throw new TrustgateError('E_ARGS', `No *.test.yaml files below ${positionals[0] ?? '.'}.`);
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const result = await runPolicyTestFile(path.resolve(file), {
      ...policyLoadOptions(cwd, values.plugins),
      cwd,
    });
    // File names, case names and differences come from the tests: shown terminal-safe.
    io.stdout(`${c.bold(terminalSafe(result.file))}\n`);
    for (const r of result.cases) {
      if (r.passed) {
        passed++;
        io.stdout(`  ${c.green('✔')} ${terminalSafe(r.name)}\n`);
      } else {
        failed++;
        io.stdout(`  ${c.red('✖')} ${terminalSafe(r.name)}\n`);
        for (const d of r.differences) io.stdout(`      ${terminalSafe(d)}\n`);
      }
    }
  }
  io.stdout(`\n${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}
