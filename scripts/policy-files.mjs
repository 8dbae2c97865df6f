#!/usr/bin/env node
/**
 * The GitHub Action's plugin guard (`plugins: auto`). It reads YAML only: it
 * loads no plugin and runs nothing from the repository.
 *
 *   node scripts/policy-files.mjs POLICY
 *     Prints, one per line, the files a policy runs from: the policy, the local
 *     files it extends (followed), the local plugins they name, and
 *     `(package) NAME` for plugins that are packages.
 *
 *   node scripts/policy-files.mjs --root DIR --changed LIST POLICY
 *     Decides whether a pull request may run the policy's plugins. LIST is the
 *     output of `git diff --name-only --no-renames -z BASE` (paths relative to
 *     DIR, the top of the repository). Prints `all` or `none`, and on standard
 *     error why not.
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
import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { INPUT_LIMITS, isPathSpecifier, readInputTextSync, terminalSafe } from '@trustgate/core';
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
function both(file) {
  const out = [path.resolve(file)];
  try {
    const real = realpathSync(file);
    if (real !== out[0]) out.push(real);
  } catch {
    // absent: the path alone
  }
  return out;
}

/**
 * The files a policy runs from. `listing` has them in the order of the first
 * form (each file, its plugins, then what it extends). `broken` is set when a
 * policy or a file it extends cannot be read or parsed: what it names is then
 * unknown.
 */
export function policyFiles(start) {
  const seen = new Set();
  const result = { files: [], pluginFiles: [], packages: [], listing: [], broken: false };
  const visit = (file) => {
    const abs = path.resolve(file);
    if (seen.has(abs)) return;
    seen.add(abs);
    result.files.push(abs);
    let doc;
    try {
      doc = parse(readInputTextSync(abs, INPUT_LIMITS.policy));
    } catch (error) {
      // A policy that does not exist names nothing (the CLI then uses a preset); any other
      // problem fails the check itself, and here it means "unknown".
      if (error?.code !== 'ENOENT') {
        result.broken = true;
        result.listing.push(abs);
      }
      return;
    }
    result.listing.push(abs);
    const dir = path.dirname(abs);
    for (const spec of Array.isArray(doc?.plugins) ? doc.plugins : []) {
      if (typeof spec !== 'string') continue;
      if (isPathSpecifier(spec)) {
        result.pluginFiles.push(path.resolve(dir, spec));
        result.listing.push(path.resolve(dir, spec));
      } else {
        result.packages.push(spec);
        result.listing.push(`(package) ${spec}`);
      }
    }
    for (const spec of Array.isArray(doc?.extends) ? doc.extends : []) {
      if (typeof spec === 'string' && isPathSpecifier(spec)) visit(path.resolve(dir, spec));
    }
  };
  visit(start);
  return result;
}

/** Why a changed path (relative to `root`) means no plugins, or undefined. */
function reasonFor(rel, root, guarded, pluginDirs) {
  const abs = path.resolve(root, rel);
  if (guarded.has(abs)) return `it changes ${rel}, the policy or a file it extends`;
  for (const dir of pluginDirs) {
    if (abs.startsWith(dir + path.sep)) return `it changes ${rel}, in the folder of a local plugin`;
  }
  const segments = rel.split('/');
  const base = segments[segments.length - 1];
  if (segments.some((s) => INSTALL_FOLDERS.has(s)) || INSTALL_FILES.has(base))
    return `it changes ${rel}, which decides the packages installed`;
  const ext = path.extname(base);
  if (ext === '' || CODE_EXTENSIONS.has(ext.toLowerCase()))
    return `it changes ${rel}, a file Node can load as code`;
  return undefined;
}

/**
 * `{ plugins: 'all' | 'none', reason }` for a pull request that changes
 * `changed` (paths relative to `root`), under the policy `policy`.
 */
export function decide(policy, root, changed) {
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

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const option = (name) => {
    const i = args.indexOf(name);
    if (i === -1) return undefined;
    return args.splice(i, 2)[1];
  };
  const root = option('--root');
  const changedList = option('--changed');
  const start = args[0] ?? 'trustgate.yaml';
  if (changedList === undefined) {
    const found = policyFiles(start);
    const shown = new Set(
      found.listing.map((f) =>
        terminalSafe(f.startsWith('(package) ') ? f : path.relative(process.cwd(), f)),
      ),
    );
    for (const line of shown) console.log(line);
    if (found.broken) process.exitCode = 1;
  } else {
    let decision;
    try {
      const list = readFileSync(changedList, 'utf8').split(/\0|\n/);
      decision = decide(start, root ?? process.cwd(), list);
    } catch (error) {
      decision = { plugins: 'none', reason: `the changes cannot be listed (${error?.message ?? error})` };
    }
    // The reason names a file of the pull request: shown terminal-safe, it cannot start a
    // workflow command of its own in the log.
    if (decision.plugins === 'none')
      process.stderr.write(
        `trustgate: plugins are refused for this pull request (--plugins none): ${terminalSafe(decision.reason)}.\n`,
      );
    process.stdout.write(`${decision.plugins}\n`);
  }
}
