import type { NpmrcEntry } from '@trustgate/core';
import { registryUrl } from './redact.js';

const NPMJS = 'https://registry.npmjs.org/';
const CREDENTIAL_KEYS = new Set(['_authToken', '_auth', '_password']);

/**
 * The credentials an `.npmrc` sets, one entry per line that sets one. Values
 * are classified (literal, `${ENV}` reference, empty) and never kept.
 * Line-based, because every entry needs its line, and `.npmrc` is one
 * `key=value` per line (comments start with `#` or `;`).
 */
export function parseNpmrc(text: string, file: string): NpmrcEntry[] {
  const lines = text.split(/\r?\n/);
  let defaultRegistry = NPMJS;
  for (const line of lines) {
    const m = /^\s*registry\s*=\s*(\S+)\s*$/.exec(line);
    if (m) defaultRegistry = withSlash(unquote(m[1]!));
  }
  const out: NpmrcEntry[] = [];
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const eq = trimmed.indexOf('=');
    if (eq === -1) return;
    const fullKey = trimmed.slice(0, eq).trim();
    const rawValue = unquote(trimmed.slice(eq + 1).trim());
    const scoped = /^(\/\/.+?):([^:]+)$/.exec(fullKey);
    const key = scoped ? scoped[2]! : fullKey;
    if (!CREDENTIAL_KEYS.has(key)) return;
    const registry = scoped ? withSlash(`https:${scoped[1]}`) : defaultRegistry;
    const env = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\??\}$|^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(rawValue);
    const entry: NpmrcEntry = {
      id: `${file}:${index + 1}`,
      file,
      registry,
      key: key as NpmrcEntry['key'],
      value: rawValue === '' ? 'empty' : env ? 'env' : 'literal',
      origin: { file, line: index + 1, column: line.length - line.trimStart().length + 1 },
    };
    if (env) entry.envVar = env[1] ?? env[2]!;
    out.push(entry);
  });
  return out;
}

function unquote(s: string): string {
  return /^(["']).*\1$/.test(s) ? s.slice(1, -1) : s;
}

/** Registries lose their user info here (`//ci:TOKEN@host/:_authToken`, `registry=https://u:p@host/`). */
function withSlash(url: string): string {
  return registryUrl(url);
}
