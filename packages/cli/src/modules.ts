import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, isPathSpecifier, TrustgateError } from '@trustgate/core';

export { isPathSpecifier };

/**
 * Load a module named by a path (relative to `from`) or a package (resolved
 * like a Node import from `from`); which one, `isPathSpecifier` (core) says,
 * for the CLI and the Action's plugin guard alike. A bare name that is not an
 * installed package is an error, even if a file has that name: `rules/acme.mjs`
 * must be written `./rules/acme.mjs`. TypeScript files load through tsx, with
 * no build step. Failures are bad input (exit 2) with the module named.
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
  try {
    if (/\.(c|m)?ts$/.test(file)) {
      const { tsImport } = await import('tsx/esm/api');
      return (await tsImport(pathToFileURL(file).href, import.meta.url)) as Record<string, unknown>;
    }
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
