import type { Dirent } from 'node:fs';
import path from 'node:path';
import type { Facts, NpmrcEntry, Source, SourceError, WorkflowStep } from '@trustgate/core';
import fg from 'fast-glob';
import micromatch from 'micromatch';
import { parse as parseYaml } from 'yaml';
import { analyzeCircleci } from './circleci.js';
import { type Analysis, pushAll, type RepoContext } from './context.js';
import { RepositoryError, RepositoryFiles } from './files.js';
import { analyzeGithub } from './github.js';
import { analyzeGitlab } from './gitlab.js';
import { type ManifestInfo, readManifest } from './manifest.js';
import { parseNpmrc } from './npmrc.js';
import { redactFacts } from './redact.js';

export { RepositoryError };

export interface ScanOptions {
  /** The largest file read, in bytes. Larger files are recorded as errors. Default 1 MiB. */
  maxFileBytes?: number;
  /** `collectedAt`. Default: now. */
  now?: Date;
  /** The source's `target`. Default: the folder name. */
  target?: string;
}

/** Found by walking the tree; the CI files are at fixed places, and read from there. */
const PATTERNS = ['**/.npmrc', '**/package.json', 'pnpm-workspace.yaml', 'lerna.json'];
const IGNORE = ['**/node_modules/**', '**/.git/**'];

/**
 * Scan a repository for how it publishes to npm: its CI files, `.npmrc` files
 * and package.json files. Problems with single files never stop the scan: they
 * become `sources[].errors`, and the source is then incomplete.
 */
export async function scanRepository(dir: string, options: ScanOptions = {}): Promise<Facts> {
  return (await scanRepositoryWithContext(dir, options)).facts;
}

/** A scan's facts, and what the workflow analysers read of the repository (for `trustgate fix`). */
export interface RepositoryScan {
  facts: Facts;
  repo: RepoContext;
  /** The path guard the scan read through (for `trustgate fix`, which writes through it too). */
  files: RepositoryFiles;
}

