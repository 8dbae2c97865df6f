// Only the error helpers: `--version` and `--help` need nothing else of core.
import { describeError, didYouMean, TrustgateError, terminalSafe } from '@trustgate/core/errors';
import { removePending } from './output.js';
import { handleSignals } from './signals.js';
import { TOOL } from './tool.js';

const USAGE = `Usage: trustgate <command> [options]

Commands:
  check    Evaluate a policy over facts (or a scan of this repository) and report the findings.
  collect  Scan a repository and write its facts as JSON.
  explain  Show the effective policy and which file and line set each value.
  fix      Move this repository's npm publishing to trusted publishing (prints a diff; --write applies it).
  init     Write a starter trustgate.yaml and GitHub Actions workflow.
  test     Run policy tests (*.test.yaml).
  rules    List the built-in rules.

Run "trustgate <command> --help" (or "trustgate help <command>") for a command's options.
Exit codes: 0 pass, 1 findings at or above --fail-on, 2 bad input, 3 a rule or reporter failed,
4 a source could not be collected at all, 130 stopped by SIGINT, 143 stopped by SIGTERM.`;

const COMMANDS = ['check', 'collect', 'explain', 'fix', 'init', 'rules', 'test'];

/** Runs one command and returns its exit code. Never throws; never prints a stack trace. */
export async function main(argv: string[]): Promise<number> {
  const stdout = (s: string | Uint8Array) => process.stdout.write(s);
  const stderr = (s: string) => process.stderr.write(s);
  const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '';
  const color = !noColor && (Boolean(process.stdout.isTTY) || (process.env.FORCE_COLOR ?? '0') !== '0');
  // SIGINT and SIGTERM end the run: 130 and 143, temporary files removed, no report in place.
  const unhandle = handleSignals(stderr, removePending);
  // A reader that stops early (`trustgate rules | head -1`) closes the pipe: that ends the run
  // quietly, as it would for any Unix tool, without a stack trace.
  const closedPipe = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    removePending();
    process.exit(0);
  };
  process.stdout.on('error', closedPipe);
  process.stderr.on('error', closedPipe);
  let [command, ...args] = argv;
  if (command === 'help' && args.length > 0 && COMMANDS.includes(args[0]!)) {
    command = args[0];
    args = ['--help'];
  }
  try {
    switch (command) {
      case 'check':
        // Each command loads what it needs, and only that: start-up stays short.
        return await (await import('./check.js')).runCheck(args, { stdout, stderr, color });
      case 'collect':
        return await (await import('./collect.js')).runCollect(args, { stdout, stderr });
      case 'explain':
        return await (await import('./explain.js')).runExplain(args, { stdout });
      case 'fix':
        return await (await import('./fix.js')).runFix(args, { stdout, stderr });
      case 'test':
        return await (await import('./test-cmd.js')).runTest(args, { stdout, color });
      case 'init':
        return (await import('./init.js')).runInit(args, { stdout });
      case 'rules':
        return (await import('./rules-cmd.js')).runRules(args, { stdout });
      case '--version':
      case '-v':
      case '-V':
        stdout(`${TOOL.version}\n`);
        return 0;
      case undefined:
        stderr(`${USAGE}\n`);
        return 2;
      case '--help':
      case '-h':
      case 'help':
        stdout(`${USAGE}\n`);
        return 0;
      default:
        throw new TrustgateError(
          'E_ARGS',
          `Unknown command "${command}".${didYouMean(command, COMMANDS) || ` Commands: ${COMMANDS.join(', ')}.`}`,
        );
    }
  } catch (error) {
    if (error instanceof TrustgateError) {
      // A message quotes input (file names, keys, values): each line is shown terminal-safe.
      for (const line of error.message.split('\n')) stderr(`trustgate: ${terminalSafe(line)}\n`);
      return error.exitCode;
    }
    stderr(`trustgate: internal error: ${terminalSafe(describeError(error))}\n`);
    if (process.env.TRUSTGATE_DEBUG) stderr(`${error instanceof Error ? error.stack : ''}\n`);
    return 3;
  } finally {
    // The listeners stay: a closed pipe is reported after the last write returns.
    unhandle();
  }
}
