import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TrustgateError } from '@trustgate/core';

/**
 * The registry token: from NPM_TOKEN, from the variable --token-env names, or
 * from the user's .npmrc line for that registry. Never from a flag, so that it
 * stays out of shell history and process listings. The value is only held in
 * memory and sent as a header.
 */
export function registryToken(
  registry: string,
  tokenEnv: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (tokenEnv !== undefined) {
    const value = env[tokenEnv];
    if (!value)
      throw new TrustgateError('E_ARGS', `--token-env ${tokenEnv}: that environment variable is not set.`);
    return value;
  }
  if (env.NPM_TOKEN) return env.NPM_TOKEN;
  return fromUserNpmrc(registry, env);
}

function fromUserNpmrc(registry: string, env: NodeJS.ProcessEnv): string | undefined {
  const file = env.NPM_CONFIG_USERCONFIG ?? env.npm_config_userconfig ?? path.join(os.homedir(), '.npmrc');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const url = new URL(registry.endsWith('/') ? registry : `${registry}/`);
  const wanted = `//${url.host}${url.pathname}`;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^(\/\/[^=]+?):_authToken\s*=\s*(.+)$/.exec(line);
    if (!m) continue;
    const key = m[1]!.endsWith('/') ? m[1]! : `${m[1]}/`;
    if (key !== wanted) continue;
    const value = m[2]!.trim().replace(/^(["'])(.*)\1$/, '$2');
    return (
      value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\??\}/g, (_, name: string) => env[name] ?? '') || undefined
    );
  }
  return undefined;
}

/** `i/n`, 1 ≤ i ≤ n. */
export function parseShard(value: string | undefined): { index: number; count: number } | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(value);
  const index = m ? Number(m[1]) : 0;
  const count = m ? Number(m[2]) : 0;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new TrustgateError(
      'E_ARGS',
      `--shard "${value}" is not a shard; write i/n with 1 ≤ i ≤ n, such as 1/4.`,
    );
  }
  return { index, count };
}
