/**
 * The facts model (schema version 1). `schemas/facts.schema.json` describes the
 * same shapes; `tests/facts-schema.test.ts` keeps the two in agreement.
 */

export type CollectionName =
  | 'tokens'
  | 'accounts'
  | 'packages'
  | 'orgs'
  | 'workflows'
  | 'npmrc'
  | 'manifests';

export const COLLECTIONS: readonly CollectionName[] = [
  'tokens',
  'accounts',
  'packages',
  'orgs',
  'workflows',
  'npmrc',
  'manifests',
];

/** Where an entity was found: a repo-relative file position, or a registry URL. */
export interface Origin {
  file?: string;
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  url?: string;
}

export interface SourceError {
  entity?: string;
  message: string;
  /** Where in the entity's file (`file:…`) the problem is, when the parser said. */
  line?: number;
  column?: number;
}

/** One collector run: what it covered, and whether it completed. */
export interface Source {
  collector: string;
  target?: string;
  covers: CollectionName[];
  complete: boolean;
  errors?: SourceError[];
  attestedAt?: string;
}

export interface Token {
  id: string;
  owner?: string | null;
  kind: 'classic' | 'granular' | 'session' | 'unknown';
  classicType?: 'publish' | 'automation' | 'read-only' | null;
  access: 'read' | 'write';
  created: string | null;
  expires: string | null;
  lastUsed?: string | null;
  bypass2fa?: boolean | null;
  cidr?: string[];
  packages?: string[];
  scopes?: string[];
  orgs?: string[];
  display?: string;
  origin?: Origin;
}

export interface TwoFactor {
  enabled: boolean;
  mode: 'auth-only' | 'auth-and-writes' | null;
  pending?: boolean;
  method: 'webauthn' | 'totp' | 'unknown' | null;
}

export interface Account {
  id: string;
  /** `null` when the sources could not tell whether 2FA is on. */
  tfa: TwoFactor | null;
  roles?: string[];
  origin?: Origin;
}

export interface TrustedPublisher {
  provider: 'github' | 'gitlab' | 'circleci';
  repository?: string;
  project?: string;
  workflow?: string;
  environment?: string | null;
}

export interface LatestVersion {
  version: string;
  publishedAt?: string | null;
  provenance?: boolean | null;
  trustedPublisher?: boolean | null;
  publisher?: string | null;
}

export interface Package {
  id: string;
  access?: 'public' | 'restricted' | null;
  mfa: 'publish' | 'automation' | 'none' | null;
  /** `null` when the sources could not read the package's trusted publishers. */
  trustedPublishers: TrustedPublisher[] | null;
  maintainers?: string[];
  latest?: LatestVersion | null;
  origin?: Origin;
}

export interface OrgMember {
  name: string;
  role: string;
}

export interface Org {
  id: string;
  members: OrgMember[];
  origin?: Origin;
}

export interface WorkflowAuth {
  oidc: boolean;
  tokenSecrets: string[];
  tokenEnv: string[];
}

/** One publishing step of a CI workflow. */
export interface WorkflowStep {
  id: string;
  file: string;
  provider: 'github' | 'gitlab' | 'circleci';
  registry: string;
  job: string;
  tool: string;
  command?: string;
  /** The publish command was not found; the step is inferred from the npm credentials the job receives. */
  inferred?: boolean;
  auth: WorkflowAuth;
  provenance: boolean | null;
  origin: Origin;
}

export interface NpmrcEntry {
  id: string;
  file: string;
  registry: string;
  key: '_authToken' | '_auth' | '_password';
  value: 'literal' | 'env' | 'empty';
  envVar?: string | null;
  origin: Origin;
}

export interface Manifest {
  id: string;
  file: string;
  name: string | null;
  private: boolean;
  publishConfig?: Record<string, unknown> | null;
  repository?: string | null;
  origin: Origin;
}

export interface Facts {
  schemaVersion: 1;
  collectedAt: string;
  sources: Source[];
  tokens?: Token[];
  accounts?: Account[];
  packages?: Package[];
  orgs?: Org[];
  workflows?: WorkflowStep[];
  npmrc?: NpmrcEntry[];
  manifests?: Manifest[];
}

/** Facts after loading: every collection is present (possibly empty). */
export type LoadedFacts = Required<Facts>;

/** What an entity of each collection is called in a subject (`token:…`). */
export const SUBJECT_KIND: Record<CollectionName, string> = {
  tokens: 'token',
  accounts: 'account',
  packages: 'package',
  orgs: 'org',
  workflows: 'workflow',
  npmrc: 'npmrc',
  manifests: 'manifest',
};

const npmjsByUrl = new Map<string, boolean>();

/** The public npm registry, however its URL is written (trailing slash, credentials). */
export function isNpmjs(registry: string): boolean {
  // An org has a handful of registry URLs and thousands of publishing steps: parse each URL once.
  let known = npmjsByUrl.get(registry);
  if (known === undefined) {
    try {
      known = new URL(registry).hostname === 'registry.npmjs.org';
    } catch {
      known = false;
    }
    if (npmjsByUrl.size >= 1000) npmjsByUrl.clear();
    npmjsByUrl.set(registry, known);
  }
  return known;
}

/** A publishing step that authenticates with OIDC alone: no token secret, no token variable. */
export function publishesWithOidcOnly(step: WorkflowStep): boolean {
  return step.auth.oidc && step.auth.tokenSecrets.length === 0 && step.auth.tokenEnv.length === 0;
}
