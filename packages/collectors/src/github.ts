import type { NpmrcEntry, WorkflowStep } from '@trustgate/core';
import {
  type Analysis,
  inferredCommand,
  isNpmTokenVar,
  isReference,
  NPMJS,
  normalizeRegistry,
  PUBLISH_INTENT,
  pushAll,
  type RepoContext,
  secretsIn,
  uniq,
} from './context.js';
import {
  classifyPublish,
  classifyValue,
  type PublishCommand,
  splitCommands,
  type TokenWrite,
  tokenWrites,
} from './shell.js';
import { parseCiFile, type Y } from './ynode.js';

/** Step names that say an indirect publish goes somewhere other than npm. */
const OTHER_TARGET =
  /\b(vsce|ovsx|open ?vsx|marketplace|vs ?code|docker|container|pypi|crates|cargo|gems?|jsr|deno|homebrew|gh-pages|pages|storybook|chromatic|github packages)\b/i;

interface EnvVar {
  value: string;
  node: Y;
}

/** A credential written earlier in the job (or in the same step), for the steps after it. */
interface JobWrite {
  write: TokenWrite;
  /** Secrets behind the value, resolved through the environment. */
  secrets: string[];
  envName?: string;
}

/** Find every publishing step of a GitHub Actions workflow, with its auth, registry and provenance. */
export function analyzeGithub(file: string, text: string, repo: RepoContext): Analysis {
  const result: Analysis = { steps: [], npmrc: [], errors: [] };
  const root = parseCiFile(file, text, result.errors);
  if (!root) return result;
  if (!root.isMap) {
    result.errors.push({
      entity: `file:${file}`,
      message: 'The workflow is not a mapping; the file was not analysed.',
    });
    return result;
  }
  const textLines = text.split('\n');
  const workflowDir = root.get('defaults')?.get('run')?.get('working-directory')?.str();

  for (const [jobId, , job] of root.get('jobs')?.entries() ?? []) {
    if (!job.isMap) continue;
    const oidc = grantsIdToken(job.get('permissions') ?? root.get('permissions'));
    const envLayers = [root.get('env'), job.get('env')];
    const matrix = job.get('strategy')?.get('matrix')?.js();
    const jobDir = job.get('defaults')?.get('run')?.get('working-directory')?.str() ?? workflowDir;

    const called = job.get('uses');
    if (called?.str()) {
      const step = reusableCall(file, jobId, job, called, oidc);
      if (step) result.steps.push(step);
      continue;
    }

    let setupRegistry: string | undefined;
    const writes: JobWrite[] = [];
    const stepsBefore = result.steps.length;
    /** Where an npm credential enters a step of the job (a step's env, a token written at run time). */
    const stepCredentials: { line: number; column: number }[] = [];
    const intent: string[] = [jobId, job.get('name')?.str() ?? ''];
    const stepEnvs: (Y | undefined)[] = [];
    job
      .get('steps')
      ?.items()
      .forEach((step, index) => {
        if (!step.isMap) return;
        const env = effectiveEnv([...envLayers, step.get('env')]);
        const dir = normalizeDir(step.get('working-directory')?.str() ?? jobDir);
        recordLiteralEnv(file, step.get('env'), result.npmrc);
        const uses = step.get('uses')?.str();
        const inputs = step.get('with');
        const base = { file, jobId, index, oidc, env, dir, matrix, repo, setupRegistry };
        intent.push(
          step.get('name')?.str() ?? '',
          step.get('run')?.str() ?? '',
          step.get('uses')?.str() ?? '',
        );
        stepEnvs.push(step.get('env'));
        for (const [name, key, value] of step.get('env')?.entries() ?? [])
          if (isNpmTokenVar(name) && (value.str() ?? '').trim() !== '') stepCredentials.push(key.pos());

        if (uses && /^actions\/setup-node@/i.test(uses)) {
          const url = inputs?.get('registry-url')?.str();
          if (url) setupRegistry = resolveRegistry(url, matrix);
        }

        const run = step.get('run');
        const script = run?.str();
        let published = 0;
        if (run && script !== undefined) {
          for (const cmd of splitCommands(script)) {
            const line = commandLine(run, script, cmd.line, textLines);
            for (const w of tokenWrites(cmd.text, setupRegistry ?? NPMJS)) {
              writes.push(resolveWrite(w, env));
              stepCredentials.push(line);
              result.npmrc.push(npmrcFromWrite(file, w, line.line, line.column, result.npmrc.length));
            }
            const pub = classifyPublish(cmd.words, repo.scriptsAt(dir));
            if (!pub || (pub.indirect && OTHER_TARGET.test(step.get('name')?.str() ?? ''))) continue;
            published++;
            result.steps.push(
              makeStep({
                ...base,
                setupRegistry,
                id: `${file}#${jobId}/${index}${published > 1 ? `.${published}` : ''}`,
                pub,
                command: cmd.text,
                line,
                writes,
              }),
            );
          }
        }
        if (uses) {
          const action = actionStep(uses, inputs);
          if (action) {
            const at = step.keyOf('uses')!.pos();
            if (action.tokenInput)
              writes.push({ write: action.tokenInput, secrets: action.tokenSecrets, envName: undefined });
            result.steps.push(
              makeStep({
                ...base,
                setupRegistry: action.registry ?? setupRegistry,
                id: `${file}#${jobId}/${index}`,
                pub: action.pub,
                command: `uses: ${uses}`,
                line: at,
                writes,
                actionProvenance: action.provenance,
                forceRegistry: action.registry,
              }),
            );
          }
        }
      });
    if (result.steps.length === stepsBefore) {
      const step = inferredStep({
        file,
        jobId,
        oidc,
        layers: [root.get('env'), job.get('env'), ...stepEnvs],
        stepCredentials,
        writes,
        intent: intent.join('\n'),
        registry: setupRegistry,
      });
      if (step) result.steps.push(step);
    }
  }
  return result;
}

