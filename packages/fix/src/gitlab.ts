import {
  analyzeGitlab,
  classifyPublish,
  isNpmjs,
  isNpmTokenVar,
  pushAll,
  type RepoContext,
  splitCommands,
  uniq,
} from '@trustgate/collectors';
import type { WorkflowStep } from '@trustgate/core';
import { type Document, isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { checkRescan, finishEdit, type Problem, readsVar, startEdit } from './common.js';
import { NPM_RANGE, nodeNeed, TARGET_NODE, upgradesNpm } from './node-version.js';
import { removeTokenWrites } from './scripts.js';
import { type FileFix, TOOL_NOTES, WORKSPACE_TOOLS } from './types.js';
import { deleteKey, insertKey, lineOf, mapAt, pairOf, quoted, text as str, valueAt } from './yaml-edit.js';

const NPM_AUDIENCE = 'npm:registry.npmjs.org';
const NODE_IMAGE = /^((?:[\w.-]+\/)*node:)(\d+(?:\.\d+){0,2})(.*)$/;

/**
 * Move a GitLab CI file's npm publishing to trusted publishing: an OIDC ID
 * token for npm (and one for Sigstore, for provenance), the token variable
 * and its .npmrc line gone, and npm 11.5.1 or later on Node 22.14 or later.
 */
export function fixGitlabFile(
  file: string,
  source: string,
  steps: WorkflowStep[],
  targets: WorkflowStep[],
  repo: RepoContext,
): FileFix {
  const { fix, edit } = startEdit(file, 'gitlab', source, targets);
  if (!edit) return fix;
  const { refuse, doc, root } = edit;
  const globalVars = mapAt(root, 'variables');
  const removeGlobal = new Set<string>();
  const jobNames = uniq(targets.map((t) => t.job));

  for (const name of jobNames) {
    const jobTargets = targets.filter((t) => t.job === name);
    const jobPair = pairOf(root, name);
    const job = jobPair?.value;
    const jobLine = lineOf(source, jobPair?.key);
    if (!isMap(job)) {
      refuse(jobLine, `Job "${name}" is not written out as a map in this file; edit it where it is defined.`);
      continue;
    }
    const tags = valueAt(job, 'tags') ?? valueAt(mapAt(root, 'default') ?? root, 'tags');
    const tagList = isSeq(tags) ? tags.items.map((i) => str(i) ?? '') : str(tags) ? [str(tags)!] : [];
    const own = tagList.filter((t) => !/^saas-/.test(t));
    if (own.length > 0) {
      refuse(
        lineOf(source, pairOf(job, 'tags')?.key ?? jobPair?.key),
        `Job "${name}" picks its runners by tag (${own.join(', ')}); npm trusted publishing works only on GitLab.com's hosted runners.`,
      );
      continue;
    }
    const secrets = uniq(jobTargets.flatMap((s) => [...s.auth.tokenSecrets, ...s.auth.tokenEnv]));
    const elsewhere = steps.find(
      (s) =>
        !isNpmjs(s.registry) && [...s.auth.tokenSecrets, ...s.auth.tokenEnv].some((x) => secrets.includes(x)),
    );
    if (elsewhere) {
      refuse(
        elsewhere.origin.line ?? jobLine,
        `Job "${elsewhere.job}" publishes to ${elsewhere.registry} with the same token; give that publish its own token first.`,
      );
      continue;
    }

    const problems: string[] = [];
    const writeVars = new Set<string>();
    for (const key of ['before_script', 'script']) {
      const pair = pairOf(job, key);
      if (!pair) continue;
      const list = isSeq(pair.value) ? pair.value.items : [pair.value];
      for (let i = list.length - 1; i >= 0; i--) {
        const item = list[i];
        if (!isScalar(item) || typeof item.value !== 'string') continue;
        const edit = removeTokenWrites(item.value);
        if (edit.failedLine !== undefined) {
          problems.push(
            `${file}:${lineOf(source, item) + edit.failedLine}: A token is written to .npmrc in a way trustgate cannot take out safely; edit that line by hand.`,
          );
          continue;
        }
        if (edit.script === item.value) continue;
        for (const v of edit.vars) writeVars.add(v);
        if (edit.script.trim() === '' && isSeq(pair.value)) pair.value.items.splice(i, 1);
        else item.value = edit.script;
      }
      if (isSeq(pair.value) && pair.value.items.length === 0) deleteKey(job, key);
    }
    if (problems.length > 0) {
      pushAll(fix.reasons, problems);
      continue;
    }
    const isToken = (n: string) => isNpmTokenVar(n) || writeVars.has(n);
    const vars = mapAt(job, 'variables');
    // Variables the file defines are not CI/CD variables to delete; literal ones are committed tokens.
    const defined = new Set<string>();
    const committed: string[] = [];
    for (const p of [...(vars?.items ?? []), ...(globalVars?.items ?? [])]) {
      const n = str(p.key);
      if (!n || !isToken(n)) continue;
      defined.add(n);
      const value = str(p.value) ?? str(isMap(p.value) ? valueAt(p.value, 'value') : undefined) ?? '';
      if (value.trim() !== '' && !value.includes('$')) committed.push(`${n}, line ${lineOf(source, p.key)}`);
    }
    if (committed.length > 0)
      fix.notes.push(
        `${file}: job "${name}" had a token written in the file (${committed.join('; ')}); it stays in the git history: revoke it on npmjs.com.`,
      );
    for (const p of [...(vars?.items ?? [])]) {
      const n = str(p.key);
      if (n && isToken(n)) deleteKey(vars!, n);
    }
    if (vars && vars.items.length === 0) deleteKey(job, 'variables');
    for (const p of globalVars?.items ?? []) {
      const n = str(p.key);
      if (n && isToken(n)) removeGlobal.add(n);
    }

    addIdTokens(doc, job);
    ensureNode(doc, root, job, repo, file, name, fix.notes);
    for (const tool of uniq(jobTargets.map((t) => t.tool.split(' ')[0]!)))
      if (TOOL_NOTES[tool] && tool !== 'changesets')
        fix.notes.push(`${file}: job "${name}": ${TOOL_NOTES[tool]}`);
    const environment = valueAt(job, 'environment');
    const published = repo.manifests().filter((m) => !m.fact.private && m.fact.name);
    const all = jobTargets.some(
      (t) =>
        WORKSPACE_TOOLS.test(t.tool) ||
        /\s(-r|--recursive|--workspaces|-ws)\b|workspaces foreach/.test(t.command ?? ''),
    );
    const rootManifest = repo.manifestAt('')?.fact;
    fix.trust.push({
      provider: 'gitlab',
      file: '.gitlab-ci.yml',
      job: name,
      environment:
        str(environment) ?? (isMap(environment) ? (str(valueAt(environment, 'name')) ?? null) : null),
      packages: all
        ? published.map((m) => m.fact.name!).sort()
        : rootManifest?.name && !rootManifest.private
          ? [rootManifest.name]
          : [],
      // CI/CD variables to delete: the ones the file reads but does not define.
      secrets: uniq(jobTargets.flatMap((t) => [...t.auth.tokenSecrets, ...t.auth.tokenEnv])).filter(
        (n) => !defined.has(n),
      ),
    });
  }

  if (globalVars && fix.reasons.length === 0) {
    for (const n of removeGlobal) {
      const reader = root.items.find((p) => {
        const id = str(p.key);
        return id && !jobNames.includes(id) && isMap(p.value) && readsVar(p.value, n);
      });
      if (reader)
        refuse(
          lineOf(source, pairOf(globalVars, n)?.key),
          `${n} is set for the whole pipeline, and job "${str(reader.key)}" reads it too; move it into the jobs that need it first.`,
        );
      else deleteKey(globalVars, n);
    }
    if (globalVars.items.length === 0) deleteKey(root, 'variables');
  }
  return finishEdit(
    edit,
    source,
    { top: ['variables', ...jobNames] },
    (path) => lineOf(source, pairOf(root, path)?.key),
    (after) => verify(file, after, repo, targets),
  );
}

/** `id_tokens` with the npm audience, and Sigstore's for provenance. */
function addIdTokens(doc: Document, job: YAMLMap): void {
  const tokens = mapAt(job, 'id_tokens');
  const npm = { aud: quoted(NPM_AUDIENCE) };
  const sigstore = { aud: quoted('sigstore') };
  if (!tokens) {
    insertKey(doc, job, 'id_tokens', doc.createNode({ NPM_ID_TOKEN: npm, SIGSTORE_ID_TOKEN: sigstore }), {
      before: ['before_script', 'script'],
    });
    return;
  }
  if (!pairOf(tokens, 'NPM_ID_TOKEN')) insertKey(doc, tokens, 'NPM_ID_TOKEN', doc.createNode(npm));
  if (!pairOf(tokens, 'SIGSTORE_ID_TOKEN'))
    insertKey(doc, tokens, 'SIGSTORE_ID_TOKEN', doc.createNode(sigstore));
}

/** A Node image new enough, or npm upgraded in the script before the publish. */
function ensureNode(
  doc: Document,
  root: YAMLMap,
  job: YAMLMap,
  repo: RepoContext,
  file: string,
  name: string,
  notes: string[],
): void {
  const script = valueAt(job, 'script');
  const all = [valueAt(job, 'before_script'), script]
    .flatMap((s) => (isSeq(s) ? s.items : [s]))
    .map((i) => str(i) ?? '')
    .join('\n');
  if (upgradesNpm(all)) return;
  const ownImage = valueAt(job, 'image');
  const image =
    str(ownImage) ??
    (isMap(ownImage) ? str(valueAt(ownImage, 'name')) : undefined) ??
    str(valueAt(mapAt(root, 'default') ?? root, 'image')) ??
    str(valueAt(root, 'image'));
  const m = image ? NODE_IMAGE.exec(image) : null;
  const need = m ? nodeNeed(m[2]!) : 'unknown';
  if (need === 'ok') return;
  if (need === 'node' && m) {
    const raised = `${m[1]}${TARGET_NODE}${m[3]}`;
    if (isScalar(ownImage)) ownImage.value = raised;
    else
      insertKey(doc, job, 'image', raised, {
        after: ['stage'],
        before: ['id_tokens', 'before_script', 'script'],
      });
    notes.push(
      `${file}: job "${name}" now runs in ${raised} (it was ${image}): trusted publishing needs npm 11.5.1 or later on Node 22.14 or later.`,
    );
    return;
  }
  const upgrade = `npm install --global npm@${NPM_RANGE}`;
  if (isSeq(script)) {
    const at = script.items.findIndex((i) =>
      splitCommands(str(i) ?? '').some((c) => classifyPublish(c.words, repo.scriptsAt(''))),
    );
    script.items.splice(at === -1 ? 0 : at, 0, doc.createNode(upgrade));
  } else {
    notes.push(
      `${file}: job "${name}": run "${upgrade}" before publishing (the script is not a list trustgate can add to).`,
    );
  }
  if (need === 'unknown')
    notes.push(
      `${file}: job "${name}" runs in ${image ? `the image ${image}` : "the runner's default image"}; make sure its Node is 22.14 or later, as trustgate cannot tell.`,
    );
}

/** The edited configuration, read from the top-level file as GitLab does, has every publish on OIDC. */
function verify(
  file: string,
  after: string,
  repo: RepoContext,
  targets: WorkflowStep[],
): Problem | undefined {
  const view: RepoContext = { ...repo, read: (f) => (f === file ? { ok: true, text: after } : repo.read(f)) };
  const root = file === '.gitlab-ci.yml' ? { ok: true as const, text: after } : repo.read('.gitlab-ci.yml');
  if (!root.ok) return undefined;
  const rootText = root.text;
  return checkRescan(
    analyzeGitlab('.gitlab-ci.yml', rootText, view).steps,
    targets,
    'a template, default or included file',
  );
}
