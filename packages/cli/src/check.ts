import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  type AnyRule,
  compareWithBaseline,
  describeError,
  didYouMean,
  type EffectivePolicy,
  evaluate,
  exitCodeFor,
  INPUT_LIMITS,
  type Level,
  loadFactsFile,
  loadPolicy,
  mergeFacts,
  moduleDefault,
  parseDateOrDateTime,
  type ReportData,
  type Reporter,
  type RunResult,
  readFactsFile,
  readInputTextSync,
  summarize,
  TrustgateError,
  terminalSafe,
} from '@trustgate/core';
import { whyUnreadable } from '@trustgate/core/errors';
import { reporters } from '@trustgate/reporters';
import { helpOption, type OptionSpec, optionHelp, parseCommandArgs, pluginsOption } from './args.js';
import { isPathSpecifier, loadModule } from './modules.js';
import {
  commitFile,
  discardFile,
  type InputFile,
  pacer,
  refuseOutputsOverInputs,
  type StagedFile,
  stageFile,
} from './output.js';
import { policyLoadOptions, TOOL } from './setup.js';
import { letSignalsIn, markReportsInPlace } from './signals.js';

export const checkOptions = {
  policy: {
    type: 'string',
    value: 'FILE',
    help: "The policy (default: ./trustgate.yaml, else the scanned repository's trustgate.yaml, else trustgate:repository for a scan alone, else trustgate:recommended).",
  },
  facts: { type: 'string', multiple: true, value: 'FILE', help: 'A facts file; repeat to merge several.' },
  registry: {
    type: 'string',
    value: 'URL',
    help: 'Collect from this npm registry in-process (see trustgate collect).',
  },
  org: { type: 'string', value: 'NAME', help: 'With --registry: every package and member of this org.' },
  packages: { type: 'string', multiple: true, value: 'NAME|GLOB', help: 'With --registry: these packages.' },
  'token-env': {
    type: 'string',
    value: 'NAME',
    help: 'With --registry: read the token from this variable (default: NPM_TOKEN).',
  },
  retries: {
    type: 'string',
    value: 'N',
    help: 'With --registry: retries of a request on 429, 5xx or no answer (default 4).',
  },
  timeout: {
    type: 'string',
    value: 'SECONDS',
    help: 'With --registry: the longest one try of a request may take (default 15); a request with its retries takes at most twice that.',
  },
  deadline: {
    type: 'string',
    value: 'SECONDS',
    help: 'With --registry: stop collecting after this long, and record what was not collected (default: no limit).',
  },
  repo: {
    type: 'string',
    value: 'DIR',
    help: 'Scan this repository in-process (default: the current folder, when neither --facts nor --registry is given).',
  },
  format: {
    type: 'string',
    multiple: true,
    value: 'NAME[=FILE]',
    help: `A report format, to stdout or to FILE; repeat for more (${Object.keys(reporters).join(', ')}). Default: text.`,
  },
  plugins: pluginsOption(
    'Which plugins the policy may load: all (default), none, or a comma-separated list of the specifiers allowed.',
  ),
  baseline: {
    type: 'string',
    value: 'REPORT.json',
    help: 'An earlier JSON report: mark findings new or unchanged, and list what was fixed.',
  },
  'fail-on-new': {
    type: 'boolean',
    help: 'With --baseline: fail only on findings the baseline does not have.',
  },
  'omit-waived': {
    type: 'boolean',
    help: 'Leave waived findings out of sarif, junit and markdown (GitHub does not act on SARIF suppressions).',
  },
  'fail-on': {
    type: 'string',
    value: 'LEVEL',
    help: 'Exit 1 on findings at or above: error, warning, note, never. Default: error.',
  },
  'max-warnings': {
    type: 'string',
    value: 'N',
    help: 'Also exit 1 when more than N warnings (not waived) are found.',
  },
  quiet: {
    type: 'boolean',
    help: 'Report error-level findings only (the exit code still counts every finding).',
  },
  'allow-empty': {
    type: 'boolean',
    help: 'Accept a scan that finds no CI configuration and no package.json (default: exit 2, nothing was checked).',
  },
  color: { type: 'boolean', help: 'Colour the text output, even when it is not a terminal.' },
  'no-color': { type: 'boolean', help: 'Never colour the text output.' },
  now: { type: 'string', value: 'ISO', help: 'Evaluate as of this time (default: the facts’ collectedAt).' },
  help: helpOption,
} satisfies Record<string, OptionSpec>;

