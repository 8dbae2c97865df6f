import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describeError, TrustgateError } from '@trustgate/core';

/** A specifier that names a file rather than a package. */
export function isPathSpecifier(spec: string): boolean {
  return (
    spec.startsWith('./') || spec.startsWith('../') || path.isAbsolute(spec) || /\.(c|m)?[jt]s$/.test(spec)
  );
}

/**
 * Load a module named by a path (relative to `from`) or a package (resolved
 * like a Node import from `from`). TypeScript files load through tsx, with no
 * build step. Failures are bad input (exit 2) with the module named.
 */
export async function loadModule(spec: string, from: string, what: string): Promise<Record<string, unknown>> {
  let file: string;
  try {
    file = isPathSpecifier(spec)
      ? path.resolve(from, spec)
      : createRequire(path.join(from, 'noop.js')).resolve(spec);
  } catch {
    throw new TrustgateError(
      'E_MODULE',
      `Cannot find the ${what} "${spec}" from ${from}; install it, or give a path.`,
    );
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
