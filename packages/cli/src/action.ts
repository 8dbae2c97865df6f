/**
 * The GitHub Action's entry point (`action.yml` runs it from the committed
 * bundle in `action/`, built by `scripts/build-action.mjs`): it reads the
 * inputs as GitHub passes them (`INPUT_*`), decides which plugins may load,
 * runs `trustgate check` in this process, and writes the step's outputs
 * (`GITHUB_OUTPUT`) and summary (`GITHUB_STEP_SUMMARY`).
 *
 * It installs nothing and changes nothing outside the checked folder; the Node
 * it runs on is the runner's, left as it was for the caller's later steps.
 * Its own exit code is 0 when the check ran (the action's last step gates on
 * the `exit-code` output, after the SARIF upload), and 2 when an input is bad.
 */
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { terminalSafe } from '@trustgate/core/errors';
import { decidePlugins } from './action-plugins.js';
import { main } from './main.js';

type Env = Record<string, string | undefined>;

/** An input as GitHub passes it to a JavaScript action (`INPUT_FAIL-ON`), or as a composite step's env (`INPUT_FAIL_ON`). */
export function getInput(env: Env, name: string): string {
  const key = `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
  return (env[key] ?? env[key.replace(/-/g, '_')] ?? '').trim();
}

const LEVELS = ['error', 'warning', 'note', 'never'];

export interface ActionIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** Runs the action; returns the process exit code (0 when the check ran, whatever it found). */
export async function runAction(
  env: Env,
  io: ActionIo,
  run: (argv: string[]) => Promise<number> = main,
): Promise<number> {
  const bad = (message: string): number => {
    io.stderr(`trustgate: ${message}\n`);
    // GitHub shows this line as an error annotation on the run.
    io.stdout(
      `::error title=trustgate::${message.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}\n`,
    );
    return 2;
  };
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20)
    return bad(
      `The trustgate action needs Node.js 20 or later on the runner; this one has ${process.version}.`,
    );

  const workspace = env.GITHUB_WORKSPACE || process.cwd();
  const workingDirectory = getInput(env, 'working-directory') || '.';
  const dir = path.resolve(workspace, workingDirectory);
  if (!existsSync(dir))
    return bad(`working-directory "${workingDirectory}" does not exist in the workspace.`);
  const failOn = getInput(env, 'fail-on') || 'error';
  if (!LEVELS.includes(failOn)) return bad(`fail-on is "${failOn}"; use one of ${LEVELS.join(', ')}.`);
  const sarif = getInput(env, 'sarif') || 'trustgate.sarif';
  const policy = getInput(env, 'policy');
  const omitWaived = (getInput(env, 'omit-waived') || 'true') === 'true';
  const pluginsInput = getInput(env, 'plugins') || 'auto';

  const decision =
    pluginsInput === 'auto'
      ? decidePlugins(env, dir, policy || 'trustgate.yaml')
      : { plugins: pluginsInput, reason: '' };
  // The reason names a file of the pull request: terminal-safe, it cannot start a workflow command in the log.
  if (decision.plugins === 'none' && decision.reason)
    io.stdout(
      `trustgate: plugins are refused for this pull request (--plugins none): ${terminalSafe(decision.reason)}.\n`,
    );

  const args = [
    'check',
    '--repo',
    dir,
    '--fail-on',
    failOn,
    '--format',
    'text',
    '--format',
    `sarif=${path.resolve(dir, sarif)}`,
  ];
  if (env.GITHUB_STEP_SUMMARY) args.push('--format', `markdown=${env.GITHUB_STEP_SUMMARY}`);
  if (policy) args.push('--policy', path.resolve(dir, policy));
  if (omitWaived) args.push('--omit-waived');
  args.push('--plugins', decision.plugins);
  for (const line of getInput(env, 'formats').split('\n')) {
    const format = line.trim();
    if (format) args.push('--format', format);
  }

  // The SARIF's folder, so that `sarif: reports/trustgate.sarif` works as written.
  mkdirSync(path.dirname(path.resolve(dir, sarif)), { recursive: true });
  const cwd = process.cwd();
  process.chdir(dir);
  let code: number;
  try {
    code = await run(args);
  } finally {
    process.chdir(cwd);
  }
  if (env.GITHUB_OUTPUT) {
    appendFileSync(env.GITHUB_OUTPUT, `exit-code=${code}\nsarif=${path.join(workingDirectory, sarif)}\n`);
  }
  return 0;
}
