import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyRule, RuleRegistry } from '@trustgate/core';
import { rules } from '@trustgate/rules';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export const TOOL = { name: 'trustgate', version: pkg.version };

/** The shipped presets: `policies/` at the root of the trustgate checkout. */
export const PRESET_DIR = fileURLToPath(new URL('../../../policies/', import.meta.url));

export function builtinRegistry(): RuleRegistry {
  return new Map<string, AnyRule>(Object.entries(rules));
}