/**
 * The credentials anchor: a job that receives an npm token (in its env, its steps' env, or a token
 * written at run time) and says it publishes or releases, but whose publish command was not found,
 * yields an inferred publishing step at the line where the credential enters the job.
 */
function inferredStep(s: {
  file: string;
  jobId: string;
  oidc: boolean;
  layers: (Y | undefined)[];
  stepCredentials: { line: number; column: number }[];
  writes: JobWrite[];
  intent: string;
  registry: string | undefined;
}): WorkflowStep | undefined {
  const tokenEnv: string[] = [];
  const tokenSecrets: string[] = [];
  const entries: { line: number; column: number }[] = [];
  for (const layer of [...s.layers].reverse()) {
    for (const [name, key, value] of layer?.entries() ?? []) {
      const v = value.str();
      if (!isNpmTokenVar(name) || v === undefined || v.trim() === '') continue;
      entries.push(key.pos());
    }
  }
  // Every env layer a step sees: workflow, job, and each step's own.
  for (const layer of s.layers) {
    for (const [name, , value] of layer?.entries() ?? []) {
      const v = value.str();
      if (!isNpmTokenVar(name) || v === undefined || v.trim() === '') continue;
      tokenEnv.push(name);
      pushAll(tokenSecrets, secretsIn(v));
    }
  }
  for (const w of s.writes) {
    pushAll(tokenSecrets, w.secrets);
    if (w.envName) tokenEnv.push(w.envName);
  }
  // The first line at which a step receives the credential, else the job's (or workflow's) env.
  const at =
    s.stepCredentials.reduce<{ line: number; column: number } | undefined>(
      (first, c) => (first === undefined || c.line < first.line ? c : first),
      undefined,
    ) ?? entries[0];
  if (!at || !PUBLISH_INTENT.test(s.intent)) return undefined;
  return {
    id: `${s.file}#${s.jobId}/inferred`,
    file: s.file,
    provider: 'github',
    registry: s.registry ?? (s.writes[0] ? normalizeRegistry(s.writes[0].write.registry) : NPMJS),
    job: s.jobId,
    tool: 'unknown',
    command: inferredCommand(uniq([...tokenEnv, ...tokenSecrets])),
    inferred: true,
    auth: { oidc: s.oidc, tokenSecrets: uniq(tokenSecrets), tokenEnv: uniq(tokenEnv) },
    provenance: s.oidc ? null : false,
    origin: { file: s.file, line: at.line, column: at.column },
  };
}

/** `id-token: write` (or `write-all`) in a permissions block. */
export function grantsIdToken(perms: Y | undefined): boolean {
  if (!perms) return false;
  const all = perms.str();
  if (all !== undefined) return all === 'write-all';
  return perms.get('id-token')?.str() === 'write';
}

function effectiveEnv(layers: (Y | undefined)[]): Map<string, EnvVar> {
  const env = new Map<string, EnvVar>();
  for (const layer of layers) {
    for (const [name, , value] of layer?.entries() ?? []) {
      const v = value.str();
      if (v !== undefined) env.set(name, { value: v, node: value });
    }
  }
  return env;
}

function normalizeDir(dir: string | undefined): string {
  if (!dir || isReference(dir)) return '';
  return dir.replace(/^\.\/?/, '').replace(/\/+$/, '');
}

