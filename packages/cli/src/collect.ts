import { scanRepository } from '@trustgate/collectors';
import { checkFacts, type LoadedFacts, TrustgateError } from '@trustgate/core';
import { type OptionSpec, optionHelp, parseCommandArgs } from './args.js';
import { writeAtomic } from './output.js';

export const collectOptions = {
  repo: { type: 'string', value: 'DIR', help: 'The repository to scan (default: the current folder).' },
  output: {
    type: 'string',
    short: 'o',
    value: 'FILE',
    help: 'Write the facts to FILE (default: standard output).',
  },
  help: { type: 'boolean', short: 'h', help: 'Show this help.' },
} satisfies Record<string, OptionSpec>;

export const COLLECT_USAGE = `Usage: trustgate collect [--repo DIR] [-o FILE]

Scans a repository's CI workflows (GitHub Actions, GitLab CI, CircleCI),
.npmrc files and package.json files, and writes the facts as JSON. Token
values are never written: a credential is recorded as literal, env or empty.

${optionHelp(collectOptions)}

Exit codes: 0 collected (problems with single files are recorded in the facts),
2 bad input (the folder cannot be read), 3 nothing could be collected.`;

/** Scan a repository into validated facts. A folder that cannot be scanned is bad input. */
export async function collectRepository(dir: string): Promise<LoadedFacts> {
  let facts: Awaited<ReturnType<typeof scanRepository>>;
  try {
    facts = await scanRepository(dir);
  } catch (error) {
    if (error instanceof Error && error.constructor.name === 'RepositoryError') {
      throw new TrustgateError('E_REPO', error.message);
    }
    throw error;
  }
  return checkFacts(facts, `facts of ${dir}`);
}

export async function runCollect(args: string[], io: { stdout: (s: string) => void }): Promise<number> {
  const { values } = parseCommandArgs('collect', args, collectOptions);
  if (values.help) {
    io.stdout(`${COLLECT_USAGE}\n`);
    return 0;
  }
  const facts = await collectRepository(values.repo ?? '.');
  const json = `${JSON.stringify(facts, null, 2)}\n`;
  if (values.output) writeAtomic(values.output, json);
  else io.stdout(json);
  return 0;
}
