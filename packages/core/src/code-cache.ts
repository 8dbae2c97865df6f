/**
 * Scripts that the build ships with V8's code cache: the generated facts and
 * policy validators and the YAML parser, nearly 600 KB of JavaScript that every
 * `check` loads. As ES modules, V8 parses and compiles them afresh in every
 * run, and Node 20 has no code cache for modules; run as scripts, they start
 * from the bytecode the build saved.
 *
 * A script is an esbuild IIFE bundle that sets `var __trustgate` to its
 * exports. It runs as the body of `function (require) { …; return __trustgate; }`,
 * with `require` for Node's built-ins, in strict mode like the modules these
 * scripts replace. Its cache, `FILE.cache`, is written by
 * `scripts/build-code-cache.mjs` with the Node that built it: the SHA-256 of
 * the wrapped source, then V8's data. V8 rejects data from another V8 version
 * or other flags, but of the source it checks only the length; the hash makes
 * an edited script compile afresh instead of running the bytecode of another.
 * The cache sits beside the script it was made from, so it is trusted as much
 * as the script: nothing is written at run time.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** How a script was compiled: from its cache, or afresh because the cache was missing, stale or rejected. */
export type CacheUse = 'used' | 'none' | 'stale' | 'rejected';

export interface LoadedScript {
  exports: Record<string, unknown>;
  cache: CacheUse;
}

const DIGEST_BYTES = 32;
const HEAD = "(function (require) { 'use strict';\n";
const TAIL = '\nreturn __trustgate;\n})';
const loaded = new Map<string, { script: Script; digest: Buffer; cache: CacheUse }>();

/**
 * Run a script shipped by the build (see above) and return its exports;
 * undefined when the file does not exist (as when running from source).
 * Throws what the script throws.
 */
export function loadScript(url: URL): LoadedScript | undefined {
  let source: Buffer;
  try {
    source = readFileSync(url);
  } catch {
    return undefined;
  }
  // The digest covers what V8 compiles, wrapper included; hashing the file's bytes
  // rather than the string spares encoding it again (~0.2 ms for the facts validator).
  const digest = createHash('sha256').update(HEAD).update(source).update(TAIL).digest();
  const code = `${HEAD}${source.toString('utf8')}${TAIL}`;
  const saved = readCache(url);
  const cachedData =
    saved && digest.equals(saved.subarray(0, DIGEST_BYTES)) ? saved.subarray(DIGEST_BYTES) : undefined;
  // lineOffset: stack traces give the script's own line numbers, not the wrapper's.
  const script = new Script(code, {
    filename: fileURLToPath(url),
    lineOffset: -1,
    ...(cachedData ? { cachedData } : {}),
  });
  const cache: CacheUse = !saved
    ? 'none'
    : !cachedData
      ? 'stale'
      : script.cachedDataRejected
        ? 'rejected'
        : 'used';
  if (!loaded.has(url.href)) loaded.set(url.href, { script, digest, cache });
  const run = script.runInThisContext() as (require: NodeJS.Require) => Record<string, unknown>;
  return { exports: run(createRequire(url)), cache };
}

/**
 * The scripts this process has loaded, and how each was compiled the first time.
 * (A script loaded again in the same process is compiled from V8's own memory,
 * whatever its cache holds.)
 */
export function loadedScripts(): { file: string; cache: CacheUse }[] {
  return [...loaded].map(([href, { cache }]) => ({ file: fileURLToPath(href), cache }));
}

function readCache(url: URL): Buffer | undefined {
  try {
    const data = readFileSync(new URL(`${url.href}.cache`));
    return data.length > DIGEST_BYTES ? data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * For the build: write the cache of every script this process has loaded,
 * with the functions compiled as it ran. Returns the scripts' paths.
 */
export function writeCodeCaches(): string[] {
  for (const [href, { script, digest }] of loaded) {
    writeFileSync(new URL(`${href}.cache`), Buffer.concat([digest, script.createCachedData()]));
  }
  return [...loaded.keys()].map((href) => fileURLToPath(href));
}