/** A registry URL, through `${{ matrix.x }}` when the matrix lists it; unknown expressions count as npmjs. */
function resolveRegistry(url: string, matrix: unknown): string {
  const expr = /^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(url.trim());
  if (expr && matrix && typeof matrix === 'object') {
    const values = (matrix as Record<string, unknown>)[expr[1]!];
    const list = (Array.isArray(values) ? values : [values]).filter(
      (v): v is string => typeof v === 'string',
    );
    if (list.some((v) => normalizeRegistry(v) === NPMJS)) return NPMJS;
    if (list[0]) return normalizeRegistry(list[0]);
  }
  return isReference(url) ? NPMJS : normalizeRegistry(url);
}

/** The 1-based line and column of a command inside a `run:` value. */
function commandLine(
  run: Y,
  script: string,
  index: number,
  textLines: string[],
): { line: number; column: number } {
  const src = run.source();
  let line: number;
  if (src.startsWith('|')) line = run.pos().line + 1 + index;
  else {
    const physical = script.split('\n')[index] ?? '';
    line = run.lineOf(physical);
  }
  const physical = (script.split('\n')[index] ?? '').trim();
  const lineText = textLines[line - 1] ?? '';
  const col = physical ? lineText.indexOf(physical.slice(0, 20)) : -1;
  return { line, column: col >= 0 ? col + 1 : run.pos().column };
}

function resolveWrite(w: TokenWrite, env: Map<string, EnvVar>): JobWrite {
  if (w.value.kind === 'secret') return { write: w, secrets: [w.value.name] };
  if (w.value.kind === 'env') {
    const v = env.get(w.value.name);
    return { write: w, secrets: v ? secretsIn(v.value) : [], envName: w.value.name };
  }
  return { write: w, secrets: [] };
}

function npmrcFromWrite(file: string, w: TokenWrite, line: number, column: number, n: number): NpmrcEntry {
  const entry: NpmrcEntry = {
    id: `${file}:${line}:${n}`,
    file,
    registry: w.registry,
    key: w.key,
    value: w.value.kind === 'secret' || w.value.kind === 'env' ? 'env' : w.value.kind,
    origin: { file, line, column },
  };
  if (w.value.kind === 'secret' || w.value.kind === 'env') entry.envVar = w.value.name;
  return entry;
}

/** A token literally written into a step's env: a committed credential. */
function recordLiteralEnv(file: string, env: Y | undefined, out: NpmrcEntry[]): void {
  for (const [name, key, value] of env?.entries() ?? []) {
    const v = value.str();
    if (!isNpmTokenVar(name) || v === undefined || v.trim() === '' || isReference(v)) continue;
    const at = key.pos();
    out.push({
      id: `${file}:${at.line}:${out.length}`,
      file,
      registry: NPMJS,
      key: '_authToken',
      value: 'literal',
      origin: { file, line: at.line, column: at.column },
    });
  }
}

interface ActionPublish {
  pub: PublishCommand;
  registry?: string;
  provenance?: boolean;
  tokenInput?: TokenWrite;
  tokenSecrets: string[];
}

/** Actions that publish: changesets (with a publish input), npm-publish, semantic-release, or one handed an npm token. */
function actionStep(uses: string, inputs: Y | undefined): ActionPublish | undefined {
  const name = uses.toLowerCase().replace(/@.*$/, '');
  const input = (k: string) => inputs?.get(k)?.str();
  const tokenFrom = (k: string): Pick<ActionPublish, 'tokenInput' | 'tokenSecrets'> => {
    const v = input(k);
    if (v === undefined) return { tokenSecrets: [] };
    return {
      tokenInput: { key: '_authToken', registry: NPMJS, value: classifyValue(v) },
      tokenSecrets: secretsIn(v),
    };
  };
  if (name === 'changesets/action' && input('publish')) {
    return { pub: { tool: 'changesets', indirect: false }, tokenSecrets: [] };
  }
  if (name === 'changesets/action/publish')
    return { pub: { tool: 'changesets', indirect: false }, tokenSecrets: [] };
  if (name === 'js-devtools/npm-publish') {
    if (input('dry-run') === 'true') return undefined;
    const registry = input('registry');
    const provenance = input('provenance');
    const a: ActionPublish = { pub: { tool: 'npm-publish-action', indirect: false }, ...tokenFrom('token') };
    if (registry) a.registry = normalizeRegistry(registry);
    if (provenance !== undefined) a.provenance = provenance === 'true';
    return a;
  }
  if (/semantic-release/.test(name) && !name.startsWith('actions/')) {
    return { pub: { tool: 'semantic-release', indirect: false }, tokenSecrets: [] };
  }
  // A local or unknown action handed an npm token secret publishes with it.
  for (const k of ['token', 'npm-token', 'npm_token', 'npmToken', 'NPM_TOKEN']) {
    const v = input(k);
    if (v && secretsIn(v).some((s) => /npm/i.test(s))) {
      const registry = input('registry');
      if (registry && !isReference(registry) && normalizeRegistry(registry) !== NPMJS) {
        return {
          pub: { tool: 'action', indirect: true },
          registry: normalizeRegistry(registry),
          ...tokenFrom(k),
        };
      }
      return { pub: { tool: 'action', indirect: true }, ...tokenFrom(k) };
    }
  }
  return undefined;
}

