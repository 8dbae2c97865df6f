import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { isPathSpecifier } from './specifier.js';

export { isPathSpecifier };

/**
 * Which file a plugin specifier loads, and whether `--plugins` allows it.
 *
 * The allow-list compares files, not the text of specifiers: `./plugin/acme.ts`
 * in a policy in `sub/` is `sub/plugin/acme.ts`, another file than the
 * `./plugin/acme.ts` a user allowed from the repository's root. So an allowed
 * entry is resolved from the folder it was given in (the working directory)
 * and a policy's plugin from the policy's folder, each to its real path
 * (symbolic links followed); they match only if the real paths are equal. A
 * package name is resolved like a Node import to the file it loads, so a
 * package allowed by name allows the copy installed where trustgate runs, not
 * another copy (another version, or one committed under a subfolder's
 * `node_modules`) that a nested policy would load.
 */

/** Why a specifier does not resolve. */
export class UnresolvedPlugin extends Error {}

/**
 * The real path of the file a plugin specifier loads from `fromDir`: a path
 * relative to it, or a package resolved like a Node import from it. Throws an
 * UnresolvedPlugin saying why there is none.
 */
export function resolvePluginFile(spec: string, fromDir: string): string {
  let file: string;
  if (isPathSpecifier(spec)) {
    file = path.resolve(fromDir, spec);
  } else {
    try {
      file = createRequire(path.join(fromDir, 'noop.js')).resolve(spec);
    } catch {
      throw new UnresolvedPlugin('package');
    }
  }
  try {
    // The native call gives one spelling per file (the case on disk, on case-insensitive systems).
    return realpathSync.native(file);
  } catch {
    throw new UnresolvedPlugin('file');
  }
}

/** One `--plugins` entry, as given, and the real file it allows (none if it does not resolve). */
export interface AllowedPlugin {
  entry: string;
  file?: string;
}

/** Resolve `--plugins` entries from the folder they were given in. */
export function resolveAllowList(entries: readonly string[], cwd: string): AllowedPlugin[] {
  return entries.map((entry) => {
    try {
      return { entry, file: resolvePluginFile(entry, cwd) };
    } catch {
      return { entry };
    }
  });
}
