import type { WorkflowStep } from '@trustgate/core';
import { type Document, isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { isNpmjs, isNpmTokenVar, type RepoContext, uniq } from '../context.js';
import { analyzeGitlab } from '../gitlab.js';
import { classifyPublish, splitCommands } from '../shell.js';
import { carryOver, changedOutside, styleOf } from './merge.js';
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
  const fix: FileFix = {
    file,
    provider: 'gitlab',
    status: 'refused',
    before: source,
    after: source,
    steps: targets.map((s) => s.id),
    reasons: [],
    notes: [],
    trust: [],
  };
  const refuse = (line: number, why: string) => fix.reasons.push(`${file}:${line}: ${why}`);
  const doc = parseDocument(source, { uniqueKeys: false });
  const root = doc.contents;
  if (doc.errors.length > 0 || !isMap(root)) {
    refuse(1, 'The YAML parser cannot read the file, so it cannot be edited safely.');
    return fix;
  }
  const style = styleOf(source);
  const base = doc.toString(style);
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
      fix.reasons.push(...problems);
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
  if (fix.reasons.length > 0) {
    fix.notes = [];
    fix.trust = [];
    return fix;
  }
  const carried = carryOver(source, base, doc.toString(style));
  if (!carried.ok) {
    refuse(
      carried.line,
      'The edit must change this part of the file, and the YAML parser does not reproduce it exactly as written; edit it by hand.',
    );
    fix.notes = [];
    fix.trust = [];
    return fix;
  }
  const outside = changedOutside(source, carried.text, { top: ['variables', ...jobNames] });
  const left = outside
    ? {
        line: lineOf(source, pairOf(root, outside)?.key),
        why: `The edit would also change ${outside} (through a YAML anchor or alias); edit it by hand.`,
      }
    : verify(file, carried.text, repo, targets);
  if (left) {
    refuse(left.line, left.why);
    fix.notes = [];
    fix.trust = [];
    return fix;
  }
  fix.status = 'fixed';
  fix.after = carried.text;
  return fix;
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

function readsVar(node: YAMLMap, name: string): boolean {
  const body = JSON.stringify(node.toJSON());
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\$\\{?${esc}\\b`).test(body);
}

function verify(
  file: string,
  after: string,
  repo: RepoContext,
  targets: WorkflowStep[],
): { line: number; why: string } | undefined {
  const view: RepoContext = { ...repo, readText: (f) => (f === file ? after : repo.readText(f)) };
  const rootText = file === '.gitlab-ci.yml' ? after : repo.readText('.gitlab-ci.yml');
  if (rootText === undefined) return undefined;
  const analysis = analyzeGitlab('.gitlab-ci.yml', rootText, view);
  for (const job of uniq(targets.map((t) => t.job))) {
    const now = analysis.steps.filter((s) => s.job === job && isNpmjs(s.registry));
    if (now.length < targets.filter((t) => t.job === job).length)
      return {
        line: 1,
        why: `After the edit, job "${job}" publishes fewer times than before; nothing was changed.`,
      };
    const left = now.find(
      (s) => !s.auth.oidc || s.auth.tokenEnv.length > 0 || s.auth.tokenSecrets.length > 0,
    );
    if (left) {
      const what = uniq([...left.auth.tokenSecrets, ...left.auth.tokenEnv]);
      return {
        // A line of the file as it is (the edited text has moved).
        line: targets.find((t) => t.job === job)?.origin.line ?? 1,
        why: what.length
          ? `After the edit, this publish still reads the token ${what.join(', ')} (from a template, default or included file trustgate does not edit); edit it by hand.`
          : 'After the edit, this publish still has no ID token for npm; edit it by hand.',
      };
    }
  }
  return undefined;
}
