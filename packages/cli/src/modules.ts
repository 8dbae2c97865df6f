import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, isPathSpecifier, TrustgateError } from '@trustgate/core';

export { isPathSpecifier };

type TsImport = (url: string, parent: string) => Promise<unknown>;
interface TsxManifest {
  exports?: Record<string, { import?: string | { default?: string } }>;
}

/**
 * tsx's `tsImport`, when tsx is installed: beside the policy that names the
 * module (the user's project), else beside trustgate. tsx is an optional peer
 * dependency, so that the default install carries no esbuild.
 */
async function findTsx(from: string): Promise<TsImport | undefined> {
  for (const base of [path.join(from, 'noop.js'), import.meta.url]) {
    let entry: string;
    try {
      // `require.resolve` would pick tsx's CommonJS build of the API, which
      // cannot load from here; its package.json names the ES module one.
      const manifest = createRequire(base).resolve('tsx/package.json');
      const exported = (JSON.parse(readFileSync(manifest, 'utf8')) as TsxManifest).exports?.['./esm/api']
        ?.import;
      const target = typeof exported === 'string' ? exported : exported?.default;
      if (typeof target !== 'string') continue;
      entry = path.resolve(path.dirname(manifest), target);
    } catch {
      continue;
    }
    const api = (await import(pathToFileURL(entry).href)) as { tsImport?: TsImport };
    if (typeof api.tsImport === 'function') return api.tsImport;
  }
  return undefined;
}

/** Whether this Node.js strips TypeScript types itself (22.18+, 23.6+, or --experimental-strip-types). */
function nodeStripsTypes(): boolean {
  const features = process.features as { typescript?: unknown };
  return typeof features.typescript === 'string';
}

/**
 * Load a module named by a path (relative to `from`) or a package (resolved
 * like a Node import from `from`); which one, `isPathSpecifier` (core) says,
 * for the CLI and the Action's plugin guard alike. A bare name that is not an
 * installed package is an error, even if a file has that name: `rules/acme.mjs`
 * must be written `./rules/acme.mjs`. TypeScript files load through tsx when it
 * is installed, else natively where Node.js strips types, with no build step.
 * Failures are bad input (exit 2) with the module named.
 */
export async function loadModule(spec: string, from: string, what: string): Promise<Record<string, unknown>> {
  let file: string;
  if (isPathSpecifier(spec)) file = path.resolve(from, spec);
  else {
    try {
      file = createRequire(path.join(from, 'noop.js')).resolve(spec);
    } catch {
      const looksLikeFile = /\.(c|m)?[jt]sx?$/.test(spec) || existsSync(path.resolve(from, spec));
      throw new TrustgateError(
        'E_MODULE',
        looksLikeFile
          ? `Cannot find the ${what} "${spec}": it is not an installed package, and a file is named with ./ or ../ ("./${spec}").`
          : `Cannot find the ${what} "${spec}" from ${from}; install it, or give a path.`,
      );
    }
  }
  const typescript = /\.(c|m)?ts$/.test(file);
  const tsx = typescript ? await findTsx(from) : undefined;
  if (typescript && !tsx && !nodeStripsTypes()) {
    throw new TrustgateError(
      'E_MODULE',
      `The ${what} "${spec}" is TypeScript, which Node.js ${process.version} cannot load by itself: install tsx beside trustgate (npm i -D tsx), use Node.js 22.18 or later, or give a JavaScript file.`,
    );
  }
  try {
    if (tsx) return (await tsx(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why =
      code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(file)
        ? 'the file does not exist'
        : describeError(error);
    throw new TrustgateError('E_MODULE', `The ${what} "${spec}" failed to load: ${why.replace(/\.$/, '')}.`, {
      cause: error,
    });
  }
}
