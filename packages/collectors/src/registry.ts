import { createHash } from 'node:crypto';
import type {
  Account,
  Facts,
  Org,
  Package,
  Source,
  SourceError,
  Token,
  TrustedPublisher,
} from '@trustgate/core';
import micromatch from 'micromatch';
import { createClient, type HttpOptions } from './http.js';

export interface RegistryCollectOptions extends HttpOptions {
  /** The registry's base URL. */
  registry: string;
  /** Every package of this org, and its members. */
  org?: string;
  /** Package names or globs; globs are matched against the org's (or the user's) packages. */
  packages?: string[];
  /** A stable slice of the packages: `{ index: 1, count: 4 }` is the first of four. */
  shard?: { index: number; count: number };
  /** Requests under way at once. Default 8. */
  concurrency?: number;
  now?: Date;
  /** Called as packages complete, for a progress bar. */
  onProgress?: (done: number, total: number) => void;
}

interface TokenObject {
  key?: string;
  token?: string;
  user?: string;
  name?: string;
  readonly?: boolean;
  automation?: boolean;
  cidr_whitelist?: string[] | null;
  cidr?: string[] | null;
  created?: string;
  updated?: string;
  expiry?: string | null;
  expires?: string | null;
  bypass_2fa?: boolean;
  permissions?: { name?: string; action?: string }[];
  scopes?: (string | { name?: string })[];
  packages?: (string | { name?: string })[];
  orgs?: (string | { name?: string })[];
}

interface Profile {
  name?: string;
  tfa?: false | null | { mode?: string; pending?: boolean };
}

/**
 * Collect tokens, the account, packages, trusted publishers and org members
 * from an npm registry. A request that fails, after retries, becomes an error
 * of the source it belongs to, which is then incomplete: rules fail closed on it.
 */
