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
import { createClient, type DocumentKind, type HttpOptions, type JsonResult } from './http.js';
import { dateTime, isName, isObject, isPackageName, isVersion, own, text } from './registry-values.js';

/** Pages of tokens read at most; a registry with more (or whose pages loop) leaves the tokens incomplete. */
export const MAX_TOKEN_PAGES = 1000;
/** Tokens read at most, over all pages. */
export const MAX_TOKENS = 100_000;
/** Errors kept per source; the rest are counted in one last error. */
export const MAX_SOURCE_ERRORS = 1000;

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
  /** Stop collecting after this long; what was not collected is recorded as errors. Default: no limit. */
  deadlineMs?: number;
  now?: Date;
  /** Called as packages complete, for a progress bar. */
  onProgress?: (done: number, total: number) => void;
}

type Get = (
  path: string,
  errors: SourceError[],
  entity: string,
  kind?: DocumentKind,
) => Promise<JsonResult<unknown>>;
type Wrong = (errors: SourceError[], entity: string, path: string, what: string, unusable?: boolean) => void;

/**
 * Collect tokens, the account, packages, trusted publishers and org members
 * from an npm registry. Whatever was not finished (a request that failed after
 * its retries, a response of the wrong shape or size, a link that leaves the
 * registry, the deadline) becomes an error of the source it belongs to, which
 * is then incomplete: rules fail closed on it.
 */
export async function collectRegistry(
  options: RegistryCollectOptions,
): Promise<{ facts: Facts; requests: number; failures: number }> {
  const deadline = options.deadlineMs !== undefined ? new AbortController() : undefined;
  const timer = deadline ? setTimeout(() => deadline.abort(), options.deadlineMs) : undefined;
  const signals = [options.signal, deadline?.signal].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  const client = createClient(options.registry, { ...options, ...(signal ? { signal } : {}) });
  try {
    return await collect(options, client, signal);
  } finally {
    clearTimeout(timer);
  }
}

