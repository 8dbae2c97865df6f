import {
  FileWriteError,
  isNpmjs,
  type RepoContext,
  RepositoryFiles,
  type RepositoryScan,
  redactText,
  type ScanOptions,
  scanRepositoryWithContext,
} from '@trustgate/collectors';
import { publishesWithOidcOnly, type SourceError, type WorkflowStep } from '@trustgate/core';
import { fixGithubFile } from './github.js';
import { fixGitlabFile } from './gitlab.js';
import { type Replacement, replacementsOf, unifiedDiff } from './merge.js';
import type { FileFix } from './types.js';

export type { Replacement } from './merge.js';
export type { FileFix, TrustTarget } from './types.js';

/** The rules whose findings `trustgate fix` resolves. */
export const FIXABLE_RULES = ['trusted-publishing'] as const;

/** Where the repository lives, for the trusted publisher form. */
export interface RepositoryId {
  host: 'github' | 'gitlab' | 'other';
  /** `owner/repo`, or `group/subgroup/project` on GitLab. */
  path: string;
  /** Where it was read from. */
  from: string;
}

export interface FixPlan {
  /** One entry per CI file with a publishing step to move, fixed or refused. */
  files: FileFix[];
  repository: RepositoryId | null;
  /**
   * What the scan could not read (a file behind a link out of the repository,
   * an include that is missing, invalid YAML…): publishing steps there were
   * not checked, so the plan is not the whole story.
   */
  unchecked: SourceError[];
}

/** A publishing step that the `trusted-publishing` rule fails: npmjs, and a token or no OIDC. */
export function needsTrustedPublishing(step: WorkflowStep): boolean {
  return isNpmjs(step.registry) && !publishesWithOidcOnly(step);
}

/**
 * Work out, without writing anything, the edits that move a repository's npm
 * publishing to trusted publishing, file by file.
 */
export async function planFixes(
  dir: string,
  options: ScanOptions & { scan?: RepositoryScan } = {},
): Promise<FixPlan> {
  // A scan made already (check's) is used as it is: the repository is not walked twice.
  const { facts, repo } = options.scan ?? (await scanRepositoryWithContext(dir, options));
  const unchecked = facts.sources.flatMap((s) => (s.collector === 'repository' ? (s.errors ?? []) : []));
  const steps = facts.workflows ?? [];
  const targets = steps.filter(needsTrustedPublishing);
  const files: FileFix[] = [];
  for (const file of [...new Set(targets.map((t) => t.file))].sort()) {
    const fileTargets = targets.filter((t) => t.file === file);
    const fileSteps = steps.filter((s) => s.file === file);
    const read = repo.read(file);
    const text = read.ok ? read.text : undefined;
    const provider = fileTargets[0]!.provider;
    if (text === undefined || provider === 'circleci') {
      files.push({
        file,
        provider,
        status: 'refused',
        before: text ?? '',
        after: text ?? '',
        steps: fileTargets.map((t) => t.id),
        reasons: [
          text === undefined
            ? `${file}:1: The file could not be read again (it ${read.ok ? 'changed' : read.reason}); nothing was changed.`
            : `${file}:${fileTargets[0]!.origin.line ?? 1}: trustgate fix does not edit CircleCI configuration yet; add an OIDC-based publish by hand (npm documents CircleCI's trusted publishing).`,
        ],
        notes: [],
        trust: [],
      });
      continue;
    }
    files.push(
      provider === 'github'
        ? fixGithubFile(file, text, fileSteps, fileTargets, repo)
        : fixGitlabFile(file, text, fileSteps, fileTargets, repo),
    );
  }
  // Reasons and notes quote the files; they pass the same redaction as the facts.
  for (const f of files) {
    f.reasons = f.reasons.map((r) => redactText(r));
    f.notes = f.notes.map((n) => redactText(n));
  }
  return { files, repository: repositoryId(repo), unchecked };
}