export const CHECK_USAGE = `Usage: trustgate check [DIR] [options]

Evaluates a policy over facts and reports the findings. DIR is the repository
to scan (as --repo DIR). With neither DIR, --repo, --facts nor --registry, the
git repository that holds the current folder is scanned (else the current folder).

${optionHelp(checkOptions)}

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it (or more
warnings than --max-warnings, or a source that could not be read in full),
2 bad input (also: a scan that found nothing to check), 3 a rule or reporter
failed, 4 a source could not be collected at all (such as a registry that cannot
be reached), 130 or 143 stopped by SIGINT or SIGTERM (no report is written).`;

const FAIL_ON = ['error', 'warning', 'note', 'never'] as const;

export interface Output {
  format: string;
  reporter: Reporter;
  /** Undefined: standard output. */
  file?: string;
}

/**
 * `NAME` or `NAME=FILE`. NAME is a built-in format, else a reporter module: a
 * path (`./my-reporter.js`) or a package, whose default export is a reporter.
 */
export async function parseFormats(
  specs: string[] | undefined,
  cwd: string,
  pluginReporters: Record<string, Reporter> = {},
): Promise<Output[]> {
  const list = specs && specs.length > 0 ? specs : ['text'];
  const outputs: Output[] = [];
  for (const spec of list) {
    // A Windows drive letter aside, the first '=' ends the name.
    const eq = spec.indexOf('=');
    const format = eq === -1 ? spec : spec.slice(0, eq);
    const file = eq === -1 ? undefined : spec.slice(eq + 1);
    if (file === '')
      throw new TrustgateError('E_ARGS', `--format ${spec} names no file; write ${format}=FILE.`);
    const reporter = reporters[format] ?? pluginReporters[format] ?? (await loadReporter(format, cwd, spec));
    outputs.push(file === undefined ? { format, reporter } : { format, reporter, file });
  }
  const toStdout = outputs.filter((o) => o.file === undefined);
  if (toStdout.length > 1) {
    throw new TrustgateError(
      'E_ARGS',
      `Only one format can go to standard output; give the others a file (${toStdout
        .slice(1)
        .map((o) => `${o.format}=FILE`)
        .join(', ')}).`,
    );
  }
  return outputs;
}

/** A reporter module named by path or package; a name that is neither is a typo of a built-in format. */
async function loadReporter(name: string, cwd: string, spec: string): Promise<Reporter> {
  if (!isPathSpecifier(name) && !resolvesFrom(name, cwd)) {
    const builtins = Object.keys(reporters).join(', ');
    throw new TrustgateError(
      'E_ARGS',
      `Unknown format "${name}" in --format ${spec}.${didYouMean(name, Object.keys(reporters)) || ` Valid formats: ${builtins}, or a reporter module (./reporter.js or an installed package).`}`,
    );
  }
  const mod = await loadModule(name, cwd, 'reporter');
  const reporter = moduleDefault(mod);
  if (typeof reporter !== 'function') {
    throw new TrustgateError(
      'E_MODULE',
      `The reporter "${name}" does not default-export a function (result, options) => string.`,
    );
  }
  return reporter as Reporter;
}

