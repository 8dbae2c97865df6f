import { lstatSync, readFileSync, realpathSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import type { Facts, NpmrcEntry, Source, SourceError, WorkflowStep } from '@trustgate/core';
import fg from 'fast-glob';
import { parse as parseYaml } from 'yaml';
import { analyzeCircleci } from './circleci.js';
import type { Analysis, RepoContext } from './context.js';
import { analyzeGithub } from './github.js';
import { analyzeGitlab } from './gitlab.js';
import { type ManifestInfo, readManifest } from './manifest.js';
import { parseNpmrc } from './npmrc.js';

export interface ScanOptions {
  /** The largest file read, in bytes. Larger files are recorded as errors. Default 1 MiB. */
  maxFileBytes?: number;
  /** `collectedAt`. Default: now. */
  now?: Date;
  /** The source's `target`. Default: the folder name. */
  target?: string;
}

const CI_FILES = [
  '.github/workflows/*.yml',
  '.github/workflows/*.yaml',
  '.gitlab-ci.yml',
  '.circleci/config.yml',
];
const IGNORE = ['**/node_modules/**', '**/.git/**'];

/**
 * Scan a repository for how it publishes to npm: its CI files, `.npmrc` files
 * and package.json files. Problems with single files never stop the scan: they
 * become `sources[].errors`, and the source is then incomplete.
 */
export async function scanRepository(dir: string, options: ScanOptions = {}): Promise<Facts> {
  const root = path.resolve(dir);
  const maxBytes = options.maxFileBytes ?? 1024 * 1024;
  const errors: SourceError[] = [];
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
    if (!statSync(realRoot).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new RepositoryError(`${dir}: Cannot scan: it is not a readable folder.`);
  }

  const read = (rel: string): string | undefined => {
    const abs = path.join(root, rel);
    let st: Stats;
    try {
      st = lstatSync(abs);
      if (st.isSymbolicLink()) {
        const target = realpathSync(abs);
        if (target !== realRoot && !target.startsWith(realRoot + path.sep)) {
          errors.push({
            entity: `file:${rel}`,
            message: 'It is a symbolic link that points outside the repository; not read.',
          });
          return undefined;
        }
        st = statSync(target);
      }
    } catch (error) {
      errors.push({ entity: `file:${rel}`, message: fileProblem(error) });
      return undefined;
    }
    if (st.isDirectory()) return undefined;
    if (!st.isFile()) {
      errors.push({ entity: `file:${rel}`, message: 'It is not a regular file; not read.' });
      return undefined;
    }
    if (st.size > maxBytes) {
      errors.push({
        entity: `file:${rel}`,
        message: `It is larger than ${Math.round(maxBytes / 1024)} KiB; not read.`,
      });
      return undefined;
    }
    let bytes: Buffer;
    try {
      bytes = readFileSync(abs);
    } catch (error) {
      errors.push({ entity: `file:${rel}`, message: fileProblem(error) });
      return undefined;
    }
    if (bytes.includes(0)) {
      errors.push({ entity: `file:${rel}`, message: 'It holds binary data, not text; not read.' });
      return undefined;
    }
    return bytes.toString('utf8');
  };

  const glob = async (patterns: string[]): Promise<string[]> => {
    try {
      return await fg(patterns, {
        cwd: root,
        dot: true,
        onlyFiles: false, // symbolic links come back too: read() decides about them
        followSymbolicLinks: false,
        ignore: IGNORE,
      });
    } catch (error) {
      errors.push({
        entity: `repository:${root}`,
        message: `Some folders could not be listed (${fileProblem(error)})`,
      });
      return fg(patterns, {
        cwd: root,
        dot: true,
        onlyFiles: false, // symbolic links come back too: read() decides about them
        followSymbolicLinks: false,
        ignore: IGNORE,
        suppressErrors: true,
      });
    }
  };

  // package.json files: the root, then its workspaces (package.json, pnpm-workspace.yaml or lerna.json).
  const manifests = new Map<string, ManifestInfo>();
  const loadManifest = (rel: string) => {
    const text = read(rel);
    if (text === undefined) return;
    try {
      manifests.set(path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel), readManifest(text, rel));
    } catch {
      errors.push({ entity: `file:${rel}`, message: 'It is not valid JSON; not read.' });
    }
  };
  const [rootManifest] = await glob(['package.json']);
  if (rootManifest) loadManifest(rootManifest);
  const workspaceGlobs = [
    ...(manifests.get('')?.workspaces ?? []),
    ...otherWorkspaceGlobs(read, await glob(['pnpm-workspace.yaml', 'lerna.json'])),
  ];
  const memberFiles = workspaceGlobs.length
    ? await glob(
        uniqueStrings(
          workspaceGlobs
            .filter((g) => !g.startsWith('!'))
            .map((g) => `${g.replace(/\/+$/, '')}/package.json`),
        ),
      )
    : (await glob(['**/package.json'])).filter((f) => f !== 'package.json');
  for (const f of memberFiles.sort()) loadManifest(f);

  const repo: RepoContext = {
    scriptsAt: (d) => {
      const m = manifests.get(d) ?? manifests.get('');
      return m ? (name) => m.scripts[name] : undefined;
    },
    manifestAt: (d) => manifests.get(d) ?? manifests.get(''),
    manifests: () => [...manifests.values()],
    readText: (f) => (f.includes('..') ? undefined : read(f)),
  };

  const workflows: WorkflowStep[] = [];
  const npmrc: NpmrcEntry[] = [];
  const take = (a: Analysis) => {
    workflows.push(...a.steps);
    npmrc.push(...a.npmrc);
    errors.push(...a.errors);
  };
  for (const file of (await glob(CI_FILES)).sort()) {
    const text = read(file);
    if (text === undefined) continue;
    if (file.startsWith('.github/')) take(analyzeGithub(file, text, repo));
    else if (file === '.gitlab-ci.yml') take(analyzeGitlab(file, text, repo));
    else take(analyzeCircleci(file, text, repo));
  }
  for (const file of (await glob(['**/.npmrc'])).sort()) {
    const text = read(file);
    if (text !== undefined) npmrc.push(...parseNpmrc(text, file));
  }

  const source: Source = {
    collector: 'repository',
    target: options.target ?? path.basename(root),
    covers: ['workflows', 'npmrc', 'manifests'],
    complete: errors.length === 0,
    errors,
  };
  return {
    schemaVersion: 1,
    collectedAt: (options.now ?? new Date()).toISOString(),
    sources: [source],
    workflows: dedupe(workflows).sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : a.origin.line! - b.origin.line!,
    ),
    npmrc: dedupe(npmrc),
    manifests: [...manifests.values()].map((m) => m.fact).sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

export class RepositoryError extends Error {}

function otherWorkspaceGlobs(read: (f: string) => string | undefined, files: string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    const text = read(f);
    if (text === undefined) continue;
    try {
      const data = (f.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as { packages?: unknown };
      if (Array.isArray(data?.packages))
        out.push(...data.packages.filter((x): x is string => typeof x === 'string'));
    } catch {
      // An unreadable workspace file only means fewer manifests; the CI files are what matter.
    }
  }
  return out;
}

function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'Permission denied; not read.';
  if (code === 'ELOOP') return 'Its symbolic links form a loop; not read.';
  if (code === 'ENOENT') return 'It disappeared or is a broken link; not read.';
  return `It could not be read (${code ?? 'error'}).`;
}

function uniqueStrings(list: string[]): string[] {
  return [...new Set(list)];
}

/** Ids must be unique within a collection; keep the first of any repeat. */
function dedupe<T extends { id: string }>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((x) => (seen.has(x.id) ? false : (seen.add(x.id), true)));
}