function reusableCall(
  file: string,
  jobId: string,
  job: Y,
  called: Y,
  oidc: boolean,
): WorkflowStep | undefined {
  const target = called.str()!;
  if (target.startsWith('./')) return undefined; // the called workflow is scanned on its own
  const secrets = job.get('secrets');
  const inherit = secrets?.str() === 'inherit';
  const passed = (secrets?.entries() ?? []).filter(
    ([name, , v]) => isNpmTokenVar(name) || secretsIn(v.str() ?? '').some((s) => /npm/i.test(s)),
  );
  const named = /publish|release/i.test(target.replace(/@.*$/, '').split('/').pop() ?? '');
  if (passed.length === 0 && !(inherit && named)) return undefined;
  const at = job.keyOf('uses')!.pos();
  return {
    id: `${file}#${jobId}`,
    file,
    provider: 'github',
    registry: NPMJS,
    job: jobId,
    tool: 'reusable-workflow',
    command: `uses: ${target}`,
    auth: {
      oidc,
      tokenSecrets: uniq(passed.flatMap(([, , v]) => secretsIn(v.str() ?? ''))),
      tokenEnv: uniq(passed.map(([name]) => name)),
    },
    provenance: oidc ? null : false,
    origin: { file, line: at.line, column: at.column },
  };
}

function makeStep(s: {
  file: string;
  jobId: string;
  id: string;
  oidc: boolean;
  env: Map<string, EnvVar>;
  dir: string;
  matrix: unknown;
  repo: RepoContext;
  setupRegistry: string | undefined;
  pub: PublishCommand;
  command: string;
  line: { line: number; column: number };
  writes: JobWrite[];
  actionProvenance?: boolean;
  forceRegistry?: string;
}): WorkflowStep {
  const manifest = s.repo.manifestAt(s.dir)?.fact.publishConfig ?? null;
  const envRegistry = s.env.get('NPM_CONFIG_REGISTRY')?.value ?? s.env.get('npm_config_registry')?.value;
  const registry =
    s.forceRegistry ??
    (s.pub.registry
      ? resolveRegistry(s.pub.registry, s.matrix)
      : envRegistry
        ? resolveRegistry(envRegistry, s.matrix)
        : typeof manifest?.registry === 'string'
          ? normalizeRegistry(manifest.registry)
          : (s.setupRegistry ?? NPMJS));

  const tokenEnv: string[] = [];
  const tokenSecrets: string[] = [];
  for (const [name, v] of s.env) {
    if (!isNpmTokenVar(name) || v.value.trim() === '') continue;
    tokenEnv.push(name);
    pushAll(tokenSecrets, secretsIn(v.value));
  }
  for (const w of s.writes) {
    if (w.write.registry !== registry && normalizeRegistry(w.write.registry) !== registry) continue;
    pushAll(tokenSecrets, w.secrets);
    if (w.envName) tokenEnv.push(w.envName);
  }

  const envProvenance = (s.env.get('NPM_CONFIG_PROVENANCE') ?? s.env.get('npm_config_provenance'))?.value;
  const explicit =
    s.pub.provenance ??
    s.actionProvenance ??
    (envProvenance !== undefined && !isReference(envProvenance) ? envProvenance === 'true' : undefined) ??
    (typeof manifest?.provenance === 'boolean' ? manifest.provenance : undefined) ??
    (allPublishConfigProvenance(s.repo) ? true : undefined);
  const provenance = explicit === true ? true : explicit === false ? false : s.oidc ? null : false;

  return {
    id: s.id,
    file: s.file,
    provider: 'github',
    registry,
    job: s.jobId,
    tool: s.pub.viaScript ? `${s.pub.tool} (npm script ${s.pub.viaScript})` : s.pub.tool,
    command: s.command,
    auth: { oidc: s.oidc, tokenSecrets: uniq(tokenSecrets), tokenEnv: uniq(tokenEnv) },
    provenance,
    origin: { file: s.file, line: s.line.line, column: s.line.column },
  };
}

const provenanceByRepo = new WeakMap<RepoContext, boolean>();

/** Every public workspace package asks for provenance in its publishConfig (worked out once per scan). */
function allPublishConfigProvenance(repo: RepoContext): boolean {
  let all = provenanceByRepo.get(repo);
  if (all === undefined) {
    const published = repo.manifests().filter((m) => !m.fact.private && m.fact.name);
    all = published.length > 0 && published.every((m) => m.fact.publishConfig?.provenance === true);
    provenanceByRepo.set(repo, all);
  }
  return all;
}