function resolvesFrom(pkg: string, cwd: string): boolean {
  try {
    createRequire(path.join(cwd, 'noop.js')).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** A baseline report: JSON, or bad input naming the file. */
function readBaseline(file: string): unknown {
  let text: string;
  try {
    text = readInputTextSync(file, INPUT_LIMITS.report);
  } catch (error) {
    throw new TrustgateError(
      'E_BASELINE',
      `${file}: Cannot read the baseline report: ${whyUnreadable(error)}.`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new TrustgateError(
      'E_BASELINE',
      `${file}: The baseline report is not valid JSON; write it with --format json=FILE.`,
    );
  }
}

/** `--now`: a date (its start, UTC) or a date and time with a zone. */
export function parseNow(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const end = parseDateOrDateTime(value);
  if (!end) {
    throw new TrustgateError(
      'E_ARGS',
      `--now "${value}" is not a date; use an ISO 8601 date or date and time, such as 2026-11-28 or 2026-11-28T09:00:00Z.`,
    );
  }
  // parseDateOrDateTime gives the end of a plain date; --now means its start.
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(end.getTime() - 86_400_000) : end;
}

export function parseFailOn(value: string | undefined): Level | 'never' {
  if (value === undefined) return 'error';
  if (!(FAIL_ON as readonly string[]).includes(value)) {
    throw new TrustgateError(
      'E_ARGS',
      `--fail-on "${value}" is not a level; use one of ${FAIL_ON.join(', ')}.`,
    );
  }
  return value as Level | 'never';
}

/**
 * Without --policy: ./trustgate.yaml, else the scanned repository's
 * trustgate.yaml, else a preset: `repository` when the facts come from a
 * repository scan alone, `recommended` otherwise.
 */
export function defaultPolicy(cwd: string, repo: string | undefined, scanOnly: boolean): string {
  if (existsSync(path.join(cwd, 'trustgate.yaml'))) return 'trustgate.yaml';
  if (repo !== undefined && existsSync(path.join(repo, 'trustgate.yaml')))
    return path.join(repo, 'trustgate.yaml');
  return scanOnly ? 'trustgate:repository' : 'trustgate:recommended';
}

export async function runCheck(
  args: string[],
  io: { stdout: (s: string | Uint8Array) => void; stderr: (s: string) => void; color: boolean },
): Promise<number> {
  const { values, positionals } = parseCommandArgs('check', args, checkOptions, 1);
  if (values.help) {
    io.stdout(`${CHECK_USAGE}\n`);
    return 0;
  }
  const failOn = parseFailOn(values['fail-on']);
  const maxWarnings = parseMaxWarnings(values['max-warnings']);
  const now = parseNow(values.now);
  if (values.color && values['no-color'])
    throw new TrustgateError('E_ARGS', '--color and --no-color cannot be given together.');
  const color = values.color ? true : values['no-color'] ? false : io.color;
  const cwd = process.cwd();
  const factFiles = values.facts ?? [];
  if (positionals[0] !== undefined && values.repo !== undefined) {
    throw new TrustgateError(
      'E_ARGS',
      `trustgate check takes the repository once: as DIR ("${positionals[0]}") or as --repo "${values.repo}".`,
    );
  }
  let repo = values.repo ?? positionals[0];
  if (repo === undefined && factFiles.length === 0 && values.registry === undefined) {
    // From a subfolder (cd repo/.github), the repository is what a gate must see, not the subfolder.
    const root = gitRoot(cwd);
    repo = root === undefined || root === cwd ? '.' : root;
    if (repo !== '.')
      io.stderr(
        `trustgate: Scanning the git repository that holds the current folder: ${terminalSafe(root!)}.\n`,
      );
  }
  const target =
    values.policy ?? defaultPolicy(cwd, repo, factFiles.length === 0 && values.registry === undefined);
  // The facts files are read while the policy loads: the reads run off this thread. A file that
  // cannot be read is reported after the policy's own errors, as before.
  const reads = factFiles.map((f) => readFactsFile(f));
  const policy = await loadPolicy(target, policyLoadOptions(cwd, values.plugins));
  const outputs = await parseFormats(values.format, cwd, policy.reporters);
  // A report never replaces what the run reads (by path, link or hard link), and two never share a file.
  const inputs: InputFile[] = [
    ...policy.layers.map((file) => ({ file: path.resolve(cwd, file), shown: file, what: 'the policy file' })),
    ...factFiles.map((file) => ({ file, shown: file, what: 'the facts file' })),
    // A local plugin is an input too: its code.
    ...policy.plugins
      .filter((p) => isPathSpecifier(p.spec))
      .map((p) => {
        const file = path.resolve(cwd, path.dirname(p.setBy.file), p.spec);
        return { file, shown: path.relative(cwd, file) || file, what: 'the plugin' };
      }),
  ];
  if (values.baseline !== undefined)
    inputs.push({ file: values.baseline, shown: values.baseline, what: 'the baseline report' });
  refuseOutputsOverInputs(outputs, inputs);
  const loaded = (await Promise.all(reads)).map((read) => loadFactsFile(read));
  await letSignalsIn();
  // The collectors (and their dependencies) load only when a run collects.
  const collect =
    values.registry !== undefined || repo !== undefined ? await import('./collect.js') : undefined;
  if (values.registry !== undefined) {
    loaded.push(
      await collect!.collectFromRegistry(
        {
          registry: values.registry,
          org: values.org,
          packages: values.packages,
          tokenEnv: values['token-env'],
          retries: values.retries,
          timeout: values.timeout,
          deadline: values.deadline,
        },
        io.stderr,
        false,
      ),
    );
  }
  const repoScan =
    repo !== undefined
      ? await collect!.collectRepository(repo, { allowEmpty: values['allow-empty'] === true })
      : undefined;
  if (repoScan) loaded.push(repoScan.facts);
  const facts = mergeFacts(loaded);
  await letSignalsIn();
  let result = await evaluate({ facts, policy: pausing(policy), ...(now ? { now } : {}), tool: TOOL });
  await letSignalsIn();
  // The edits that resolve trusted-publishing findings ride along in SARIF (`fixes`) and JSON.
  if (repo !== undefined && repoScan && outputs.some((o) => o.format === 'sarif' || o.format === 'json'))
    await (await import('./fix.js')).attachFixes(result, repo, repoScan.scan);
  if (values.baseline !== undefined)
    result = compareWithBaseline(result, readBaseline(values.baseline), values.baseline);
  else if (values['fail-on-new'])
    throw new TrustgateError('E_ARGS', '--fail-on-new needs --baseline REPORT.json.');
  const shownResult = values.quiet ? errorsOnly(result) : result;
  const anchorFile = existingAnchor(cwd, repo, factFiles);
  const reporterFailed = await writeReports(
    shownResult,
    outputs,
    { ...io, color },
    { omitWaived: values['omit-waived'] ?? false, ...(anchorFile ? { anchorFile } : {}) },
  );
  if (reporterFailed) return 3;
  const code = exitCodeFor(result, failOn, { newOnly: values['fail-on-new'] === true });
  if (code !== 0 || maxWarnings === undefined) return code;
  const warnings = result.findings.filter(
    (f) => f.level === 'warning' && !f.exception && (values['fail-on-new'] !== true || f.drift === 'new'),
  ).length;
  if (warnings > maxWarnings) {
    io.stderr(
      `trustgate: ${warnings} warning${warnings === 1 ? '' : 's'} found, more than --max-warnings ${maxWarnings} allows.\n`,
    );
    return 1;
  }
  return 0;
}

/** `--max-warnings N`: a whole number, 0 or more. */
export function parseMaxWarnings(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) {
    throw new TrustgateError(
      'E_ARGS',
      `--max-warnings "${value}" is not a number of warnings; use a whole number such as 0 or 10.`,
    );
  }
  return Number(value);
}

/** The folder that holds `.git` (a folder, or a file for a worktree), from `dir` upwards. */
export function gitRoot(dir: string): string | undefined {
  let at = path.resolve(dir);
  for (;;) {
    if (existsSync(path.join(at, '.git'))) return at;
    const up = path.dirname(at);
    if (up === at) return undefined;
    at = up;
  }
}

/** `--quiet`: the result as reporters see it, with error-level findings only. */
function errorsOnly(result: RunResult): RunResult {
  const findings = result.findings.filter((f) => f.level === 'error');
  const shown = { ...result, findings, summary: summarize(findings) };
  // `facts` is worked out when first read (see evaluate): keep it lazy.
  Object.defineProperty(shown, 'facts', { enumerable: true, get: () => result.facts });
  return shown;
}

/**
 * A file that exists, relative to where the reports point (the scanned repository, else the
 * current folder), for findings that no file explains when the policy is a preset: SARIF needs one.
 */
function existingAnchor(cwd: string, repo: string | undefined, factFiles: string[]): string | undefined {
  const base = path.resolve(cwd, repo ?? '.');
  const candidates = [
    ...factFiles.map((f) => path.relative(base, path.resolve(cwd, f))),
    'package.json',
    'README.md',
  ];
  const found = candidates.find(
    (f) => f !== '' && !f.startsWith('..') && !path.isAbsolute(f) && existsSync(path.join(base, f)),
  );
  if (found !== undefined) return found.split(path.sep).join('/');
  // Else any file at the top of the folder: SARIF needs a place that exists.
  try {
    return readdirSync(base, { withFileTypes: true })
      .filter((d) => d.isFile() && !d.name.endsWith('.tmp'))
      .map((d) => d.name)
      .sort()[0];
  } catch {
    return undefined;
  }
}

/**
 * The policy with a pause before each rule, in which a pending SIGINT or SIGTERM
 * ends the run (see signals.ts): the rules are the longest synchronous work.
 */
function pausing(policy: EffectivePolicy): EffectivePolicy {
  const rules = policy.rules.map((r) => {
    const rule = r.rule;
    const paused: AnyRule = Object.create(rule);
    paused.check = async (ctx, options) => {
      await letSignalsIn();
      return rule.check(ctx, options);
    };
    return { ...r, rule: paused };
  });
  return { ...policy, rules };
}

type Io = { stdout: (s: string | Uint8Array) => void; stderr: (s: string) => void; color: boolean };

/**
 * Every output is attempted; a reporter that throws does not stop the others.
 * Returns whether one failed. The files are written to temporary files first,
 * and renamed into place together once all are written; standard output comes
 * last. So a run that a signal stops writes no report at all.
 */
async function writeReports(
  result: RunResult,
  outputs: Output[],
  io: Io,
  options: { omitWaived: boolean; anchorFile?: string },
): Promise<boolean> {
  let failed = false;
  let writeError: TrustgateError | undefined;
  const staged: StagedFile[] = [];
  const report = async (output: Output) => {
    await letSignalsIn();
    let data: ReportData;
    try {
      data = await output.reporter(result, {
        color: output.file === undefined && io.color,
        ...options,
        warn: (message) => io.stderr(`trustgate: ${output.format}: ${terminalSafe(message)}\n`),
      });
    } catch (error) {
      failed = true;
      io.stderr(`trustgate: the ${output.format} reporter failed: ${terminalSafe(describeError(error))}\n`);
      return;
    }
    // A reporter that gives its report in pieces may still fail part-way: that is the reporter
    // failing (exit 3, and no file left behind), not the output.
    let reporterError: unknown;
    const pieces =
      typeof data === 'string' || data instanceof Uint8Array
        ? data
        : (function* (all: Iterable<string>) {
            try {
              yield* all;
            } catch (error) {
              reporterError = error;
              throw error;
            }
          })(data);
    try {
      if (output.file !== undefined) staged.push(await stageFile(output.file, pieces));
      else if (typeof pieces === 'string' || pieces instanceof Uint8Array) io.stdout(pieces);
      else {
        const pace = pacer();
        for (const piece of pieces) {
          io.stdout(piece);
          await pace();
        }
      }
    } catch (error) {
      if (reporterError !== undefined) {
        failed = true;
        io.stderr(
          `trustgate: the ${output.format} reporter failed: ${terminalSafe(describeError(reporterError))}\n`,
        );
        return;
      }
      if (!(error instanceof TrustgateError)) throw error;
      writeError ??= error;
    }
  };
  try {
    for (const output of outputs) if (output.file !== undefined) await report(output);
    await letSignalsIn();
    while (staged.length > 0) {
      const next = staged.shift()!;
      try {
        commitFile(next);
      } catch (error) {
        if (!(error instanceof TrustgateError)) throw error;
        writeError ??= error;
      }
    }
  } finally {
    for (const left of staged) discardFile(left);
  }
  markReportsInPlace();
  for (const output of outputs) if (output.file === undefined) await report(output);
  if (writeError) throw writeError;
  return failed;
}
