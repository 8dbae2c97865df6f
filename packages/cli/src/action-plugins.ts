/**
 * The action's `plugins: auto`: on a pull request, which plugins a check may
 * load. The rule is `decide` in policy-files.ts; this module lists what the
 * pull request changes with git, and fails closed when it cannot.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decide, type PluginsDecision } from './policy-files.js';

type Env = Record<string, string | undefined>;

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

function git(dir: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { ok: r.status === 0, out: r.stdout ?? '' };
}

/** `all` outside pull requests; on one, `decide` over the files it changes, or `none` when they cannot be listed. */
export function decidePlugins(env: Env, dir: string, policyFile: string): PluginsDecision {
  if (!PULL_REQUEST_EVENTS.has(env.GITHUB_EVENT_NAME ?? '')) return { plugins: 'all', reason: '' };
  const refuse = (reason: string): PluginsDecision => ({ plugins: 'none', reason });
  let base = '';
  try {
    const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH ?? '', 'utf8')) as {
      pull_request?: { base?: { sha?: unknown } };
    };
    base = typeof event.pull_request?.base?.sha === 'string' ? event.pull_request.base.sha : '';
  } catch {
    // no event file: what changed cannot be told
  }
  if (!/^[0-9a-f]{40}$/.test(base))
    return refuse('its changes cannot be listed: the event names no base commit');
  const top = git(dir, ['rev-parse', '--show-toplevel']);
  if (!top.ok) return refuse('its changes cannot be listed: the folder is not in a git repository');
  const root = top.out.trim();
  if (
    !git(root, ['cat-file', '-e', `${base}^{commit}`]).ok &&
    !git(root, ['fetch', '--no-tags', '--depth=1', 'origin', base]).ok
  ) {
    return refuse('its changes cannot be listed: the base commit could not be fetched');
  }
  const changed = git(root, ['diff', '--name-only', '--no-renames', '-z', base, '--']);
  if (!changed.ok) return refuse('its changes cannot be listed');
  return decide(path.resolve(dir, policyFile), root, changed.out.split('\0'));
}
