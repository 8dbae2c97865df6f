import type { Manifest } from '@trustgate/core';

/** The parts of a package.json the scanner uses. */
export interface ManifestInfo {
  fact: Manifest;
  scripts: Record<string, string>;
  workspaces: string[];
}

/** publishConfig keys that carry no secret; anything else (an `_authToken`…) is dropped. */
const SAFE_PUBLISH_CONFIG = ['registry', 'access', 'tag', 'provenance', 'directory'];

export function readManifest(text: string, file: string): ManifestInfo {
  const data = JSON.parse(text) as Record<string, unknown>;
  if (typeof data !== 'object' || data === null || Array.isArray(data))
    throw new Error('package.json is not an object');
  const publishConfig =
    typeof data.publishConfig === 'object' && data.publishConfig !== null
      ? Object.fromEntries(
          Object.entries(data.publishConfig as Record<string, unknown>).filter(
            ([k, v]) => SAFE_PUBLISH_CONFIG.includes(k) && (typeof v === 'string' || typeof v === 'boolean'),
          ),
        )
      : null;
  const repo = data.repository;
  const rawRepository =
    typeof repo === 'string'
      ? repo
      : typeof repo === 'object' && repo !== null && typeof (repo as { url?: unknown }).url === 'string'
        ? (repo as { url: string }).url
        : null;
  // A repository URL may carry credentials (https://user:token@host/…): redactFacts takes them out.
  const repository = rawRepository;
  const scripts: Record<string, string> = {};
  if (typeof data.scripts === 'object' && data.scripts !== null) {
    for (const [k, v] of Object.entries(data.scripts as Record<string, unknown>))
      if (typeof v === 'string') scripts[k] = v;
  }
  const ws = data.workspaces;
  const workspaces = Array.isArray(ws)
    ? ws.filter((x): x is string => typeof x === 'string')
    : typeof ws === 'object' && ws !== null && Array.isArray((ws as { packages?: unknown }).packages)
      ? ((ws as { packages: unknown[] }).packages.filter((x) => typeof x === 'string') as string[])
      : [];
  return {
    fact: {
      id: file,
      file,
      name: typeof data.name === 'string' ? data.name : null,
      private: data.private === true,
      publishConfig,
      repository,
      origin: { file, line: 1, column: 1 },
    },
    scripts,
    workspaces,
  };
}
