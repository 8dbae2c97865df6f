/**
 * The GitHub Action's plugin guard (`plugins: auto`). It reads YAML only: it
 * loads no plugin and runs nothing from the repository.
 *
 * What a plugin runs cannot be known without running it: a local plugin
 * imports other files, and a package plugin comes from node_modules, which the
 * package manifest and lockfile decide. So the rule is about the change, not
 * the plugin: plugins are refused (`none`) when the pull request changes
 *
 *  1. the policy, or a local file it extends;
 *  2. any file in or below the folder of a local plugin;
 *  3. anywhere, any file that Node or tsx can load as a module, or that decides
 *     how a module resolves: `.js .cjs .mjs .jsx .ts .cts .mts .tsx .json .node
 *     .wasm`, and any file without an extension (CommonJS loads `./x` as
 *     JavaScript whatever it holds);
 *  4. anywhere, what decides which packages are installed: lockfiles,
 *     `pnpm-workspace.yaml`, `.yarnrc.yml`, and anything in `node_modules` or
 *     `.yarn` (package.json and .npmrc are covered by 3).
 *
 * Names follow the rule the CLI loads by (`isPathSpecifier` in core): a plugin
 * is a path only if it starts with ./ or ../ or is absolute; any other name is
 * a package, covered by 3 and 4.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { INPUT_LIMITS, isPathSpecifier, readInputTextSync } from '@trustgate/core';
import { parse } from 'yaml';

/** Extensions of the files Node (with tsx) loads as modules, or reads to resolve them. */
export const CODE_EXTENSIONS = new Set([
  '.js',
  '.cjs',
  '.mjs',
  '.jsx',
  '.ts',
  '.cts',
  '.mts',
  '.tsx',
  '.json',
  '.node',
  '.wasm',
]);
/** Files that decide which packages are installed, besides package.json and .npmrc. */
const INSTALL_FILES = new Set([
  'package-lock.json',
  'npm-shrinkwrap.json',
  'pnpm-lock.yaml',
  'pnpm-workspace.yaml',
  'yarn.lock',
  '.yarnrc.yml',
  'bun.lock',
  'bun.lockb',
]);
const INSTALL_FOLDERS = new Set(['node_modules', '.yarn']);

/** Both the path and, if it differs, the real path (a policy or plugin behind a link). */
function both(file: string): string[] {
  const out = [path.resolve(file)];
  try {
    const real = realpathSync(file);
    if (real !== out[0]) out.push(real);
  } catch {
    // absent: the path alone
  }
  return out;
}

export interface PolicyFiles {
  /** The policy and the local policies it extends, absolute. */
  files: string[];
  /** Local plugins, absolute. */
  pluginFiles: string[];
  /** Plugins named as packages. */
  packages: string[];
  /** A policy or a file it extends could not be read or parsed: what it names is unknown. */
  broken: boolean;
}

/** The files a policy runs from. */
export function policyFiles(start: string): PolicyFiles {
  const seen = new Set<string>();
  const result: PolicyFiles = { files: [], pluginFiles: [], packages: [], broken: false };
  const visit = (file: string) => {
    const abs = path.resolve(file);
    if (seen.has(abs)) return;
    seen.add(abs);
    result.files.push(abs);
    let doc: { plugins?: unknown; extends?: unknown } | null;
    try {
      doc = parse(readInputTextSync(abs, INPUT_LIMITS.policy)) as typeof doc;
    } catch (error) {
      // A policy that does not exist names nothing (the CLI then uses a preset); any other
      // problem fails the check itself, and here it means "unknown".
      if ((error as { code?: string }).code !== 'ENOENT') result.broken = true;
      return;
    }
    const dir = path.dirname(abs);
    for (const spec of Array.isArray(doc?.plugins) ? doc.plugins : []) {
      if (typeof spec !== 'string') continue;
      if (isPathSpecifier(spec)) result.pluginFiles.push(path.resolve(dir, spec));
      else result.packages.push(spec);
    }
    for (const spec of Array.isArray(doc?.extends) ? doc.extends : []) {
      if (typeof spec === 'string' && isPathSpecifier(spec)) visit(path.resolve(dir, spec));
    }
  };
  visit(start);
  return result;
}

/** Why a changed path (relative to `root`) means no plugins, or undefined. */
function reasonFor(
  rel: string,
  root: string,
  guarded: Set<string>,
  pluginDirs: Set<string>,
): string | undefined {
  const abs = path.resolve(root, rel);
  if (guarded.has(abs)) return `it changes ${rel}, the policy or a file it extends`;
  for (const dir of pluginDirs) {
    if (abs.startsWith(dir + path.sep)) return `it changes ${rel}, in the folder of a local plugin`;
  }
  const segments = rel.split('/');
  const base = segments[segments.length - 1] ?? '';
  if (segments.some((s) => INSTALL_FOLDERS.has(s)) || INSTALL_FILES.has(base))
    return `it changes ${rel}, which decides the packages installed`;
  const ext = path.extname(base);
  if (ext === '' || CODE_EXTENSIONS.has(ext.toLowerCase()))
    return `it changes ${rel}, a file Node can load as code`;
  return undefined;
}

export interface PluginsDecision {
  plugins: 'all' | 'none';
  /** Why not, when plugins are refused. */
  reason: string;
}

/** Whether a pull request that changes `changed` (paths relative to `root`) may run the plugins of `policy`. */
export function decide(policy: string, root: string, changed: readonly string[]): PluginsDecision {
  const found = policyFiles(policy);
  if (found.broken) return { plugins: 'none', reason: `${policy} or a file it extends cannot be read` };
  const guarded = new Set(found.files.flatMap(both));
  const pluginDirs = new Set(found.pluginFiles.flatMap((f) => both(f).map((p) => path.dirname(p))));
  const top = both(root);
  for (const rel of changed) {
    if (rel === '') continue;
    for (const r of top) {
      const reason = reasonFor(rel, r, guarded, pluginDirs);
      if (reason) return { plugins: 'none', reason };
    }
  }
  return { plugins: 'all', reason: '' };
}
