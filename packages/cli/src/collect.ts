import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  collectRegistry,
  RepositoryError,
  type RepositoryScan,
  scanRepositoryWithContext,
} from '@trustgate/collectors';
import { checkFacts, type LoadedFacts, mergeFacts, TrustgateError } from '@trustgate/core';
import { helpOption, type OptionSpec, optionHelp, parseCommandArgs } from './args.js';
import { writeAtomic } from './output.js';
import { parseShard, registryToken } from './registry-auth.js';

export const collectOptions = {
  repo: {
    type: 'string',
    value: 'DIR',
    help: 'Scan this repository (default: the current folder, when no --registry is given).',
  },
  registry: {
    type: 'string',
    value: 'URL',
    help: 'Collect tokens, the account, packages and trusted publishers from this registry.',
  },
  org: { type: 'string', value: 'NAME', help: 'With --registry: every package and member of this org.' },
  packages: {
    type: 'string',
    multiple: true,
    value: 'NAME|GLOB',
    help: 'With --registry: these packages; repeat for more.',
  },
  shard: {
    type: 'string',
    value: 'i/n',
    help: 'With --registry: collect the i-th of n stable slices of the packages.',
  },
  'token-env': {
    type: 'string',
    value: 'NAME',
    help: 'Read the registry token from this variable (default: NPM_TOKEN, else ~/.npmrc).',
  },
  concurrency: { type: 'string', value: 'N', help: 'Registry requests under way at once (default 8).' },
  retries: {
    type: 'string',
    value: 'N',
    help: 'Retries of a registry request on 429, 5xx or no answer (default 4).',
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
  'allow-empty': {
    type: 'boolean',
    help: 'Accept a scan that finds no CI configuration and no package.json (default: exit 2).',
  },
  output: {
    type: 'string',
    short: 'o',
    value: 'FILE',
    help: 'Write the facts to FILE (default: standard output).',
  },
  help: helpOption,
} satisfies Record<string, OptionSpec>;

export const COLLECT_USAGE = `Usage: trustgate collect [--repo DIR] [--registry URL [--org NAME] [--packages NAME|GLOB…] [--shard i/n]] [-o FILE]

Scans a repository's CI workflows, .npmrc and package.json files, and/or
collects from an npm registry, and writes the facts as JSON. Token values are
never written.

${optionHelp(collectOptions)}

Exit codes: 0 collected (failed requests and unreadable files are recorded in
the facts, which then fail closed), 2 bad input (also: a scan that found no CI
configuration and no package.json, without --allow-empty), 4 a source could not
be collected at all (such as a registry that cannot be reached).`;

/**
 * Scan a repository into validated facts, keeping the scan (check hands it to
 * `trustgate fix`'s planner). A folder that cannot be scanned is bad input.
 */
export async function collectRepository(
  dir: string,
  options: { allowEmpty?: boolean } = {},
): Promise<{ facts: LoadedFacts; scan: RepositoryScan }> {
  let scan: RepositoryScan;
  try {
    scan = await scanRepositoryWithContext(dir);
  } catch (error) {
    if (error instanceof RepositoryError) {
      throw new TrustgateError('E_REPO', error.message);
    }
    throw error;
  }
  if (!options.allowEmpty && foundNothing(dir, scan)) {
    const where = dir === '.' ? 'the current folder' : dir;
    throw new TrustgateError(
      'E_EMPTY',
      `Found no CI configuration and no package.json in ${where}, so nothing was checked; run trustgate in a repository, or pass --allow-empty to accept an empty scan.`,
    );
  }
  return { facts: checkFacts(scan.facts, `facts of ${dir}`), scan };
}

/**
 * Nothing scanned is not a pass: no CI configuration file (publishing or not), no package.json,
 * no .npmrc credential, and no file that could not be read.
 */
function foundNothing(dir: string, scan: RepositoryScan): boolean {
  const { facts } = scan;
  if ((facts.manifests?.length ?? 0) + (facts.workflows?.length ?? 0) + (facts.npmrc?.length ?? 0) > 0)
    return false;
  if (facts.sources.some((s) => !s.complete || (s.errors?.length ?? 0) > 0)) return false;
  if (existsSync(path.join(dir, '.gitlab-ci.yml')) || existsSync(path.join(dir, '.circleci', 'config.yml')))
    return false;
  try {
    return !readdirSync(path.join(dir, '.github', 'workflows')).some((f) => /\.ya?ml$/.test(f));
  } catch {
    return true;
  }
}

export interface RegistryArgs {
  registry: string;
  org?: string | undefined;
  packages?: string[] | undefined;
  shard?: string | undefined;
  tokenEnv?: string | undefined;
  concurrency?: string | undefined;
  retries?: string | undefined;
  timeout?: string | undefined;
  deadline?: string | undefined;
}

/** `--timeout 0.5`, `--deadline 600`: seconds, as milliseconds. */
function parseSeconds(name: string, value: string | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  const seconds = /^\d+(?:\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds >= 0.01 && seconds <= max)) {
    throw new TrustgateError(
      'E_ARGS',
      `--${name} "${value}" must be a number of seconds from 0.01 to ${max}.`,
    );
  }
  return Math.round(seconds * 1000);
}