/**
 * Write the fixed files, every one or none, through the path guard: a file
 * whose real path is outside the repository (a link swapped in after the
 * scan) is refused, and a failure puts back the files already written.
 * Throws `FileWriteError` (one sentence, ending in what was put back).
 */
export function applyFixes(dir: string, fixes: FileFix[]): void {
  const files = new RepositoryFiles(dir);
  const done: FileFix[] = [];
  try {
    for (const f of fixes) {
      files.write(f.file, f.after);
      done.push(f);
    }
  } catch (error) {
    const restored: string[] = [];
    for (const f of done.reverse()) {
      try {
        files.write(f.file, f.before);
        restored.push(f.file);
      } catch {
        // reported below: the file keeps the fix
      }
    }
    if (!(error instanceof FileWriteError)) throw error;
    const kept = done.filter((f) => !restored.includes(f.file)).map((f) => f.file);
    throw new FileWriteError(
      `${error.message.replace(/\.$/, '')}; ${
        kept.length > 0
          ? `${kept.join(', ')} could not be put back and keep${kept.length === 1 ? 's' : ''} the fix`
          : 'no file was changed'
      }.`,
    );
  }
}

/**
 * The edits of a fixed file as replacements, for SARIF `fixes`. Their inserted
 * text is the file's own, so it cannot be masked; when it holds something the
 * redaction would mask (another registry's committed token on an edited line),
 * no replacement is offered at all.
 */
export function fileReplacements(fix: FileFix): Replacement[] {
  if (fix.status !== 'fixed') return [];
  const replacements = replacementsOf(fix.before, fix.after);
  return replacements.every((r) => redactText(r.text) === r.text) ? replacements : [];
}

/**
 * The unified diff of a fixed file ('' when it is unchanged), with committed
 * credentials masked: both sides pass the facts' redaction (line by line,
 * lines kept in place) before they are compared.
 */
export function fileDiff(fix: FileFix): string {
  if (fix.status !== 'fixed' || fix.after === fix.before) return '';
  return unifiedDiff(redactText(fix.file), redactText(fix.before), redactText(fix.after));
}

/** owner/repo from the git remote `origin`, else from package.json's `repository`. */
function repositoryId(repo: RepoContext): RepositoryId | null {
  const read = repo.read('.git/config');
  const config = read.ok ? read.text : undefined;
  const origin = config && /\[remote "origin"\][^[]*?\burl\s*=\s*(\S+)/.exec(config)?.[1];
  const fromRemote = origin ? parseRepoUrl(origin) : null;
  if (fromRemote) return { ...fromRemote, from: 'the git remote "origin"' };
  const field = repo.manifestAt('')?.fact.repository;
  const fromManifest = field ? parseRepoUrl(field) : null;
  return fromManifest ? { ...fromManifest, from: 'package.json "repository"' } : null;
}

/** `git@github.com:o/r.git`, `https://gitlab.com/g/s/p`, `github:o/r`, `o/r`. */
function parseRepoUrl(url: string): Omit<RepositoryId, 'from'> | null {
  const u = url.trim();
  const short = /^(github|gitlab):([\w.-]+(?:\/[\w.-]+)+)$/.exec(u);
  if (short) return { host: short[1] as 'github' | 'gitlab', path: short[2]!.replace(/\.git$/, '') };
  if (/^[\w.-]+\/[\w.-]+$/.test(u)) return { host: 'github', path: u };
  const m = /^(?:git\+)?(?:[a-z]+:\/\/)?(?:[^@/]+@)?([^/:]+)[:/](.+?)(?:\.git)?\/?$/.exec(u);
  if (!m) return null;
  const host = m[1]!.toLowerCase();
  return {
    host: host === 'github.com' ? 'github' : host === 'gitlab.com' ? 'gitlab' : 'other',
    path: m[2]!.replace(/^\/+/, ''),
  };
}
