/**
 * Writes V8's code cache for the scripts that core runs with `loadScript`
 * (packages/core/src/code-cache.ts): the facts and policy validators and the
 * YAML parser. Last step of the build, run by the Node that will run
 * trustgate (another Node rejects the cache, and the scripts compile as
 * before). It checks the bundled example through core, so that the cache
 * holds the functions a check compiles, not only the scripts' top level.
 *
 *   node scripts/build-code-cache.mjs
 */
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLE } from './check-args.mjs';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = path.join(root, 'packages/core/dist');
const SCRIPTS = ['validators/facts.js', 'validators/policy.js', 'vendor/yaml.js'];

// An earlier build's cache: made from other sources, it would only be set aside as stale.
for (const file of readdirSync(dist, { recursive: true })) {
  if (String(file).endsWith('.js.cache')) rmSync(path.join(dist, String(file)));
}

const core = await import(new URL('../packages/core/dist/index.js', import.meta.url).href);
const { rules } = await import(new URL('../packages/rules/dist/index.js', import.meta.url).href);
await core.loadPolicy(path.join(root, EXAMPLE.policy), {
  rules: new Map(Object.entries(rules)),
  presetDir: path.join(root, 'policies'),
  cwd: root,
});
core.loadFacts(path.join(root, EXAMPLE.facts));

const written = core.writeCodeCaches().map((f) => path.relative(dist, f));
const missing = SCRIPTS.filter((s) => !written.includes(s));
if (missing.length > 0) {
  // A script that failed to load (or was not built) would run compiled afresh, or not at all: say so.
  console.error(
    `build-code-cache: ${missing.join(', ')} did not load; run the whole build (pnpm run build).`,
  );
  process.exit(1);
}
console.log(`build-code-cache: ${written.join(', ')}.`);
