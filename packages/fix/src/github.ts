import {
  analyzeGithub,
  isNpmjs,
  isNpmTokenVar,
  NPMJS,
  normalizeRegistry,
  pushAll,
  type RepoContext,
  uniq,
} from '@trustgate/collectors';
import type { WorkflowStep } from '@trustgate/core';
import { type Document, isAlias, isMap, isScalar, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { checkRescan, finishEdit, type Problem, readsVar, startEdit } from './common.js';
import { NPM_RANGE, nodeNeed, TARGET_NODE, upgradesNpm } from './node-version.js';
import { removeTokenWrites } from './scripts.js';
import { type FileFix, TOOL_NOTES, WORKSPACE_TOOLS } from './types.js';
import {
  deleteKey,
  insertKey,
  lineOf,
  mapAt,
  pairOf,
  seqAt,
  setScalar,
  text as str,
  valueAt,
} from './yaml-edit.js';

/** Every scope `read-all` grants, written out so that one more can be added. */
const READ_ALL_SCOPES = [
  'actions',
  'attestations',
  'checks',
  'contents',
  'deployments',
  'discussions',
  'issues',
  'packages',
  'pages',
  'pull-requests',
  'repository-projects',
  'security-events',
  'statuses',
];

/** The scopes a release tool writes to (tags, releases, pull requests, comments). */
const TOOL_WRITES: Record<string, string[]> = {
  'semantic-release': ['contents', 'issues', 'pull-requests'],
  changesets: ['contents', 'pull-requests'],
  'release-it': ['contents'],
  lerna: ['contents'],
  nx: ['contents'],
  np: ['contents'],
  changelogen: ['contents'],
};

/** What a job with no permissions anywhere gets: what its release tool needs to push, plus id-token. */
function defaultPermissions(tools: string[]): Record<string, string> {
  const writes = new Set(tools.flatMap((t) => TOOL_WRITES[t] ?? []));
  const perms: Record<string, string> = { contents: writes.has('contents') ? 'write' : 'read' };
  for (const s of ['issues', 'pull-requests']) if (writes.has(s)) perms[s] = 'write';
  perms['id-token'] = 'write';
  return perms;
}

const baseTool = (step: WorkflowStep) => step.tool.split(' ')[0]!;

/** A step's index within its job, from its fact id (`file#job/3` or `file#job/3.2`). */
function stepIndex(step: WorkflowStep): number {
  return Number(/\/(\d+)(?:\.\d+)?$/.exec(step.id)?.[1] ?? -1);
}

/** Where a token environment variable is set in a job (the workflow's env is handled apart). */
interface EnvSite {
  map: YAMLMap;
  name: string;
  level: 'job' | 'step';
}

/**
 * Move a GitHub Actions workflow's npm publishing to trusted publishing.
 * `steps` are all the publishing steps the scan found in the file; `targets`
 * those that publish to npmjs with a token or without OIDC.
 */
export function fixGithubFile(
  file: string,
  source: string,
  steps: WorkflowStep[],
  targets: WorkflowStep[],
  repo: RepoContext,
): FileFix {
  const { fix, edit } = startEdit(file, 'github', source, targets);
  if (!edit) return fix;
  const { refuse, doc, root } = edit;
  const jobs = mapAt(root, 'jobs');
  if (!jobs) {
    refuse(1, 'The workflow has no jobs map written out in the file.');
    return fix;
  }

  const on = valueAt(root, 'on');
  const triggers = isMap(on) ? on.items.map((p) => str(p.key)) : isSeq(on) ? on.items.map(str) : [str(on)];
  if (triggers.includes('workflow_call')) {
    refuse(
      lineOf(source, pairOf(root, 'on')?.key),
      'The workflow is reusable (on: workflow_call): the OIDC token names the workflow that calls it, which may be in another repository, so the trusted publisher cannot be set from this file.',
    );
    return fix;
  }

  const byJob = new Map<string, WorkflowStep[]>();
  for (const s of targets) byJob.set(s.job, [...(byJob.get(s.job) ?? []), s]);
  const workflowEnv = mapAt(root, 'env');
  const removeFromWorkflow = new Set<string>();

  for (const [jobId, jobTargets] of byJob) {
    const jobPair = pairOf(jobs, jobId);
    const job = jobPair?.value;
    const jobLine = lineOf(source, jobPair?.key);
    if (!isMap(job)) {
      refuse(jobLine, `Job "${jobId}" is written through a YAML alias; edit it where the anchor is defined.`);
      continue;
    }
    const called = jobTargets.find((s) => s.tool === 'reusable-workflow');
    if (called) {
      refuse(
        called.origin.line ?? jobLine,
        `Job "${jobId}" hands the npm token to the reusable workflow ${called.command?.replace(/^uses: /, '')}; the publish happens there: move that workflow to OIDC, give this job id-token: write, and name this file (the caller, which npm checks) as the trusted publisher.`,
      );
      continue;
    }
    const runner = selfHosted(job);
    if (runner) {
      refuse(
        lineOf(source, pairOf(job, 'runs-on')?.key),
        `Job "${jobId}" runs on ${runner}, which npm trusted publishing does not support (GitHub-hosted runners only).`,
      );
      continue;
    }
    const stepSeq = seqAt(job, 'steps');
    if (!stepSeq) {
      refuse(jobLine, `Job "${jobId}" has no steps list written out in the file.`);
      continue;
    }
    const stepNodes = stepSeq.items.map((n) => (isMap(n) ? n : undefined));
    const indices = jobTargets.map(stepIndex);
    const last = indices.reduce((a, b) => Math.max(a, b), -Infinity);
    const first = indices.reduce((a, b) => Math.min(a, b), Infinity);
    if (indices.some((i) => !stepNodes[i])) {
      refuse(jobLine, `A publishing step of job "${jobId}" is written through a YAML alias.`);
      continue;
    }

    // One token for two registries: the other registry's publish would lose it.
    const secrets = uniq(jobTargets.flatMap((s) => s.auth.tokenSecrets));
    const envNames = uniq(jobTargets.flatMap((s) => s.auth.tokenEnv));
    const elsewhere = steps.find(
      (s) =>
        !isNpmjs(s.registry) &&
        (s.job === jobId || workflowEnvNames(workflowEnv).some((n) => s.auth.tokenEnv.includes(n))) &&
        (s.auth.tokenSecrets.some((x) => secrets.includes(x)) ||
          s.auth.tokenEnv.some((x) => envNames.includes(x))),
    );
    if (elsewhere) {
      refuse(
        elsewhere.origin.line ?? jobLine,
        `Job "${elsewhere.job}" also publishes to ${elsewhere.registry} with the same token (${[...elsewhere.auth.tokenSecrets, ...elsewhere.auth.tokenEnv].filter((x) => secrets.includes(x) || envNames.includes(x)).join(', ')}); move that publish to its own job with its own token first.`,
      );
      continue;
    }
    const matrixRegistries = registryMatrix(job, stepNodes);
    if (matrixRegistries.length > 1) {
      refuse(
        jobLine,
        `Job "${jobId}" publishes to several registries from one matrix (${matrixRegistries.join(', ')}) with one token; split the npmjs publish into its own job first.`,
      );
      continue;
    }

    const problems: string[] = [];
    // Token writes (echo …_authToken=… > .npmrc, npm config set …) in the steps up to the last publish.
    const removedSteps = new Set<YAMLMap>();
    const committed: string[] = [];
    const writeVars = new Set<string>();
    for (let i = 0; i <= last; i++) {
      const step = stepNodes[i];
      const runPair = step ? pairOf(step, 'run') : undefined;
      const run = runPair?.value;
      if (!step || !isScalar(run) || typeof run.value !== 'string') continue;
      const registry = setupRegistryBefore(stepNodes, i) ?? NPMJS;
      const edit = removeTokenWrites(run.value, registry);
      if (edit.failedLine !== undefined) {
        problems.push(
          `${file}:${lineOf(source, run) + (run.type === 'BLOCK_LITERAL' || run.type === 'BLOCK_FOLDED' ? 1 : 0) + edit.failedLine}: A token is written to .npmrc in a way trustgate cannot take out safely; edit that line by hand.`,
        );
        continue;
      }
      if (edit.script === run.value) continue;
      for (const v of edit.vars) writeVars.add(v);
      if (edit.literal) committed.push(`a run script, line ${lineOf(source, run)}`);
      if (edit.script.trim() === '' && !pairOf(step, 'uses')) removedSteps.add(step);
      else run.value = edit.script;
    }

    // The token variables: in the publishing steps, in steps that only wrote a token, in the job, in the workflow.
    const sites: EnvSite[] = [];
    const isToken = (name: string) => isNpmTokenVar(name) || writeVars.has(name);
    for (const i of indices) collectSites(mapAt(stepNodes[i]!, 'env'), 'step', isToken, sites);
    for (const s of removedSteps) collectSites(mapAt(s, 'env'), 'step', isToken, sites);
    collectSites(mapAt(job, 'env'), 'job', isToken, sites);
    for (const site of sites) {
      const value = str(pairOf(site.map, site.name)?.value) ?? '';
      if (!value.includes('$'))
        committed.push(`${site.name}, line ${lineOf(source, pairOf(site.map, site.name)?.key)}`);
      deleteKey(site.map, site.name);
    }
    for (const name of workflowEnvNames(workflowEnv)) if (isToken(name)) removeFromWorkflow.add(name);
    for (const owner of [job, ...indices.map((i) => stepNodes[i]!)]) {
      if (mapAt(owner, 'env')?.items.length === 0) deleteKey(owner, 'env');
    }
    for (const s of removedSteps) stepSeq.items.splice(stepSeq.items.indexOf(s), 1);

    // Action inputs that carry the token.
    for (const i of indices) {
      const step = stepNodes[i]!;
      const uses = str(valueAt(step, 'uses'));
      if (!uses) continue;
      const inputs = mapAt(step, 'with');
      const name = uses.toLowerCase().replace(/@.*$/, '');
      if (name === 'js-devtools/npm-publish') {
        if (inputs) {
          deleteKey(inputs, 'token');
          if (inputs.items.length === 0) deleteKey(step, 'with');
        }
        const ref = /@v(\d+)$/i.exec(uses);
        if (ref && Number(ref[1]) < 4) {
          const usesNode = valueAt(step, 'uses');
          if (isScalar(usesNode)) setScalar(usesNode, uses.replace(/@v\d+$/i, '@v4'));
          fix.notes.push(
            `${file}: job "${jobId}" now uses JS-DevTools/npm-publish@v4, the first version that publishes through OIDC (it was ${uses.replace(/^.*@/, '')}).`,
          );
        }
      } else {
        const input = inputs?.items.find((p) => /secrets\.[A-Za-z0-9_]*npm/i.test(String(str(p.value))));
        if (input)
          problems.push(
            `${file}:${lineOf(source, input.key)}: The action ${uses} takes the npm token as its input "${str(input.key)}"; trustgate does not know whether it can publish through OIDC.`,
          );
      }
    }

    // A removed variable that a step still reads would now read nothing.
    for (const name of uniq([...sites.map((x) => x.name), ...writeVars])) {
      const reader = stepSeq.items.find((step) => readsVar(step, name));
      if (reader)
        problems.push(
          `${file}:${lineOf(source, reader)}: This step still reads ${name} after the token is taken out of job "${jobId}"; edit it by hand.`,
        );
    }
    if (problems.length > 0) {
      pushAll(fix.reasons, problems);
      continue;
    }

    // Keys written through an alias are shared with other places: editing them would edit those too.
    const aliased = ['permissions', 'env']
      .map((k) => pairOf(job, k))

      .find((p) => p && isAlias(p.value));
    if (aliased) {
      refuse(
        lineOf(source, aliased.key),
        `${str(aliased.key)} of job "${jobId}" is a YAML alias (*${(aliased.value as { source?: string }).source}); edit it where the anchor is, by hand.`,
      );
      continue;
    }

    const tools = uniq(jobTargets.map(baseTool));
    const permissionProblem = jobTargets.every((s) => s.auth.oidc)
      ? undefined
      : grantIdToken(doc, root, job, tools, file, jobId, fix.notes, source);
    if (permissionProblem) {
      fix.reasons.push(permissionProblem);
      continue;
    }
    const nodeProblem = ensureNode(
      doc,
      job,
      stepSeq,
      stepNodes[first]!,
      repo,
      source,
      file,
      jobId,
      fix.notes,
    );
    if (nodeProblem) {
      fix.reasons.push(nodeProblem);
      continue;
    }
    for (const tool of tools)
      if (TOOL_NOTES[tool]) fix.notes.push(`${file}: job "${jobId}": ${TOOL_NOTES[tool]}`);
    if (committed.length > 0)
      fix.notes.push(
        `${file}: job "${jobId}" had a token written in the workflow (${committed.join('; ')}); it stays in the git history: revoke it on npmjs.com.`,
      );
    if (sites.some((s) => s.level === 'job'))
      fix.notes.push(
        `${file}: job "${jobId}" no longer sets ${sites
          .filter((s) => s.level === 'job')
          .map((s) => s.name)
          .join(
            ', ',
          )} for all its steps; a step that installs private packages with it needs a read-only token of its own.`,
      );

    const environment = valueAt(job, 'environment');
    fix.trust.push({
      provider: 'github',
      file,
      job: jobId,
      environment:
        str(environment) ?? (isMap(environment) ? (str(valueAt(environment, 'name')) ?? null) : null),
      packages: packagesOf(repo, jobTargets, job, root, stepNodes),
      secrets,
    });
  }

  // A token set for the whole workflow goes only when no other job reads it.
  if (workflowEnv && removeFromWorkflow.size > 0 && fix.reasons.length === 0) {
    for (const name of removeFromWorkflow) {
      const other = jobs.items.find((p) => {
        const id = str(p.key);
        if (!id || byJob.has(id)) return false;
        return readsVar(p.value, name) || steps.some((s) => s.job === id && s.auth.tokenEnv.includes(name));
      });
      if (other) {
        refuse(
          lineOf(source, pairOf(workflowEnv, name)?.key),
          `${name} is set for the whole workflow, and job "${str(other.key)}" uses it too; move it into the jobs that need it first.`,
        );
      } else deleteKey(workflowEnv, name);
    }
    if (workflowEnv.items.length === 0) deleteKey(root, 'env');
  }

  // Any reference left to a removed variable would now read nothing.
  if (fix.reasons.length === 0) {
    for (const [jobId] of byJob) {
      const job = valueAt(jobs, jobId);
      for (const name of [...removeFromWorkflow]) {
        if (isMap(job) && readsVar(job, name)) {
          refuse(
            lineOf(source, pairOf(jobs, jobId)?.key),
            `Job "${jobId}" still reads ${name} after the token is taken out; edit it by hand.`,
          );
        }
      }
    }
  }
  // Nothing outside the fixed jobs (and the workflow's env) may change meaning: an edit through
  // an anchor would change its aliases too.
  return finishEdit(
    edit,
    source,
    { top: ['env'], group: 'jobs', entries: [...byJob.keys()] },
    (path) =>
      lineOf(
        source,
        path.startsWith('jobs.') ? pairOf(jobs, path.slice('jobs.'.length))?.key : pairOf(root, path)?.key,
      ),
    (after) => verify(file, after, repo, targets),
  );
}

/** The edited file parses, and its rescan has every publish of the fixed jobs on OIDC alone. */
function verify(
  file: string,
  after: string,
  repo: RepoContext,
  targets: WorkflowStep[],
): Problem | undefined {
  const analysis = analyzeGithub(file, after, repo);
  if (analysis.errors.length > 0)
    return {
      line: 1,
      why: `The edited file would not parse (${analysis.errors[0]!.message.replace(/;.*$/, '')}); nothing was changed.`,
    };
  return checkRescan(analysis.steps, targets, 'a YAML anchor, a merge key or a file');
}

function collectSites(
  env: YAMLMap | undefined,
  level: EnvSite['level'],
  isToken: (name: string) => boolean,
  out: EnvSite[],
): void {
  for (const p of env?.items ?? []) {
    const name = str(p.key);
    if (name && isToken(name) && (str(p.value) ?? '').trim() !== '') out.push({ map: env!, name, level });
  }
}

function workflowEnvNames(env: YAMLMap | undefined): string[] {
  return (env?.items ?? []).map((p) => str(p.key) ?? '').filter((n) => n && isNpmTokenVar(n));
}

/** `runs-on` names a self-hosted runner (or a runner group, which may be one). */
function selfHosted(job: YAMLMap): string | undefined {
  const runsOn = valueAt(job, 'runs-on');
  const labels: string[] = [];
  if (isSeq(runsOn))
    pushAll(
      labels,
      runsOn.items.map((i) => str(i) ?? ''),
    );
  else if (isMap(runsOn)) {
    if (pairOf(runsOn, 'group'))
      return `the runner group "${str(valueAt(runsOn, 'group'))}", which may be self-hosted`;
    const l = valueAt(runsOn, 'labels');
    pushAll(labels, isSeq(l) ? l.items.map((i) => str(i) ?? '') : [str(l) ?? '']);
  } else labels.push(str(runsOn) ?? '');
  const expr = labels
    .map((l) => /^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(l.trim())?.[1])
    .find(Boolean);
  if (expr) {
    const values = valueAt(mapAt(mapAt(job, 'strategy') ?? job, 'matrix') ?? job, expr);
    if (isSeq(values))
      pushAll(
        labels,
        values.items.map((i) => (isSeq(i) ? i.items.map(str).join(' ') : (str(i) ?? ''))),
      );
  }
  if (labels.some((l) => /\bself-hosted\b/.test(l)))
    return `a self-hosted runner (runs-on: ${labels.filter(Boolean).join(', ')})`;
  return undefined;
}

/** The registries a `registry-url: ${{ matrix.x }}` publishes to, when it is one. */
function registryMatrix(job: YAMLMap, stepNodes: (YAMLMap | undefined)[]): string[] {
  for (const step of stepNodes) {
    const url = step && str(valueAt(mapAt(step, 'with') ?? step, 'registry-url'));
    const key = url && /^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(url.trim())?.[1];
    if (!key) continue;
    const values = valueAt(mapAt(mapAt(job, 'strategy') ?? job, 'matrix') ?? job, key);
    if (isSeq(values)) return uniq(values.items.map((i) => normalizeRegistry(str(i) ?? '')));
  }
  return [];
}

/** The registry setup-node configured before step `index`, if any. */
function setupRegistryBefore(stepNodes: (YAMLMap | undefined)[], index: number): string | undefined {
  let registry: string | undefined;
  for (let i = 0; i < index; i++) {
    const step = stepNodes[i];
    if (!step || !/^actions\/setup-node@/i.test(str(valueAt(step, 'uses')) ?? '')) continue;
    const url = str(valueAt(mapAt(step, 'with') ?? step, 'registry-url'));
    if (url && !url.includes('${{')) registry = normalizeRegistry(url);
  }
  return registry;
}

/** Grant `id-token: write` at the job level, and nothing more than the job had. */
function grantIdToken(
  doc: Document,
  root: YAMLMap,
  job: YAMLMap,
  tools: string[],
  file: string,
  jobId: string,
  notes: string[],
  source: string,
): string | undefined {
  const own = valueAt(job, 'permissions');
  if (isMap(own)) {
    const p = pairOf(own, 'id-token');
    if (p && isScalar(p.value)) setScalar(p.value, 'write');
    else insertKey(doc, own, 'id-token', 'write');
    return;
  }
  const readAll = () => ({
    ...Object.fromEntries(READ_ALL_SCOPES.map((s) => [s, 'read'])),
    'id-token': 'write',
  });
  if (str(own) === 'read-all') {
    pairOf(job, 'permissions')!.value = doc.createNode(readAll());
    notes.push(
      `${file}: job "${jobId}" had permissions: read-all; it now lists every scope as read, and id-token: write.`,
    );
    return;
  }
  const inherited = valueAt(root, 'permissions');
  let perms: Record<string, string>;
  if (isMap(inherited)) {
    perms = { ...(inherited.toJSON() as Record<string, string>), 'id-token': 'write' };
    if (Object.values(perms).some((v) => typeof v !== 'string'))
      return `${file}:${lineOf(source, pairOf(root, 'permissions')?.key)}: The workflow's permissions are not plain values (an alias?); give job "${jobId}" its permissions by hand.`;
    notes.push(
      `${file}: job "${jobId}" gets its own permissions: the workflow's (${
        Object.keys(perms)
          .filter((k) => k !== 'id-token')
          .join(', ') || 'none'
      }) and id-token: write, so that the other jobs gain nothing.`,
    );
  } else if (str(inherited) === 'read-all') {
    perms = readAll();
    notes.push(
      `${file}: job "${jobId}" gets its own permissions: the workflow's read-all, written out as every scope read, and id-token: write, so that the other jobs gain nothing.`,
    );
  } else {
    perms = defaultPermissions(tools);
    notes.push(
      `${file}: job "${jobId}" had no permissions block and ran with the repository's default token permissions; it now has exactly ${Object.entries(
        perms,
      )
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')}. Add any other permission the job needs.`,
    );
  }
  insertKey(doc, job, 'permissions', perms, { after: ['runs-on'], before: ['steps'] });
}

/** Make the publishing steps run npm >= 11.5.1 on Node >= 22.14. */
function ensureNode(
  doc: Document,
  job: YAMLMap,
  stepSeq: YAMLSeq,
  firstPublish: YAMLMap,
  repo: RepoContext,
  source: string,
  file: string,
  jobId: string,
  notes: string[],
): string | undefined {
  const items = stepSeq.items;
  const publishAt = items.indexOf(firstPublish);
  const before = items.slice(0, publishAt).filter(isMap) as YAMLMap[];
  if (before.some((s) => upgradesNpm(str(valueAt(s, 'run')) ?? ''))) return;
  const setup = [...before]
    .reverse()
    .find((s) => /^actions\/setup-node@/i.test(str(valueAt(s, 'uses')) ?? ''));
  const upgrade = (condition?: unknown): YAMLMap =>
    doc.createNode({
      name: `Use npm ${NPM_RANGE.replace('^', '')} or later for trusted publishing`,
      ...(condition === undefined ? {} : { if: isScalar(condition) ? condition.clone() : condition }),
      run: `npm install --global npm@${NPM_RANGE}`,
    });
  const addUpgradeAfter = (after: YAMLMap | undefined) =>
    items.splice(after ? items.indexOf(after) + 1 : items.indexOf(firstPublish), 0, upgrade());

  if (!setup) {
    if (valueAt(job, 'container') !== undefined) {
      addUpgradeAfter(undefined);
      notes.push(
        `${file}: job "${jobId}" runs in a container; make sure its Node is 22.14 or later (trusted publishing needs it), as trustgate cannot tell.`,
      );
      return;
    }
    const local = before.find((s) => (str(valueAt(s, 'uses')) ?? '').startsWith('./'));
    if (local) {
      addUpgradeAfter(undefined);
      notes.push(
        `${file}: job "${jobId}" sets up its tools with ${str(valueAt(local, 'uses'))}, which trustgate does not read; npm is upgraded before the publish, and Node there must be 22.14 or later.`,
      );
      return;
    }
    const ref = setupNodeRef(doc) ?? 'actions/setup-node@v4';
    items.splice(publishAt, 0, doc.createNode({ uses: ref, with: { 'node-version': Number(TARGET_NODE) } }));
    notes.push(
      `${file}: job "${jobId}" set up no Node, so it ran the runner's default; a step with ${ref} and Node ${TARGET_NODE} (npm 11) now comes before the publish.`,
    );
    return;
  }
  // Inputs written as an alias are read through it, and never edited: the anchor is shared.
  const withPair = pairOf(setup, 'with');
  const shared = withPair !== undefined && isAlias(withPair.value);
  const resolved = shared
    ? (withPair!.value as { resolve(doc: Document): unknown }).resolve(doc)
    : withPair?.value;
  let inputs = isMap(resolved) ? resolved : undefined;
  const refuseShared = () =>
    `${file}:${lineOf(source, withPair?.key)}: The setup-node inputs of job "${jobId}" are a YAML alias, shared with other steps; raise node-version to ${TARGET_NODE} where the anchor is, by hand.`;
  const version = inputs ? valueAt(inputs, 'node-version') : undefined;
  const spec = str(version);
  if (spec !== undefined && isScalar(version)) {
    const matrixKey = /^\$\{\{\s*matrix\.([A-Za-z0-9_-]+)\s*\}\}$/.exec(spec.trim())?.[1];
    if (matrixKey) {
      const values = valueAt(mapAt(mapAt(job, 'strategy') ?? job, 'matrix') ?? job, matrixKey);
      const list = isSeq(values) ? values.items.map((i) => str(i) ?? '') : [];
      const needs = list.map(nodeNeed);
      if (list.length > 0 && needs.every((n) => n === 'ok')) return;
      // A matrix of one version is no test matrix: raise it like a plain node-version.
      const only = isSeq(values) && values.items.length === 1 ? values.items[0] : undefined;
      if (isScalar(only) && needs[0] === 'node') {
        setScalar(only, TARGET_NODE);
        notes.push(
          `${file}: job "${jobId}" now sets up Node ${TARGET_NODE} (its matrix had only ${list[0]}): trusted publishing needs npm 11.5.1 or later on Node 22.14 or later.`,
        );
        return;
      }
      // Only the run that publishes needs npm 11 (older Node versions in the matrix cannot run it).
      const condition = valueAt(firstPublish, 'if');
      items.splice(items.indexOf(setup) + 1, 0, upgrade(needs.includes('node') ? condition : undefined));
      if (needs.includes('node') || list.length === 0)
        notes.push(
          `${file}: job "${jobId}" takes its Node version from the matrix (${list.join(', ') || spec}); the npm upgrade runs ${condition !== undefined && needs.includes('node') ? "under the publish step's condition" : 'in every run'}, and trusted publishing needs Node 22.14 or later in the run that publishes.`,
        );
      return;
    }
    if (spec.includes('${{')) {
      addUpgradeAfter(setup);
      notes.push(
        `${file}: job "${jobId}" sets node-version from ${spec}; trusted publishing needs Node 22.14 or later there.`,
      );
      return;
    }
    const need = nodeNeed(spec);
    if (need === 'ok') return;
    if (need === 'node') {
      if (shared) return refuseShared();
      setScalar(version, TARGET_NODE);
      notes.push(
        `${file}: job "${jobId}" now sets up Node ${TARGET_NODE} (it was ${spec}): trusted publishing needs npm 11.5.1 or later on Node 22.14 or later.`,
      );
      return;
    }
    addUpgradeAfter(setup);
    return;
  }
  const versionFile = inputs ? str(valueAt(inputs, 'node-version-file')) : undefined;
  if (versionFile) {
    const pinned = repo.read(versionFile.replace(/^\.\//, ''));
    const first = pinned.ok ? (pinned.text.split('\n')[0]?.trim() ?? '') : '';
    const need = versionFile.endsWith('.json') || !first ? 'unknown' : nodeNeed(first);
    if (need === 'ok') return;
    addUpgradeAfter(setup);
    if (need === 'node')
      notes.push(
        `${file}: job "${jobId}" takes Node ${first} from ${versionFile}; npm 11 runs there, but npm documents Node 22.14 or later for trusted publishing: raise it when you can.`,
      );
    return;
  }
  if (shared) return refuseShared();
  if (!inputs) {
    const p = doc.createPair('with', { 'node-version': Number(TARGET_NODE) });
    setup.items.push(p);
    inputs = p.value as YAMLMap;
  } else insertKey(doc, inputs, 'node-version', Number(TARGET_NODE), { before: ['registry-url'] });
  notes.push(
    `${file}: job "${jobId}" now sets up Node ${TARGET_NODE} (npm 11); setup-node had no version and used the runner's.`,
  );
}

/** The setup-node reference the file already uses, to add another like it. */
function setupNodeRef(doc: Document): string | undefined {
  const found = /actions\/setup-node@[^\s"']+/i.exec(String(doc));
  return found?.[0];
}

/** The packages a job publishes: the package in its folder, or every public workspace package. */
function packagesOf(
  repo: RepoContext,
  targets: WorkflowStep[],
  job: YAMLMap,
  root: YAMLMap,
  stepNodes: (YAMLMap | undefined)[],
): string[] {
  const published = repo.manifests().filter((m) => !m.fact.private && m.fact.name);
  const names = new Set<string>();
  const defaultsDir = (m: YAMLMap | undefined) =>
    str(valueAt(mapAt(mapAt(m ?? root, 'defaults') ?? root, 'run') ?? root, 'working-directory'));
  for (const t of targets) {
    const step = stepNodes[stepIndex(t)];
    const dir = (
      str(step && valueAt(step, 'working-directory')) ??
      defaultsDir(job) ??
      defaultsDir(root) ??
      ''
    )
      .replace(/^\.\/?/, '')
      .replace(/\/+$/, '');
    const command = t.command ?? '';
    if (
      WORKSPACE_TOOLS.test(baseTool(t)) ||
      /\s(-r|--recursive|--workspaces|-ws)\b|workspaces foreach|\s-w\s/.test(command)
    ) {
      for (const m of published) names.add(m.fact.name!);
      if (published.length > 1) {
        const rootName = repo.manifestAt('')?.fact;
        if (rootName?.name && !rootName.private && repo.manifests().length > 1) names.delete(rootName.name);
        if (names.size === 0 && rootName?.name) names.add(rootName.name);
      }
    } else {
      const m = repo.manifestAt(dir)?.fact;
      if (m?.name && !m.private) names.add(m.name);
    }
  }
  return [...names].sort();
}
