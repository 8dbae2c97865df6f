import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { TrustgateError } from '@trustgate/core';
import { helpOption, type OptionSpec, optionHelp, parseCommandArgs } from './args.js';
import { writeAtomic } from './output.js';
import { PINS, pinned } from './pins.js';
import { TOOL } from './tool.js';

/** The trustgate action at this release, as the starter workflow uses it. */
export const ACTION_REF = `trustgate/trustgate@v${TOOL.version}`;

const initOptions = {
  dir: { type: 'string', value: 'DIR', help: 'The repository to set up (default: the current folder).' },
  action: {
    type: 'string',
    value: 'REF',
    help: `The trustgate action the workflow uses (default: ${ACTION_REF}, this release).`,
  },
  force: { type: 'boolean', help: 'Overwrite files that already exist.' },
  help: helpOption,
} satisfies Record<string, OptionSpec>;

export const POLICY_FILE = 'trustgate.yaml';
export const WORKFLOW_FILE = '.github/workflows/trustgate.yml';

export function starterPolicy(name: string): string {
  return `# trustgate policy: the npm publishing rules this repository follows.
# Reference: https://github.com/trustgate/trustgate/blob/main/docs/policy.md
apiVersion: trustgate/v1
kind: Policy
name: ${JSON.stringify(name)}
extends:
  # Publishing steps use trusted publishing (OIDC) and attest provenance, and no
  # npm credential is committed. Use trustgate:recommended to check registry
  # facts too (tokens, 2FA, packages), or trustgate:strict for npm's defaults.
  - trustgate:repository
# rules:
#   publish-provenance: error
# exceptions:
#   - rule: trusted-publishing
#     subject: "workflow:.github/workflows/release.yml*"
#     reason: Moving to trusted publishing
#     ticket: SEC-123
#     expires: 2027-01-31
`;
}

export function starterWorkflow(action: string, branch: string): string {
  return `# Checks this repository's npm publishing against trustgate.yaml on pushes to
# ${branch}, on pull requests and weekly, and shows the findings in code scanning.
# Actions are pinned to full commits, with their release beside each.
name: trustgate

on:
  push:
    branches: [${JSON.stringify(branch)}]
  pull_request:
  schedule:
    - cron: "23 5 * * 1"

permissions:
  contents: read

jobs:
  trustgate:
    name: npm publishing policy
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write # upload the SARIF to code scanning
      actions: read # upload-sarif reads the workflow run, in private repositories
    steps:
      - uses: ${pinned(PINS.checkout)}
        with:
          persist-credentials: false
      # Checks the repository and uploads the SARIF (with ${pinned(PINS.uploadSarif).replace(' # ', ', ')}).
      - name: Check with trustgate
        uses: ${action}
        with:
          policy: ${POLICY_FILE}
          fail-on: error
`;
}

/** The repository's default branch: origin's HEAD, else the branch checked out, else main. */
export function defaultBranch(dir: string): string {
  for (const args of [
    ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'],
    ['symbolic-ref', '--quiet', '--short', 'HEAD'],
  ]) {
    const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
    const name = r.status === 0 ? r.stdout.trim().replace(/^origin\//, '') : '';
    if (/^[\w./-]+$/.test(name)) return name;
  }
  return 'main';
}

export function runInit(args: string[], io: { stdout: (s: string) => void }): number {
  const { values } = parseCommandArgs('init', args, initOptions);
  if (values.help) {
    io.stdout(
      `Usage: trustgate init [--dir DIR] [--action REF] [--force]\n\nWrites a starter ${POLICY_FILE} and ${WORKFLOW_FILE}.\n\n${optionHelp(initOptions)}\n`,
    );
    return 0;
  }
  const dir = path.resolve(values.dir ?? '.');
  if (!existsSync(dir))
    throw new TrustgateError('E_ARGS', `${values.dir}: Cannot set up: the folder does not exist.`);
  const files: [string, string][] = [
    [POLICY_FILE, starterPolicy(path.basename(dir))],
    [WORKFLOW_FILE, starterWorkflow(values.action ?? ACTION_REF, defaultBranch(dir))],
  ];
  const existing = files.filter(([f]) => existsSync(path.join(dir, f))).map(([f]) => f);
  if (existing.length > 0 && !values.force) {
    throw new TrustgateError(
      'E_EXISTS',
      `${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written. Use --force to overwrite.`,
    );
  }
  for (const [file, text] of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeAtomic(path.join(dir, file), text);
    io.stdout(`Wrote ${file}\n`);
  }
  io.stdout('Commit both files. The workflow uploads its findings to code scanning (Security tab).\n');
  return 0;
}