async function collect(
  options: RegistryCollectOptions,
  client: ReturnType<typeof createClient>,
  signal: AbortSignal | undefined,
): Promise<{ facts: Facts; requests: number; failures: number }> {
  const target = client.root;
  const now = options.now ?? new Date();
  const secret = options.token;
  let requests = 0;
  let failures = 0;
  const get: Get = async (path, errors, entity, kind) => {
    requests++;
    const r = await client.getJson<unknown>(path, kind !== undefined ? { kind } : {});
    if (!r.ok) {
      failures++;
      errors.push({ entity, message: r.message });
    }
    return r;
  };
  /** A response that arrived but is not what the endpoint returns (`unusable`: none of it could be used). */
  const wrong: Wrong = (errors, entity, path, what, unusable = true) => {
    if (unusable) failures++;
    errors.push({ entity, message: `${client.describe(client.resolve(path)!)}: ${what}` });
  };
  const origin = (path: string) => ({ url: new URL(path.replace(/^\//, ''), target).toString() });
  const stopped = () => signal?.aborted === true;

  // The account behind the token.
  const accountErrors: SourceError[] = [];
  const accounts: Account[] = [];
  const accountIds = new Set<string>();
  let user: string | undefined;
  const profile = await get('-/npm/v1/user', accountErrors, 'account');
  if (profile.ok) {
    const name = own(profile.data, 'name');
    if (!isObject(profile.data)) {
      wrong(accountErrors, 'account', '-/npm/v1/user', 'the response is not a JSON object.');
    } else if (!isName(name) || leaks(secret, name)) {
      wrong(accountErrors, 'account', '-/npm/v1/user', 'the response names no user.');
    } else {
      user = name;
      accounts.push({ id: user, tfa: mapTfa(own(profile.data, 'tfa')), origin: origin('-/npm/v1/user') });
      accountIds.add(user);
    }
  }

  // Its tokens, every page.
  const tokenErrors: SourceError[] = [];
  const tokens = await collectTokens(client, get, wrong, tokenErrors, user, secret, origin, stopped);

  // The org: its members and packages.
  const orgErrors: SourceError[] = [];
  const orgs: Org[] = [];
  let listed: string[] | undefined;
  const packageErrors: SourceError[] = [];
  if (options.org) {
    const org = encodeURIComponent(options.org);
    const entity = `org:${options.org}`;
    const membersPath = `-/org/${org}/user`;
    const members = await get(membersPath, orgErrors, entity, 'listing');
    if (members.ok && !isObject(members.data)) {
      wrong(orgErrors, entity, membersPath, 'the response is not a JSON object of members and roles.');
    } else if (members.ok && isObject(members.data)) {
      const list: Org['members'] = [];
      let skipped = 0;
      for (const name of Object.keys(members.data)) {
        const role = members.data[name];
        if (!isName(name) || typeof role !== 'string' || leaks(secret, name)) {
          skipped++;
          continue;
        }
        list.push({ name, role: text(role, 64)! });
        // Their 2FA is not visible through the API: unknown until attested.
        if (!accountIds.has(name)) {
          accounts.push({ id: name, tfa: null, roles: [text(role, 64)!] });
          accountIds.add(name);
        }
      }
      orgs.push({ id: options.org, members: list, origin: origin(membersPath) });
      if (skipped > 0)
        wrong(
          orgErrors,
          entity,
          membersPath,
          `${skipped} member${skipped === 1 ? ' was' : 's were'} left out: a name or role that is not a plain string.`,
          false,
        );
    }
    const packagesPath = `-/org/${org}/package`;
    const pkgs = await get(packagesPath, packageErrors, entity, 'listing');
    if (pkgs.ok) listed = packageList(pkgs.data, packageErrors, entity, packagesPath, wrong, secret);
  }

  // Which packages.
  const named: string[] = [];
  const globs: string[] = [];
  for (const p of options.packages ?? []) (micromatch.scan(p).isGlob ? globs : named).push(p);
  const needList = globs.length > 0 || (options.packages ?? []).length === 0;
  if (!listed && needList && !options.org) {
    if (user) {
      const path = `-/user/${encodeURIComponent(user)}/package`;
      const mine = await get(path, packageErrors, `user:${user}`, 'listing');
      if (mine.ok) listed = packageList(mine.data, packageErrors, `user:${user}`, path, wrong, secret);
    } else {
      // Without the account there is no list: the packages are unknown, not none.
      packageErrors.push({
        entity: 'packages',
        message:
          "The token's packages could not be listed, because the account lookup (GET /-/npm/v1/user) failed; name them with --packages or --org.",
      });
    }
  }
  const chosen = new Set<string>(named);
  if (globs.length > 0) {
    for (const name of micromatch(listed ?? [], globs)) chosen.add(name);
  } else if ((options.packages ?? []).length === 0) {
    for (const name of listed ?? []) chosen.add(name);
  }
  let names = Array.from(chosen).sort();
  if (options.shard) {
    const { index, count } = options.shard;
    names = names.filter((n) => shardOf(n, count) === index - 1);
  }

  const packages: Package[] = [];
  let done = 0;
  const notStarted = await pool(names, options.concurrency ?? 8, stopped, async (name) => {
    packages.push(await collectPackage(name, get, wrong, packageErrors, origin, secret));
    options.onProgress?.(++done, names.length);
  });
  if (notStarted > 0) {
    packageErrors.push({
      entity: 'packages',
      message: `${notStarted} of ${names.length} packages were not collected: the collection's deadline passed.`,
    });
  }
  packages.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Packages finish in any order; their errors are listed by package.
  packageErrors.sort((a, b) =>
    (a.entity ?? '') < (b.entity ?? '') ? -1 : (a.entity ?? '') > (b.entity ?? '') ? 1 : 0,
  );

  const source = (covers: Source['covers'], errors: SourceError[]): Source => ({
    collector: 'registry',
    target,
    covers,
    complete: errors.length === 0,
    errors: capErrors(errors),
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
  const facts: Facts = {
    schemaVersion: 1,
    collectedAt: now.toISOString(),
    sources,
    tokens,
    accounts,
    packages,
    orgs,
  };
  return { facts: withoutSecret(facts, secret), requests, failures };
}

/**
 * The last guard: a registry that echoes the token into any field (a trust claim, a scope, a
 * role) does not get it into the facts. Ids that held it were hashed already.
 */
function withoutSecret(facts: Facts, secret: string | undefined): Facts {
  if (secret === undefined || !leaks(secret, JSON.stringify(facts))) return facts;
  return JSON.parse(JSON.stringify(facts), (_key, value: unknown) =>
    typeof value === 'string' && leaks(secret, value) ? value.split(secret).join('***') : value,
  ) as Facts;
}

/** Every page of tokens, until there is no next page, or a page fails, leaves the registry, repeats, or the caps are hit. */
async function collectTokens(
  client: ReturnType<typeof createClient>,
  get: Get,
  wrong: Wrong,
  errors: SourceError[],
  user: string | undefined,
  secret: string | undefined,
  origin: (path: string) => { url: string },
  stopped: () => boolean,
): Promise<Token[]> {
  const tokens: Token[] = [];
  const byId = new Map<string, string>();
  const seen = new Map<string, number>();
  const tokenOrigin = origin('-/npm/v1/tokens');
  let next: string | undefined = '-/npm/v1/tokens';
  const incomplete = (entity: string, message: string) => {
    errors.push({ entity, message });
  };
  for (let page = 1; next !== undefined; page++) {
    const entity = `tokens page ${page}`;
    if (stopped()) {
      incomplete(entity, `The tokens from page ${page} on were not read: the collection's deadline passed.`);
      break;
    }
    if (page > MAX_TOKEN_PAGES) {
      incomplete(
        entity,
        `The tokens after page ${MAX_TOKEN_PAGES} were not read: that is the most pages trustgate reads.`,
      );
      break;
    }
    const url = client.resolve(next);
    if (!url || !client.onRegistry(url)) {
      // The mechanism is in the client (it sends nothing off the registry); this says what it means.
      const where = url ? client.elsewhere(url) : 'a link that is not a URL';
      incomplete(
        entity,
        `Page ${page - 1} of the tokens links its next page to ${where}, which was not followed; the tokens after page ${page - 1} were not read.`,
      );
      break;
    }
    const earlier = seen.get(url.href);
    if (earlier !== undefined) {
      incomplete(
        entity,
        `Page ${page - 1} of the tokens links back to page ${earlier} (${client.describe(url)}); the pages loop, so the tokens may not all have been read.`,
      );
      break;
    }
    seen.set(url.href, page);
    const r = await get(url.href, errors, entity, 'listing');
    if (!r.ok) break;
    const objects = own(r.data, 'objects');
    if (!isObject(r.data) || !Array.isArray(objects)) {
      wrong(errors, entity, url.href, 'the response has no list of tokens ("objects").');
      break;
    }
    let odd = 0;
    let full = false;
    for (const raw of objects) {
      if (tokens.length >= MAX_TOKENS) {
        full = true;
        break;
      }
      const mapped = mapTokenChecked(raw, user, tokenOrigin, secret);
      if (!mapped) {
        odd++;
        continue;
      }
      const { token, problems } = mapped;
      if (problems.length > 0)
        errors.push({
          entity: `token:${token.id}`,
          message: `${client.describe(url)}: ${problems.join(', ')} ${problems.length === 1 ? 'is' : 'are'} not what the registry sends, so ${problems.length === 1 ? 'it is' : 'they are'} unknown.`,
        });
      const json = JSON.stringify(token);
      const before = byId.get(token.id);
      if (before === undefined) {
        byId.set(token.id, json);
        tokens.push(token);
      } else if (before !== json) {
        errors.push({
          entity: `token:${token.id}`,
          message: `${client.describe(url)}: the token is listed twice, differently; the first listing was kept.`,
        });
      }
    }
    if (odd > 0)
      wrong(
        errors,
        entity,
        url.href,
        `${odd} entr${odd === 1 ? 'y is' : 'ies are'} not token objects and ${odd === 1 ? 'was' : 'were'} left out.`,
        false,
      );
    const urls = own(r.data, 'urls');
    const link = own(urls, 'next');
    // Exactly MAX_TOKENS and no next page is complete; more is not.
    if (full || (tokens.length >= MAX_TOKENS && link !== undefined && link !== null && link !== '')) {
      incomplete(
        entity,
        `The tokens after the first ${MAX_TOKENS} were not read: that is the most trustgate reads.`,
      );
      break;
    }
    if (link === undefined || link === null || link === '') next = undefined;
    else if (typeof link === 'string') next = link;
    else {
      wrong(
        errors,
        entity,
        url.href,
        'the link to the next page ("urls.next") is not a string, so the tokens after this page were not read.',
        false,
      );
      next = undefined;
    }
  }
  return tokens;
}

/** An org's or a user's packages: `{ name: access }`. Names that npm would not accept are left out, and counted. */
function packageList(
  data: unknown,
  errors: SourceError[],
  entity: string,
  path: string,
  wrong: Wrong,
  secret: string | undefined,
): string[] | undefined {
  if (!isObject(data)) {
    wrong(errors, entity, path, 'the response is not a JSON object of packages.');
    return undefined;
  }
  const names: string[] = [];
  let skipped = 0;
  for (const name of Object.keys(data)) {
    if (isPackageName(name) && !leaks(secret, name)) names.push(name);
    else skipped++;
  }
  if (skipped > 0)
    wrong(
      errors,
      entity,
      path,
      `${skipped} name${skipped === 1 ? ' is' : 's are'} not a valid package name, so ${skipped === 1 ? 'that package was' : 'those packages were'} not collected.`,
      false,
    );
  return names;
}

async function collectPackage(
  name: string,
  get: Get,
  wrong: Wrong,
  errors: SourceError[],
  origin: (path: string) => { url: string },
  secret: string | undefined,
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

  const doc = await get(escaped, errors, entity, 'packument');
  if (doc.ok && !isObject(doc.data)) wrong(errors, entity, escaped, 'the response is not a JSON object.');
  else if (doc.ok) {
    const p = doc.data as Record<string, unknown>;
    const problems: string[] = [];
    const latest = own(own(p, 'dist-tags'), 'latest');
    if (latest !== undefined && !isVersion(latest)) problems.push('dist-tags.latest');
    const version = isVersion(latest) ? own(own(p, 'versions'), latest) : undefined;
    if (isVersion(latest) && !isObject(version)) problems.push('versions[latest]');
    // No maintainers in the document means unknown, not none.
    const listed = own(p, 'maintainers') ?? own(version, 'maintainers');
    if (Array.isArray(listed)) {
      const maintainers: string[] = [];
      for (const m of listed) {
        const n = typeof m === 'string' ? m : own(m, 'name');
        if (isName(n) && !leaks(secret, n)) maintainers.push(n);
        else problems.push('maintainers');
      }
      pkg.maintainers = maintainers;
    } else if (listed !== undefined) problems.push('maintainers');
    if (isVersion(latest) && isObject(version)) {
      const published = dateTime(own(own(p, 'time'), latest));
      if (published === undefined) problems.push(`time[latest]`);
      const npmUser = own(version, '_npmUser');
      const publisher = own(npmUser, 'name');
      pkg.latest = {
        version: latest,
        publishedAt: published ?? null,
        provenance: Boolean(own(own(own(version, 'dist'), 'attestations'), 'provenance')),
        trustedPublisher: Boolean(own(npmUser, 'trustedPublisher')),
        publisher: typeof publisher === 'string' && !leaks(secret, publisher) ? text(publisher, 214)! : null,
      };
    } else {
      pkg.latest = null;
    }
    const odd = unique(problems);
    if (odd.length > 0)
      wrong(
        errors,
        entity,
        escaped,
        `${odd.join(', ')} ${odd.length === 1 ? 'is' : 'are'} not what a packument holds, so ${odd.length === 1 ? 'it is' : 'they are'} unknown.`,
        false,
      );
  }
  const scoped = escaped.replace('%2F', '%2f');
  const trustPath = `-/package/${scoped}/trust`;
  const trust = await get(trustPath, errors, entity);
  if (trust.ok && !Array.isArray(trust.data))
    wrong(errors, entity, trustPath, 'the response is not a JSON list of trusted publishers.');
  else if (trust.ok && Array.isArray(trust.data)) {
    const publishers: TrustedPublisher[] = [];
    for (const c of trust.data) {
      const t = mapTrust(c);
      if (t) publishers.push(t);
    }
    pkg.trustedPublishers = publishers;
  }
  const accessPath = `-/package/${scoped}/access`;
  const access = await get(accessPath, errors, entity);
  if (access.ok && !isObject(access.data))
    wrong(errors, entity, accessPath, 'the response is not a JSON object.');
  else if (access.ok) {
    const a = access.data;
    const requires = own(a, 'publish_requires_tfa');
    const overrides = own(a, 'automation_token_overrides_tfa');
    const level = own(a, 'access');
    const odd: string[] = [];
    if (requires !== undefined && requires !== null && typeof requires !== 'boolean')
      odd.push('publish_requires_tfa');
    if (overrides !== undefined && overrides !== null && typeof overrides !== 'boolean')
      odd.push('automation_token_overrides_tfa');
    if (level !== undefined && level !== null && typeof level !== 'string') odd.push('access');
    if (typeof requires === 'boolean' && !odd.includes('automation_token_overrides_tfa')) {
      pkg.mfa = requires ? (overrides === true ? 'automation' : 'publish') : 'none';
    }
    if (level === 'public' || level === 'restricted') pkg.access = level;
    if (odd.length > 0)
      wrong(
        errors,
        entity,
        accessPath,
        `${odd.join(', ')} ${odd.length === 1 ? 'is' : 'are'} not what the registry sends, so ${odd.length === 1 ? 'it is' : 'they are'} unknown.`,
        false,
      );
  }
  return pkg;
}

function mapTrust(c: unknown): TrustedPublisher | undefined {
  const type = own(c, 'type');
  const provider = type === 'github' || type === 'gitlab' || type === 'circleci' ? type : undefined;
  if (!provider) return undefined;
  const t: TrustedPublisher = { provider };
  const claims = own(c, 'claims');
  const repository = text(own(claims, 'repository'), 512);
  if (repository !== undefined) t.repository = repository;
  const project = text(own(claims, 'project_path'), 512);
  if (project !== undefined) t.project = project;
  const file = text(
    own(own(claims, 'workflow_ref'), 'file') ?? own(own(claims, 'ci_config_ref_uri'), 'file'),
    512,
  );
  if (file !== undefined) t.workflow = file;
  t.environment = text(own(claims, 'environment'), 512) ?? null;
  return t;
}

function mapTfa(tfa: unknown): Account['tfa'] {
  if (tfa === false) return { enabled: false, mode: null, pending: false, method: null };
  if (!isObject(tfa)) return null;
  const mode = own(tfa, 'mode');
  // The API does not say whether 2FA is WebAuthn or TOTP.
  return {
    enabled: true,
    mode: mode === 'auth-only' || mode === 'auth-and-writes' ? mode : null,
    pending: own(tfa, 'pending') === true,
    method: 'unknown',
  };
}

/**
 * One model for npmjs classic and granular tokens and Verdaccio's. The value is
 * never kept: only the registry's key, and the last four characters of the
 * masked value the registry shows. A field of the wrong type is unknown
 * (`problems` names it); an entry that is not an object is `undefined`.
 */
export function mapToken(t: unknown, user: string | undefined, origin: { url: string }): Token | undefined {
  return mapTokenChecked(t, user, origin, undefined)?.token;
}

function mapTokenChecked(
  t: unknown,
  user: string | undefined,
  origin: { url: string },
  secret: string | undefined,
): { token: Token; problems: string[] } | undefined {
  if (!isObject(t)) return undefined;
  const problems: string[] = [];
  const field = (key: string) => own(t, key);
  const bool = (key: string): boolean | undefined => {
    const v = field(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    problems.push(key);
    return undefined;
  };
  const date = (key: string): string | null => {
    const v = dateTime(field(key));
    if (v === undefined) problems.push(key);
    return v ?? null;
  };
  const strings = (key: string): string[] | undefined => {
    const v = field(key);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      problems.push(key);
      return undefined;
    }
    const out: string[] = [];
    for (const x of v) {
      const s = text(typeof x === 'string' ? x : own(x, 'name'), 214);
      if (s) out.push(s);
    }
    return out;
  };

  const granular =
    field('name') !== undefined ||
    field('expiry') !== undefined ||
    field('permissions') !== undefined ||
    field('bypass_2fa') !== undefined;
  const readonly = bool('readonly');
  const automation = bool('automation');
  const classic = !granular && field('automation') !== undefined;
  const permissions = field('permissions');
  if (permissions !== undefined && !Array.isArray(permissions)) problems.push('permissions');
  const write = granular
    ? Array.isArray(permissions)
      ? permissions.some((p) => own(p, 'action') === 'write')
      : readonly !== true
    : readonly !== true;
  const maskedRaw = field('token');
  const masked = typeof maskedRaw === 'string' ? maskedRaw : '';
  const created = date('created');
  const expires = field('expiry') !== undefined ? date('expiry') : date('expires');
  const key = field('key');
  // The registry's key is the id when it is a plain string; anything else is hashed into one.
  const id =
    typeof key === 'string' && key.length <= 512 && isName(key) && !leaks(secret, key)
      ? key
      : key !== undefined && key !== null
        ? createHash('sha256').update(JSON.stringify(key)).digest('hex')
        : createHash('sha256')
            .update(`${created ?? ''}:${masked}`)
            .digest('hex');
  const owner = field('user');
  if (owner !== undefined && owner !== null && !isName(owner)) problems.push('user');
  const cidrRaw = field('cidr') ?? field('cidr_whitelist');
  let cidr: string[] = [];
  if (Array.isArray(cidrRaw)) {
    for (const c of cidrRaw) {
      const s = text(c, 64);
      if (s) cidr.push(s);
      else problems.push('cidr');
    }
  } else if (cidrRaw !== undefined && cidrRaw !== null) {
    problems.push('cidr');
    cidr = [];
  }
  const token: Token = {
    id,
    // An owner the registry names oddly is unknown, not the token's account.
    owner:
      owner === undefined || owner === null
        ? (user ?? null)
        : isName(owner) && !leaks(secret, owner)
          ? owner
          : null,
    kind: granular ? 'granular' : classic ? 'classic' : 'unknown',
    access: write ? 'write' : 'read',
    created,
    expires,
    cidr,
    origin,
  };
  if (classic) token.classicType = readonly ? 'read-only' : automation ? 'automation' : 'publish';
  if (granular) token.bypass2fa = bool('bypass_2fa') ?? null;
  const scopes = strings('scopes');
  if (scopes) token.scopes = scopes;
  const packages = strings('packages');
  if (packages) token.packages = packages;
  const orgs = strings('orgs');
  if (orgs) token.orgs = orgs;
  if (masked) {
    const tail = masked.replace(/[.…]+$/, '').slice(-4);
    const shown = /^[A-Za-z0-9_-]+$/.test(tail) ? tail : '????';
    token.display = `${masked.startsWith('npm_') ? 'npm_' : ''}…${shown}`;
  }
  return { token, problems: unique(problems) };
}

/** The shard (0-based) a package belongs to: stable across runs and machines. */
export function shardOf(name: string, count: number): number {
  return Number.parseInt(createHash('sha256').update(name).digest('hex').slice(0, 8), 16) % count;
}

/** Work through `items`, `limit` at a time, until done or stopped; returns how many were not started. */
async function pool<T>(
  items: T[],
  limit: number,
  stopped: () => boolean,
  work: (item: T) => Promise<void>,
): Promise<number> {
  let i = 0;
  const runners = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    while (i < items.length && !stopped()) await work(items[i++]!);
  });
  await Promise.all(runners);
  return items.length - i;
}

/**
 * Whether a registry echoed the token back in a value (a hostile registry could, to get it into
 * reports and logs). Tokens are long; a test's short stand-in would match ordinary words.
 */
function leaks(secret: string | undefined, value: string): boolean {
  return secret !== undefined && secret.length >= 8 && value.includes(secret);
}

function unique(list: string[]): string[] {
  return Array.from(new Set(list));
}

function capErrors(errors: SourceError[]): SourceError[] {
  if (errors.length <= MAX_SOURCE_ERRORS) return errors;
  const kept = errors.slice(0, MAX_SOURCE_ERRORS);
  kept.push({ message: `${errors.length - MAX_SOURCE_ERRORS} more errors were left out.` });
  return kept;
}
