/**
 * The action's `plugins: auto`: which plugins a check may load. Plugins are
 * code that runs next to the job's secrets, and a pull request can change
 * them, so on a pull request that changes the policy, a local file it
 * extends, or a local plugin, no plugin loads (`--plugins none`). When what
 * changed cannot be told, none load either.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { policyFiles } from './policy-files.js';

type Env = Record<string, string | undefined>;

export interface PluginsDecision {
  plugins: 'all' | 'none';
  /** Said in the log when plugins are refused. */
  why?: string;
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target']);

function git(dir: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, out: r.stdout ?? '' };
}

export function decidePlugins(env: Env, dir: string, policyFile: string): PluginsDecision {
  if (!PULL_REQUEST_EVENTS.has(env.GITHUB_EVENT_NAME ?? '')) return { plugins: 'all' };
  const refuse = (why: string): PluginsDecision => ({
    plugins: 'none',
    why: `${why}; plugins are refused (--plugins none).`,
  });
  let base = '';
  try {
    const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH ?? '', 'utf8')) as {
      pull_request?: { base?: { sha?: unknown } };
    };
    base = typeof event.pull_request?.base?.sha === 'string' ? event.pull_request.base.sha : '';
  } catch {
    // no event file: what changed cannot be told
  }
  if (!/^[0-9a-f]{40}$/.test(base)) return refuse('this pull request names no base commit');
  if (
    !git(dir, ['cat-file', '-e', `${base}^{commit}`]).ok &&
    !git(dir, ['fetch', '--no-tags', '--depth=1', 'origin', base]).ok
  ) {
    return refuse('the base commit of this pull request could not be fetched');
  }
  const top = git(dir, ['rev-parse', '--show-toplevel']);
  const changed = git(dir, ['diff', '--name-only', '--no-renames', base, '--']);
  if (!top.ok || !changed.ok) return refuse('what this pull request changes could not be read');
  const root = top.out.trim();
  const changedFiles = new Set(
    changed.out
      .split('\n')
      .filter(Boolean)
      .map((f) => path.join(root, f)),
  );
  const hit = policyFiles(dir, policyFile).find((f) => changedFiles.has(f));
  if (hit) return refuse(`this pull request changes ${path.relative(root, hit)}, which the policy runs from`);
  return { plugins: 'all' };
}
