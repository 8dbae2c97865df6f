import {
  closeSync,
  type Dirent,
  fstatSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import path from 'node:path';
import type { Facts, NpmrcEntry, Source, SourceError, WorkflowStep } from '@trustgate/core';
import fg from 'fast-glob';
import micromatch from 'micromatch';
import { parse as parseYaml } from 'yaml';
import { analyzeCircleci } from './circleci.js';
import { type Analysis, pushAll, type RepoContext } from './context.js';
import { analyzeGithub } from './github.js';
import { analyzeGitlab } from './gitlab.js';
import { type ManifestInfo, readManifest } from './manifest.js';
import { parseNpmrc } from './npmrc.js';
import { redactFacts } from './redact.js';

export interface ScanOptions {
  /** The largest file read, in bytes. Larger files are recorded as errors. Default 1 MiB. */
  maxFileBytes?: number;
  /** `collectedAt`. Default: now. */
  now?: Date;
  /** The source's `target`. Default: the folder name. */
  target?: string;
}

const PATTERNS = [
  '.github/workflows/*.yml',
  '.github/workflows/*.yaml',
  '.gitlab-ci.yml',
  '.circleci/config.yml',
  '**/.npmrc',
  '**/package.json',
  'pnpm-workspace.yaml',
  'lerna.json',
];
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
}

/** The scan, and what the workflow analysers read of the repository. */
export async function scanRepositoryWithContext(
  dir: string,
  options: ScanOptions = {},
): Promise<RepositoryScan> {
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

  /** What the walk saw of each path: a file, a link, a folder, or something else (a FIFO, a device). */
  const seen = new Map<string, EntryKind>();
  const kindOf = (rel: string): EntryKind | undefined => {
    const known = seen.get(rel);
    if (known) return known;
    try {
      return entryKind(lstatSync(path.join(root, rel)));
    } catch {
      return undefined;
    }
  };

  const read = (rel: string): string | undefined => {
    const abs = path.join(root, rel);
    let kind = kindOf(rel);
    if (kind === undefined) return undefined;
    try {
      if (kind === 'link') {
        const target = realpathSync(abs);
        if (target !== realRoot && !target.startsWith(realRoot + path.sep)) {
          errors.push({
            entity: `file:${rel}`,
            message: 'It is a symbolic link that points outside the repository; not read.',
          });
          return undefined;
        }
        kind = entryKind(statSync(target));
      }
    } catch (error) {
      errors.push({ entity: `file:${rel}`, message: fileProblem(error) });
      return undefined;
    }
    if (kind === 'dir') return undefined;
    if (kind !== 'file') {
      // Never opened: reading a FIFO or a device could block the scan for ever.
      errors.push({ entity: `file:${rel}`, message: 'It is not a regular file; not read.' });
      return undefined;
    }
    let bytes: Buffer | undefined;
    try {
      bytes = readBounded(abs, maxBytes);
    } catch (error) {
      errors.push({ entity: `file:${rel}`, message: fileProblem(error) });
      return undefined;
    }
    if (bytes === undefined) {
      errors.push({
        entity: `file:${rel}`,
        message: `It is larger than ${Math.round(maxBytes / 1024)} KiB; not read.`,
      });
      return undefined;
    }
    if (bytes.includes(0)) {
      errors.push({ entity: `file:${rel}`, message: 'It holds binary data, not text; not read.' });
      return undefined;
    }
    return bytes.toString('utf8');
  };

  // One walk of the tree finds everything; symbolic links come back too (read() decides about them).
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
  for (const e of found) seen.set(e.path, entryKind(e.dirent));
  const paths = [...seen.keys()].sort();
  const ciFiles = paths.filter(
    (p) => p.startsWith('.github/workflows/') || p === '.gitlab-ci.yml' || p === '.circleci/config.yml',
  );
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
    readText: (f) => (f.includes('..') ? undefined : read(f)),
  };

  const workflows: WorkflowStep[] = [];
  const npmrc: NpmrcEntry[] = [];
  const take = (a: Analysis) => {
    pushAll(workflows, a.steps);
    pushAll(npmrc, a.npmrc);
    pushAll(errors, a.errors);
  };
  for (const file of ciFiles) {
    const text = read(file);
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
  return { facts: redactFacts(facts), repo };
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

type EntryKind = 'file' | 'dir' | 'link' | 'other';

function entryKind(d: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): EntryKind {
  if (d.isSymbolicLink()) return 'link';
  if (d.isFile()) return 'file';
  if (d.isDirectory()) return 'dir';
  return 'other';
}

/** The file's bytes, or undefined when it is larger than `max` (then only its size was looked at). */
function readBounded(file: string, max: number): Buffer | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > max) return undefined;
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === size ? buf : buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}

function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'Permission denied; not read.';
  if (code === 'ELOOP') return 'Its symbolic links form a loop; not read.';
  if (code === 'ENOENT') return 'It disappeared or is a broken link; not read.';
  return `It could not be read (${code ?? 'error'}).`;
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
