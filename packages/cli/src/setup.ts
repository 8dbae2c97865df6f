import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyRule, LoadPolicyOptions, RuleRegistry } from '@trustgate/core';
import { rules } from '@trustgate/rules';
import { loadModule } from './modules.js';

export { TOOL } from './tool.js';

/**
 * The shipped presets: the package `@trustgate/policies` (`policies/` in the
 * checkout), found the way Node finds any dependency, so that an installed
 * CLI finds them as the checkout does. The action's bundle has no
 * node_modules: its presets sit beside it (`action/policies/`).
 */
export const PRESET_DIR = findPresets();

function findPresets(): string {
  try {
    return (
      path.dirname(createRequire(import.meta.url).resolve('@trustgate/policies/package.json')) + path.sep
    );
  } catch {
    return fileURLToPath(new URL('../policies/', import.meta.url));
  }
}

export function builtinRegistry(): RuleRegistry {
  return new Map<string, AnyRule>(Object.entries(rules));
}

/**
 * How policies load here: built-in rules, shipped presets, and plugins loaded
 * as modules (TypeScript too), limited by `--plugins`.
 */
export function policyLoadOptions(cwd: string, plugins: string | undefined): LoadPolicyOptions {
  const options: LoadPolicyOptions = {
    rules: builtinRegistry(),
    presetDir: PRESET_DIR,
    cwd,
    loadModule: (spec, from) => loadModule(spec, from, 'plugin'),
  };
  if (plugins !== undefined && plugins !== 'all') {
    options.allowPlugins =
      plugins === 'none'
        ? []
        : plugins
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
  }
  return options;
}