/** Collect from a registry. Exit 4 (a source could not be collected at all) when every request failed. */
export async function collectFromRegistry(
  args: RegistryArgs,
  stderr: (s: string) => void,
  tty: boolean,
): Promise<LoadedFacts> {
  let url: URL;
  try {
    url = new URL(args.registry);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
  } catch {
    throw new TrustgateError('E_ARGS', `--registry "${args.registry}" is not an http(s) URL.`);
  }
  if (url.username || url.password) {
    // Never echo it: the user info may be a credential.
    throw new TrustgateError(
      'E_ARGS',
      '--registry must not hold a user name or password; the token comes from NPM_TOKEN, --token-env or ~/.npmrc.',
    );
  }
  const concurrency = args.concurrency === undefined ? 8 : Number(args.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new TrustgateError(
      'E_ARGS',
      `--concurrency "${args.concurrency}" must be a whole number from 1 to 64.`,
    );
  }
  const retries = args.retries === undefined ? 4 : Number(args.retries);
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) {
    throw new TrustgateError('E_ARGS', `--retries "${args.retries}" must be a whole number from 0 to 10.`);
  }
  const timeoutMs = parseSeconds('timeout', args.timeout, 600);
  const deadlineMs = parseSeconds('deadline', args.deadline, 86_400);
  const shard = parseShard(args.shard);
  const token = registryToken(url.toString(), args.tokenEnv);
  const progress = tty
    ? (done: number, total: number) =>
        stderr(`\r  trustgate: collecting packages ${done}/${total}${done === total ? '\n' : ''}`)
    : undefined;
  const { facts, requests, failures } = await collectRegistry({
    registry: url.toString(),
    ...(token ? { token } : {}),
    ...(args.org ? { org: args.org } : {}),
    ...(args.packages ? { packages: args.packages } : {}),
    ...(shard ? { shard } : {}),
    concurrency,
    attempts: retries + 1,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
    ...(progress ? { onProgress: progress } : {}),
  });
  if (requests > 0 && failures === requests) {
    const first = facts.sources.flatMap((s) => s.errors ?? [])[0];
    throw new TrustgateError(
      'E_REGISTRY',
      `Nothing could be collected from ${url}: ${first?.message ?? 'every request failed.'}`,
      { exitCode: 4 },
    );
  }
  if (failures > 0)
    stderr(
      `trustgate: ${failures} of ${requests} registry requests failed; the facts record them and rules that need them fail closed.\n`,
    );
  return checkFacts(facts, `facts of ${url}`);
}

export async function runCollect(
  args: string[],
  io: { stdout: (s: string) => void; stderr: (s: string) => void },
): Promise<number> {
  const { values } = parseCommandArgs('collect', args, collectOptions);
  if (values.help) {
    io.stdout(`${COLLECT_USAGE}\n`);
    return 0;
  }
  const parts: LoadedFacts[] = [];
  if (values.registry !== undefined) {
    parts.push(
      await collectFromRegistry(
        {
          registry: values.registry,
          org: values.org,
          packages: values.packages,
          shard: values.shard,
          tokenEnv: values['token-env'],
          concurrency: values.concurrency,
          retries: values.retries,
          timeout: values.timeout,
          deadline: values.deadline,
        },
        io.stderr,
        Boolean(process.stderr.isTTY),
      ),
    );
  } else if (values.org || values.packages || values.shard || values.timeout || values.deadline) {
    throw new TrustgateError(
      'E_ARGS',
      '--org, --packages, --shard, --timeout and --deadline go with --registry.',
    );
  }
  if (values.repo !== undefined || values.registry === undefined)
    parts.push(
      (await collectRepository(values.repo ?? '.', { allowEmpty: values['allow-empty'] === true })).facts,
    );
  const json = `${JSON.stringify(mergeFacts(parts), null, 2)}\n`;
  if (values.output) writeAtomic(values.output, json);
  else io.stdout(json);
  return 0;
}