/** The scan, and what the workflow analysers read of the repository. */
export async function scanRepositoryWithContext(
  dir: string,
  options: ScanOptions = {},
): Promise<RepositoryScan> {
  const files = new RepositoryFiles(dir, options.maxFileBytes ? { maxBytes: options.maxFileBytes } : {});
  const root = files.root;
  const errors: SourceError[] = [];

  /** A file's text through the path guard; anything refused is an error of the scan (absent files too, unless optional). */
  const read = (rel: string, optional = false): string | undefined => {
    const r = files.read(rel);
    if (r.ok) return r.text;
    if (r.folder || (optional && r.missing)) return undefined;
    errors.push({ entity: `file:${rel}`, message: r.message });
    return undefined;
  };

  // One walk of the tree finds .npmrc and package.json files; links come back too (the guard decides about them).
  const walkOptions = {
    cwd: root,
    dot: true,
    onlyFiles: false,
    followSymbolicLinks: false,
    ignore: IGNORE,
    objectMode: true,
  };
  let found: { path: string; dirent: Dirent }[];
  try {
    found = (await fg(PATTERNS, walkOptions)) as unknown as { path: string; dirent: Dirent }[];
  } catch (error) {
    errors.push({
      entity: 'repository',
      message: `Some folders could not be listed (${fileProblem(error)})`,
    });
    found = (await fg(PATTERNS, { ...walkOptions, suppressErrors: true })) as unknown as {
      path: string;
      dirent: Dirent;
    }[];
  }
  const seen = new Set<string>();
  // A folder named like one of the files holds none of them.
  for (const e of found) if (!e.dirent.isDirectory()) seen.add(e.path);
  const paths = [...seen].sort();
  const ciFiles = ciLocations(files, errors);
  const npmrcFiles = paths.filter((p) => p === '.npmrc' || p.endsWith('/.npmrc'));
  const packageFiles = paths.filter((p) => p === 'package.json' || p.endsWith('/package.json'));

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
  if (seen.has('package.json')) loadManifest('package.json');
  const workspaceGlobs = [
    ...(manifests.get('')?.workspaces ?? []),
    ...otherWorkspaceGlobs(
      read,
      ['pnpm-workspace.yaml', 'lerna.json'].filter((f) => seen.has(f)),
    ),
  ];
  const members = workspaceGlobs.length
    ? micromatch(
        packageFiles.map((f) => path.posix.dirname(f)),
        workspaceGlobs.map((g) => g.replace(/^\.\//, '').replace(/\/+$/, '')),
      )
    : packageFiles.map((f) => path.posix.dirname(f));
  for (const d of members.sort()) if (d !== '.') loadManifest(`${d}/package.json`);

  const repo: RepoContext = {
    scriptsAt: (d) => {
      const m = manifests.get(d) ?? manifests.get('');
      return m ? (name) => m.scripts[name] : undefined;
    },
    manifestAt: (d) => manifests.get(d) ?? manifests.get(''),
    manifests: () => [...manifests.values()],
    read: (f) => files.read(f),
  };

  const workflows: WorkflowStep[] = [];
  const npmrc: NpmrcEntry[] = [];
  const take = (a: Analysis) => {
    pushAll(workflows, a.steps);
    pushAll(npmrc, a.npmrc);
    pushAll(errors, a.errors);
  };
  for (const file of ciFiles) {
    const text = read(file, true);
    if (text === undefined) continue;
    if (file.startsWith('.github/')) take(analyzeGithub(file, text, repo));
    else if (file === '.gitlab-ci.yml') take(analyzeGitlab(file, text, repo));
    else take(analyzeCircleci(file, text, repo));
  }
  for (const file of npmrcFiles) {
    const text = read(file);
    if (text !== undefined) pushAll(npmrc, parseNpmrc(text, file));
  }

  const source: Source = {
    collector: 'repository',
    target: options.target ?? path.basename(root),
    covers: ['workflows', 'npmrc', 'manifests'],
    complete: errors.length === 0,
    errors,
  };
  const facts: Facts = {
    schemaVersion: 1,
    collectedAt: (options.now ?? new Date()).toISOString(),
    sources: [source],
    workflows: dedupe(workflows).sort((a, b) =>
      a.file < b.file ? -1 : a.file > b.file ? 1 : a.origin.line! - b.origin.line!,
    ),
    npmrc: dedupe(npmrc),
    manifests: [...manifests.values()].map((m) => m.fact).sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
  // The one redaction step: nothing reaches the facts, and so any report, without passing it.
  return { facts: redactFacts(facts), repo, files };
}

/**
 * The CI files, from their fixed places: `.github/workflows/*.y{a,}ml`,
 * `.gitlab-ci.yml`, `.circleci/config.yml`. A workflows folder that is a link
 * (or is reached through one) is read when it resolves inside the repository;
 * one that leads outside is an error of the scan, never skipped in silence.
 */
function ciLocations(files: RepositoryFiles, errors: SourceError[]): string[] {
  const out = ['.circleci/config.yml'];
  const listed = files.list('.github/workflows');
  if (listed.ok) {
    for (const name of listed.names) if (/\.ya?ml$/.test(name)) out.push(`.github/workflows/${name}`);
  } else if (!listed.missing && !listed.notFolder) {
    errors.push({
      entity: 'file:.github/workflows',
      message: `It ${listed.reason}; the workflows in it were not read.`,
    });
  }
  out.push('.gitlab-ci.yml');
  return out;
}

function otherWorkspaceGlobs(read: (f: string) => string | undefined, list: string[]): string[] {
  const out: string[] = [];
  for (const f of list) {
    const text = read(f);
    if (text === undefined) continue;
    try {
      const data = (f.endsWith('.json') ? JSON.parse(text) : parseYaml(text)) as { packages?: unknown };
      if (Array.isArray(data?.packages))
        pushAll(
          out,
          data.packages.filter((x): x is string => typeof x === 'string'),
        );
    } catch {
      // An unreadable workspace file only means fewer manifests; the CI files are what matter.
    }
  }
  return out;
}

function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'error');
}

/** Ids must be unique within a collection; keep the first of any repeat. */
function dedupe<T extends { id: string }>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((x) => {
    if (seen.has(x.id)) return false;
    seen.add(x.id);
    return true;
  });
}
