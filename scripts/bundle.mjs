/**
 * Builds what Node runs: one ES module per package entry point (and shared
 * chunks), from the TypeScript sources, with esbuild. `tsc -b` before it
 * type-checks and writes only the declarations.
 *
 * Why: the CLI used to load ~45 of its own modules and 75 CommonJS files of
 * its dependencies (`yaml` alone is 72) before it could check anything, and
 * resolving and compiling them was a third of a cold start. Bundled, `check`
 * over a facts file loads about 18 files, none of them CommonJS (a test checks).
 *
 * Each package is bundled on its own, with the other @trustgate packages left
 * as imports: a plugin that imports `@trustgate/core` gets the very module the
 * CLI runs (one `TrustgateError` class, one validator registry). Chunks stay
 * beside the entry points in `dist/`, because the code finds its schemas and
 * generated validators relative to `import.meta.url`.
 *
 * Core's YAML parser is bundled apart, as a script (`dist/vendor/yaml.js`)
 * that core runs with V8's code cache (packages/core/src/code-cache.ts):
 * compiling it was the largest part of loading core. The yaml package has no
 * state that a plugin could share with core, so a second copy costs nothing.
 *
 *   node scripts/bundle.mjs
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = new URL('../', import.meta.url);

/**
 * Dependencies that stay imports: the workspace packages (see above), ajv,
 * re2js and micromatch (loaded through `createRequire` only when a run needs
 * them), and
 * what only `collect`, `fix` or a TypeScript plugin load.
 */
const external = ['@trustgate/*', 'ajv', 'ajv/*', 're2js', 'micromatch', 'fast-glob', 'diff', 'tsx', 'tsx/*'];

const packages = {
  core: ['index', 'testing', 'errors'],
  rules: ['index'],
  reporters: ['index'],
  collectors: ['index'],
  fix: ['index'],
  cli: ['main'],
};

for (const [name, entries] of Object.entries(packages)) {
  const dir = new URL(`packages/${name}/`, root);
  removeOldJs(new URL('dist/', dir));
  await build({
    absWorkingDir: fileURLToPath(dir),
    entryPoints: entries.map((e) => `src/${e}.ts`),
    outdir: 'dist',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    external,
    // Bundled CommonJS dependencies (yaml, picocolors) require Node's built-ins.
    banner: {
      js: "import { createRequire as __trustgateRequire } from 'node:module';\nconst require = __trustgateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}
// Core's YAML parser, as a script that runs with V8's code cache (packages/core/src/code-cache.ts).
await build({
  absWorkingDir: fileURLToPath(new URL('packages/core/', root)),
  stdin: {
    contents: "module.exports = require('yaml');",
    resolveDir: '.',
    sourcefile: 'yaml.js',
    loader: 'js',
  },
  outfile: 'dist/vendor/yaml.js',
  bundle: true,
  format: 'iife',
  globalName: '__trustgate',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
console.log(`bundle: ${Object.keys(packages).join(', ')}, and core's YAML parser.`);

/** JavaScript left by an earlier build (chunk names change); the generated validators are rebuilt after. */
function removeOldJs(dist) {
  const dir = fileURLToPath(dist);
  let names;
  try {
    names = readdirSync(dir, { recursive: true });
  } catch {
    return;
  }
  for (const file of names) {
    if (/\.js(\.map|\.cache)?$/.test(file) && !file.startsWith('validators')) rmSync(path.join(dir, file));
  }
}
