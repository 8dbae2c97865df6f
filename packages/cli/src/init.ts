import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { TrustgateError } from '@trustgate/core';
import { helpOption, type OptionSpec, optionHelp, parseCommandArgs } from './args.js';
import { writeAtomic } from './output.js';

const initOptions = {
  dir: { type: 'string', value: 'DIR', help: 'The repository to set up (default: the current folder).' },
  action: {
    type: 'string',
    value: 'REF',
    help: 'The trustgate action the workflow uses (default: trustgate/trustgate@v1).',
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

export function starterWorkflow(action: string): string {
  return `# Checks this repository's npm publishing against trustgate.yaml on every push
# and pull request, and weekly, and shows the findings in code scanning.
name: trustgate

on:
  push:
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
      security-events: write
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - name: Check with trustgate
        uses: ${action}
        with:
          policy: ${POLICY_FILE}
          fail-on: error
          sarif: trustgate.sarif
          upload: "false"
      - name: Upload to code scanning
        if: \${{ !cancelled() && hashFiles('trustgate.sarif') != '' }}
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: trustgate.sarif
          category: trustgate
`;
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
    [WORKFLOW_FILE, starterWorkflow(values.action ?? 'trustgate/trustgate@v1')],
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
