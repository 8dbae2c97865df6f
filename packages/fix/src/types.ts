import type { RepoContext } from '@trustgate/collectors';
import type { WorkflowStep } from '@trustgate/core';

/** The trusted publisher to configure on the registry for one publishing job. */
export interface TrustTarget {
  provider: 'github' | 'gitlab';
  /** The CI file, repository-relative. */
  file: string;
  job: string;
  environment: string | null;
  /** The packages the job publishes, from package.json. */
  packages: string[];
  /** The token secrets the job used, to delete once OIDC publishing works. */
  secrets: string[];
}

/** What `trustgate fix` does to one CI file. */
export interface FileFix {
  file: string;
  provider: WorkflowStep['provider'];
  /** `fixed`: `after` holds the edit. `refused`: the file is left as it is, for `reasons`. */
  status: 'fixed' | 'refused';
  before: string;
  after: string;
  /** The publishing steps (fact ids) the fix moves to trusted publishing. */
  steps: string[];
  /** Why the file was left as it is: one sentence each, with the line. */
  reasons: string[];
  /** What a reviewer should know about the edit. */
  notes: string[];
  trust: TrustTarget[];
}

export interface FixContext {
  repo: RepoContext;
}

/** Tools that publish every workspace package, not the one in their folder. */
export const WORKSPACE_TOOLS = /^(changesets|lerna|nx|npmci|semantic-release)\b/;

/** Versions of release tools that publish through OIDC, for the review notes. */
export const TOOL_NOTES: Record<string, string> = {
  changesets:
    'changesets/action writes an .npmrc with an empty token before v1.7.0; use v1.7.0 or later (the floating v1 tag is).',
  'semantic-release':
    'semantic-release publishes through OIDC from v25 (@semantic-release/npm 13); older versions stop with ENONPMTOKEN.',
  yarn: 'yarn npm publish uses OIDC from Yarn 4.10.3; older Yarn versions find no credentials.',
  pnpm: 'some pnpm versions publish without the OIDC exchange (reported for pnpm 9); if pnpm publish fails with E404, publish the packed tarballs with npm.',
};
