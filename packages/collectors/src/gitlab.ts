import type { NpmrcEntry, SourceError, WorkflowStep } from '@trustgate/core';
import {
  type Analysis,
  inferredCommand,
  isNpmTokenVar,
  isReference,
  NPMJS,
  normalizeRegistry,
  PUBLISH_INTENT,
  type RepoContext,
  uniq,
} from './context.js';
import { classifyPublish, splitCommands, tokenWrites } from './shell.js';
import { parseCiFile, type Y } from './ynode.js';

const RESERVED = new Set([
  'stages',
  'variables',
  'include',
  'default',
  'workflow',
  'image',
  'services',
  'before_script',
  'after_script',
  'cache',
  'types',
  'spec',
]);

const NPM_AUDIENCE = /npm:registry\.npmjs\.org/;

interface Defs {
  jobs: Map<string, Y>;
  /** The file each job definition came from. */
  files: Map<string, { file: string; text: string }>;
}

/** Find every publishing step of a GitLab CI configuration, following local includes. */
export function analyzeGitlab(file: string, text: string, repo: RepoContext): Analysis {
  const result: Analysis = { steps: [], npmrc: [], errors: [] };
  const defs: Defs = { jobs: new Map(), files: new Map() };
  let root: Y | undefined;
  const load = (name: string, body: string, depth: number): Y | undefined => {
    const top = parseCiFile(name, body, result.errors, { uniqueKeys: false });
    if (!top) return undefined;
    for (const inc of includes(top.get('include'))) {
      const at = `${name}:${inc.line}`;
      if (inc.local) {
        const path = inc.local.replace(/^\//, '');
        if (depth >= 10) {
          result.errors.push({
            entity: `file:${path}`,
            message: `It is included at ${at}, deeper than 10 nested includes; not read, so the jobs defined there were not checked.`,
          });
          continue;
        }
        // Through the path guard: a file reached through a link out of the repository is refused.
        const read = repo.read(path);
        if (read.ok) load(path, read.text, depth + 1);
        else
          result.errors.push({
            entity: `file:${path}`,
            message: `It is included at ${at} and ${read.reason}; not read, so the jobs defined there were not checked.`,
          });
      } else if (inc.other) {
        result.errors.push({
          entity: `file:${name}`,
          message: `The include "${inc.other}" at ${at} is outside the repository and was not followed; jobs defined there were not checked.`,
        });
      }
    }
    for (const [key, , value] of top.entries()) {
      if (RESERVED.has(key) || !value.isMap) continue;
      defs.jobs.set(key, value);
      defs.files.set(key, { file: name, text: body });
    }
    return top;
  };
  root = load(file, text, 0);
  if (!root) return result;

  const globalVars = root.get('variables');
  const defaults = root.get('default');
  for (const [name, job] of defs.jobs) {
    if (name.startsWith('.') || job.get('trigger')) continue;
    const chain = extendsChain(name, defs, result.errors);
    const pick = (key: string): Y | undefined => {
      for (const j of chain) {
        const v = j.get(key);
        if (v) return v;
      }
      return key === 'before_script' || key === 'after_script' || key === 'id_tokens'
        ? (defaults?.get(key) ?? root?.get(key))
        : undefined;
    };
    const source = defs.files.get(name)!;
    const vars = new Map<string, string>();
    for (const layer of [globalVars, ...[...chain].reverse().map((j) => j.get('variables'))]) {
      for (const [k, , v] of layer?.entries() ?? []) {
        const value = v.str() ?? v.get('value')?.str();
        if (value !== undefined) vars.set(k, value);
      }
    }
    for (const layer of [globalVars, ...chain.map((j) => j.get('variables'))])
      literalVars(source.file, layer, result.npmrc);
    const oidc = (pick('id_tokens')?.entries() ?? []).some(([, , t]) => {
      const aud = t.get('aud');
      const values = aud?.isSeq ? aud.items().map((i) => i.str() ?? '') : [aud?.str() ?? ''];
      return values.some((a) => NPM_AUDIENCE.test(a));
    });
    const envRegistry = vars.get('NPM_CONFIG_REGISTRY') ?? vars.get('npm_config_registry');
    let published = 0;
    const tokenSecrets: string[] = [];
    const tokenEnv: string[] = [];
    const stepsBefore = result.steps.length;
    /** Where an npm credential enters the job: its variables, a token written at run time. */
    const credentials: number[] = [];
    for (const layer of chain.map((j) => j.get('variables')))
      for (const [k, key, v] of layer?.entries() ?? [])
        if (isNpmTokenVar(k) && (v.str() ?? v.get('value')?.str() ?? '').trim() !== '')
          credentials.push(key.pos().line);
    const intent: string[] = [name];
    for (const [k, v] of vars) {
      if (isNpmTokenVar(k) && v.trim() !== '') {
        tokenEnv.push(k);
        const ref = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(v.trim());
        if (ref) tokenSecrets.push(ref[1]!);
      }
    }
    for (const key of ['before_script', 'script']) {
      for (const item of scriptItems(pick(key))) {
        const body = item.str();
        if (body === undefined) continue;
        intent.push(body);
        for (const cmd of splitCommands(body)) {
          const line = item.source().startsWith('|')
            ? item.pos().line + 1 + cmd.line
            : item.lineOf(body.split('\n')[cmd.line] ?? '');
          for (const w of tokenWrites(cmd.text)) {
            credentials.push(line);
            const envName = w.value.kind === 'env' ? w.value.name : undefined;
            if (envName) {
              tokenEnv.push(envName);
              tokenSecrets.push(envName);
            }
            result.npmrc.push(
              npmrcEntry(source.file, w.registry, w.key, w.value.kind, envName, line, result.npmrc.length),
            );
          }
          const pub = classifyPublish(cmd.words, repo.scriptsAt(''));
          if (!pub) continue;
          published++;
          const registry = pub.registry
            ? normalizeRegistry(pub.registry)
            : envRegistry && !isReference(envRegistry)
              ? normalizeRegistry(envRegistry)
              : typeof repo.manifestAt('')?.fact.publishConfig?.registry === 'string'
                ? normalizeRegistry(repo.manifestAt('')!.fact.publishConfig!.registry as string)
                : NPMJS;
          const envProv = vars.get('NPM_CONFIG_PROVENANCE') ?? vars.get('npm_config_provenance');
          const explicit = pub.provenance ?? (envProv !== undefined ? envProv === 'true' : undefined);
          const step: WorkflowStep = {
            id: `${source.file}#${name}/${published}`,
            file: source.file,
            provider: 'gitlab',
            registry,
            job: name,
            tool: pub.viaScript ? `${pub.tool} (npm script ${pub.viaScript})` : pub.tool,
            command: cmd.text,
            auth: { oidc, tokenSecrets: uniq(tokenSecrets), tokenEnv: uniq(tokenEnv) },
            provenance: explicit === true ? true : explicit === false ? false : oidc ? null : false,
            origin: { file: source.file, line, column: 1 },
          };
          result.steps.push(step);
        }
      }
    }
    // The credentials anchor: a job holding an npm token that says it publishes, with no publish found.
    if (
      result.steps.length === stepsBefore &&
      credentials.length > 0 &&
      PUBLISH_INTENT.test(intent.join('\n'))
    ) {
      const registry = envRegistry && !isReference(envRegistry) ? normalizeRegistry(envRegistry) : NPMJS;
      result.steps.push({
        id: `${source.file}#${name}/inferred`,
        file: source.file,
        provider: 'gitlab',
        registry,
        job: name,
        tool: 'unknown',
        command: inferredCommand(uniq(tokenEnv)),
        inferred: true,
        auth: { oidc, tokenSecrets: uniq(tokenSecrets), tokenEnv: uniq(tokenEnv) },
        provenance: oidc ? null : false,
        origin: { file: source.file, line: credentials[0]!, column: 1 },
      });
    }
  }
  return result;
}

function includes(node: Y | undefined): { local?: string; other?: string; line: number }[] {
  if (!node) return [];
  const list = node.isSeq ? node.items() : [node];
  return list.map((item) => {
    const line = item.pos().line;
    const s = item.str();
    if (s !== undefined) return /^https?:/.test(s) ? { other: s, line } : { local: s, line };
    const local = item.get('local')?.str();
    if (local) return { local, line: item.get('local')!.pos().line };
    if (item.get('template')) return { line }; // GitLab's own templates do not publish to npm
    const other =
      item.get('remote')?.str() ?? item.get('project')?.str() ?? item.get('component')?.str() ?? 'include';
    return { other, line };
  });
}

/** The job and the jobs it extends, nearest first. */
function extendsChain(name: string, defs: Defs, errors: SourceError[]): Y[] {
  const chain: Y[] = [];
  const seen = new Set<string>();
  const visit = (n: string) => {
    if (seen.has(n)) return;
    seen.add(n);
    const job = defs.jobs.get(n);
    if (!job) {
      errors.push({
        entity: `job:${name}`,
        message: `It extends "${n}", which is not defined in the files read.`,
      });
      return;
    }
    chain.push(job);
    const ext = job.get('extends');
    const parents = ext?.isSeq ? ext.items().map((i) => i.str() ?? '') : ext?.str() ? [ext.str()!] : [];
    for (const p of parents.reverse()) visit(p);
  };
  visit(name);
  return chain;
}

/** Script lines; nested lists (from anchors) are flattened. */
function scriptItems(node: Y | undefined): Y[] {
  if (!node) return [];
  if (!node.isSeq) return [node];
  return node.items().flatMap((i) => (i.isSeq ? scriptItems(i) : [i]));
}

function literalVars(file: string, vars: Y | undefined, out: NpmrcEntry[]): void {
  for (const [name, key, value] of vars?.entries() ?? []) {
    const v = value.str() ?? value.get('value')?.str();
    if (!isNpmTokenVar(name) || v === undefined || v.trim() === '' || /\$/.test(v)) continue;
    const at = key.pos();
    if (out.some((e) => e.file === file && e.origin.line === at.line)) continue;
    out.push(npmrcEntry(file, NPMJS, '_authToken', 'literal', undefined, at.line, out.length, at.column));
  }
}

function npmrcEntry(
  file: string,
  registry: string,
  key: NpmrcEntry['key'],
  kind: string,
  envVar: string | undefined,
  line: number,
  n: number,
  column = 1,
): NpmrcEntry {
  const entry: NpmrcEntry = {
    id: `${file}:${line}:${n}`,
    file,
    registry,
    key,
    value: kind === 'secret' || kind === 'env' ? 'env' : (kind as 'literal' | 'empty'),
    origin: { file, line, column },
  };
  if (envVar) entry.envVar = envVar;
  return entry;
}