export async function collectRegistry(
  options: RegistryCollectOptions,
): Promise<{ facts: Facts; requests: number; failures: number }> {
  const client = createClient(options.registry, options);
  const target = client.root;
  const now = options.now ?? new Date();
  let requests = 0;
  let failures = 0;
  const get = async <T>(path: string, errors: SourceError[], entity: string) => {
    requests++;
    const r = await client.getJson<T>(path);
    if (!r.ok) {
      failures++;
      errors.push({ entity, message: r.message });
    }
    return r;
  };
  const origin = (path: string) => ({ url: new URL(path.replace(/^\//, ''), target).toString() });

  // The account behind the token.
  const accountErrors: SourceError[] = [];
  const accounts: Account[] = [];
  const profile = await get<Profile>('-/npm/v1/user', accountErrors, 'account');
  const user = profile.ok ? profile.data.name : undefined;
  if (profile.ok && user)
    accounts.push({ id: user, tfa: mapTfa(profile.data.tfa), origin: origin('-/npm/v1/user') });

  // Its tokens, every page.
  const tokenErrors: SourceError[] = [];
  const tokens: Token[] = [];
  let next: string | undefined = '-/npm/v1/tokens';
  for (let page = 0; next && page < 1000; page++) {
    const r: Awaited<ReturnType<typeof get<{ objects?: TokenObject[]; urls?: { next?: string } }>>> =
      await get(next, tokenErrors, `tokens page ${page + 1}`);
    if (!r.ok) break;
    for (const t of r.data.objects ?? []) tokens.push(mapToken(t, user, origin('-/npm/v1/tokens')));
    next = r.data.urls?.next || undefined;
  }

  // The org: its members and packages.
  const orgErrors: SourceError[] = [];
  const orgs: Org[] = [];
  let listed: string[] | undefined;
  const packageErrors: SourceError[] = [];
  if (options.org) {
    const org = encodeURIComponent(options.org);
    const members = await get<Record<string, string>>(`-/org/${org}/user`, orgErrors, `org:${options.org}`);
    if (members.ok) {
      orgs.push({
        id: options.org,
        members: Object.entries(members.data).map(([name, role]) => ({ name, role: String(role) })),
        origin: origin(`-/org/${org}/user`),
      });
      // Their 2FA is not visible through the API: unknown until attested.
      for (const name of Object.keys(members.data)) {
        if (!accounts.some((a) => a.id === name))
          accounts.push({ id: name, tfa: null, roles: [String(members.data[name])] });
      }
    }
    const pkgs = await get<Record<string, string>>(
      `-/org/${org}/package`,
      packageErrors,
      `org:${options.org}`,
    );
    if (pkgs.ok) listed = Object.keys(pkgs.data);
  }

  // Which packages.
  const named = (options.packages ?? []).filter((p) => !micromatch.scan(p).isGlob);
  const globs = (options.packages ?? []).filter((p) => micromatch.scan(p).isGlob);
  if (!listed && (globs.length > 0 || (options.packages ?? []).length === 0) && !options.org && user) {
    const mine = await get<Record<string, string>>(
      `-/user/${encodeURIComponent(user)}/package`,
      packageErrors,
      `user:${user}`,
    );
    if (mine.ok) listed = Object.keys(mine.data);
  }
  let names = [...named];
  if (globs.length > 0) names.push(...micromatch(listed ?? [], globs));
  else if ((options.packages ?? []).length === 0) names.push(...(listed ?? []));
  names = [...new Set(names)].sort();
  if (options.shard)
    names = names.filter((n) => shardOf(n, options.shard!.count) === options.shard!.index - 1);

  const packages: Package[] = [];
  let done = 0;
  await pool(names, options.concurrency ?? 8, async (name) => {
    packages.push(await collectPackage(name, get, packageErrors, origin));
    options.onProgress?.(++done, names.length);
  });
  packages.sort((a, b) => (a.id < b.id ? -1 : 1));

  const source = (covers: Source['covers'], errors: SourceError[]): Source => ({
    collector: 'registry',
    target,
    covers,
    complete: errors.length === 0,
    errors,
  });
  const sources = [
    source(['accounts'], accountErrors),
    source(['tokens'], tokenErrors),
    source(['packages'], packageErrors),
  ];
  if (options.org) sources.push(source(['orgs'], orgErrors));
  if (options.shard) {
    for (const s of sources) s.target = `${target} (shard ${options.shard.index}/${options.shard.count})`;
  }
  return {
    facts: { schemaVersion: 1, collectedAt: now.toISOString(), sources, tokens, accounts, packages, orgs },
    requests,
    failures,
  };
}

async function collectPackage(
  name: string,
  get: <T>(
    path: string,
    errors: SourceError[],
    entity: string,
  ) => Promise<{ ok: true; data: T } | { ok: false; status?: number }>,
  errors: SourceError[],
  origin: (path: string) => { url: string },
): Promise<Package> {
  const escaped = name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
  const entity = `package:${name}`;
  const pkg: Package = {
    id: name,
    access: null,
    mfa: null,
    trustedPublishers: null,
    origin: origin(escaped),
  };

  const doc = await get<Packument>(escaped, errors, entity);
  if (doc.ok) {
    const p = doc.data;
    const latest = p['dist-tags']?.latest;
    const version = latest ? p.versions?.[latest] : undefined;
    // No maintainers in the document means unknown, not none.
    const listed = p.maintainers ?? version?.maintainers;
    if (Array.isArray(listed)) {
      pkg.maintainers = listed.map((m) => (typeof m === 'string' ? m : (m.name ?? ''))).filter(Boolean);
    }
    pkg.latest = version
      ? {
          version: latest!,
          publishedAt: p.time?.[latest!] ?? null,
          provenance: Boolean(version.dist?.attestations?.provenance),
          trustedPublisher: Boolean(version._npmUser?.trustedPublisher),
          publisher: version._npmUser?.name ?? null,
        }
      : null;
  }
  const trust = await get<TrustConfig[]>(`-/package/${escaped.replace('%2F', '%2f')}/trust`, errors, entity);
  if (trust.ok && Array.isArray(trust.data))
    pkg.trustedPublishers = trust.data.map(mapTrust).filter((t): t is TrustedPublisher => t !== undefined);
  const access = await get<{
    publish_requires_tfa?: boolean;
    automation_token_overrides_tfa?: boolean;
    access?: string;
  }>(`-/package/${escaped.replace('%2F', '%2f')}/access`, errors, entity);
  if (access.ok) {
    const a = access.data;
    if (typeof a.publish_requires_tfa === 'boolean') {
      pkg.mfa = a.publish_requires_tfa
        ? a.automation_token_overrides_tfa
          ? 'automation'
          : 'publish'
        : 'none';
    }
    if (a.access === 'public' || a.access === 'restricted') pkg.access = a.access;
  }
  return pkg;
}

interface Packument {
  maintainers?: (string | { name?: string })[];
  'dist-tags'?: Record<string, string>;
  time?: Record<string, string>;
  versions?: Record<
    string,
    {
      dist?: { attestations?: { provenance?: unknown } };
      _npmUser?: { name?: string; trustedPublisher?: unknown };
      maintainers?: (string | { name?: string })[];
    }
  >;
}

interface TrustConfig {
  type?: string;
  claims?: {
    repository?: string;
    project_path?: string;
    workflow_ref?: { file?: string };
    ci_config_ref_uri?: { file?: string };
    environment?: string;
    [key: string]: unknown;
  };
}

function mapTrust(c: TrustConfig): TrustedPublisher | undefined {
  const provider = c.type === 'github' || c.type === 'gitlab' || c.type === 'circleci' ? c.type : undefined;
  if (!provider) return undefined;
  const t: TrustedPublisher = { provider };
  const claims = c.claims ?? {};
  if (typeof claims.repository === 'string') t.repository = claims.repository;
  if (typeof claims.project_path === 'string') t.project = claims.project_path;
  const file = claims.workflow_ref?.file ?? claims.ci_config_ref_uri?.file;
  if (typeof file === 'string') t.workflow = file;
  t.environment = typeof claims.environment === 'string' ? claims.environment : null;
  return t;
}

function mapTfa(tfa: Profile['tfa']): Account['tfa'] {
  if (tfa === false) return { enabled: false, mode: null, pending: false, method: null };
  if (tfa === null || tfa === undefined || typeof tfa !== 'object') return null;
  const mode = tfa.mode === 'auth-only' || tfa.mode === 'auth-and-writes' ? tfa.mode : null;
  // The API does not say whether 2FA is WebAuthn or TOTP.
  return { enabled: true, mode, pending: tfa.pending === true, method: 'unknown' };
}

/**
 * One model for npmjs classic and granular tokens and Verdaccio's. The value is
 * never kept: only the registry's key, and the last four characters of the
 * masked value the registry shows.
 */
export function mapToken(t: TokenObject, user: string | undefined, origin: { url: string }): Token {
  const granular =
    t.name !== undefined ||
    t.expiry !== undefined ||
    t.permissions !== undefined ||
    t.bypass_2fa !== undefined;
  const classic = !granular && t.automation !== undefined;
  const write = granular
    ? (t.permissions ?? []).some((p) => p.action === 'write') ||
      (t.permissions === undefined && t.readonly !== true)
    : t.readonly !== true;
  const masked = typeof t.token === 'string' ? t.token : '';
  const id =
    t.key ??
    createHash('sha256')
      .update(`${t.created ?? ''}:${masked}`)
      .digest('hex');
  const token: Token = {
    id,
    owner: t.user ?? user ?? null,
    kind: granular ? 'granular' : classic ? 'classic' : 'unknown',
    access: write ? 'write' : 'read',
    created: t.created ?? null,
    expires: t.expiry ?? t.expires ?? null,
    cidr: t.cidr ?? t.cidr_whitelist ?? [],
    origin,
  };
  if (classic) token.classicType = t.readonly ? 'read-only' : t.automation ? 'automation' : 'publish';
  if (granular) token.bypass2fa = t.bypass_2fa ?? null;
  const names = (list: TokenObject['scopes']) =>
    (list ?? []).map((x) => (typeof x === 'string' ? x : (x.name ?? ''))).filter(Boolean);
  if (t.scopes) token.scopes = names(t.scopes);
  if (t.packages) token.packages = names(t.packages);
  if (t.orgs) token.orgs = names(t.orgs);
  if (masked)
    token.display = `${masked.startsWith('npm_') ? 'npm_' : ''}…${masked.replace(/[.…]+$/, '').slice(-4)}`;
  return token;
}

/** The shard (0-based) a package belongs to: stable across runs and machines. */
export function shardOf(name: string, count: number): number {
  return Number.parseInt(createHash('sha256').update(name).digest('hex').slice(0, 8), 16) % count;
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const runners = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (i < items.length) await work(items[i++]!);
  });
  await Promise.all(runners);
}
