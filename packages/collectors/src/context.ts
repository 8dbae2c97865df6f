import type { NpmrcEntry, SourceError, WorkflowStep } from '@trustgate/core';
import type { ReadResult } from './files.js';
import type { ManifestInfo } from './manifest.js';
import { registryUrl } from './redact.js';
import type { ScriptLookup } from './shell.js';

/** What the workflow analysers may ask about the rest of the repository. */
export interface RepoContext {
  /** npm scripts of the package.json in a repo-relative folder ('' is the root). */
  scriptsAt(dir: string): ScriptLookup | undefined;
  manifestAt(dir: string): ManifestInfo | undefined;
  /** The root package.json and the workspace packages. */
  manifests(): ManifestInfo[];
  /** A repo-relative file, for local includes, through the path guard: its text, or why it was not read. */
  read(file: string): ReadResult;
}

export interface Analysis {
  steps: WorkflowStep[];
  /** Credentials the CI files write or hold (always recorded without their values). */
  npmrc: NpmrcEntry[];
  errors: SourceError[];
}

export const NPMJS = 'https://registry.npmjs.org/';

/** An environment variable that carries an npm token. */
export function isNpmTokenVar(name: string): boolean {
  return (
    name === 'NODE_AUTH_TOKEN' ||
    /^npm_config__?auth(token)?$/i.test(name) ||
    /^YARN_NPM_AUTH_(TOKEN|IDENT)$/i.test(name) ||
    (/npm/i.test(name) && /token|auth/i.test(name))
  );
}

/** Secret names referenced in a value: `${{ secrets.X }}`. */
export function secretsIn(value: string): string[] {
  return [...value.matchAll(/secrets\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
}

/** A value that is an expression or a variable, not a literal. */
export function isReference(value: string): boolean {
  return /\$\{\{.*\}\}|^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(value.trim());
}

/** A registry URL as facts keep it: no user info or credential parameters (see redact.ts), one trailing slash. */
export function normalizeRegistry(url: string): string {
  return registryUrl(url);
}

/**
 * Append every item of `items` to `target`. `target.push(...items)` passes each
 * item as an argument, and a large list (131,072 lines of a 1 MiB `.npmrc`)
 * overflows the call stack.
 */
export function pushAll<T>(target: T[], items: readonly T[]): T[] {
  for (const item of items) target.push(item);
  return target;
}

export function uniq<T>(list: T[]): T[] {
  return [...new Set(list)];
}

export { isNpmjs } from '@trustgate/core';

/**
 * Words in a job (its id, its name, its step names and commands) that say it releases or
 * publishes (`changeset publish`, `lerna publish`, `semantic-release`, `auto shipit` say it too; a bare
 * tool name such as `lerna run build` does not). A job holding an npm token whose publish command was not found yields an inferred
 * publishing step only when it says so: a job that only installs private packages with a token
 * (`npm ci` with NODE_AUTH_TOKEN) is not a publish.
 */
export const PUBLISH_INTENT = /publish|release|shipit|shipjs trigger/i;

/** The message-facing command of an inferred step: no command was found. */
export function inferredCommand(names: string[]): string {
  return `(inferred: the job receives the npm credential ${names.join(', ')} and its publish command was not found)`;
}

/** The marker for a token the CI file cannot show (a CircleCI context or project variable). */
export const HIDDEN_TOKEN = '(token from a CircleCI context or project variable)';
