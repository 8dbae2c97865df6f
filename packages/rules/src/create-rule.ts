import { defineRule, type Rule, type RuleMeta } from '@trustgate/core';

/** Where the rule doc pages are published: `docs/<rule id>.md` in this package. */
export const DOCS_BASE = 'https://github.com/trustgate/trustgate/blob/main/packages/rules/docs/';

/** One place decides what a built-in rule looks like: the docs URL comes from the id. */
export function createRule<Options>(rule: {
  id: string;
  meta: Omit<RuleMeta, 'docs'>;
  check: Rule<Options>['check'];
}) {
  return defineRule<Options>({ ...rule, meta: { ...rule.meta, docs: `${DOCS_BASE}${rule.id}.md` } });
}

export const DAY_MS = 86_400_000;

/** Joins reasons: "a", "a and b", "a, b and c". */
export function joinAnd(parts: readonly string[]): string {
  if (parts.length <= 1) return parts[0] ?? '';
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export const PROVIDER_NAMES = {
  github: 'GitHub Actions',
  gitlab: 'GitLab CI/CD',
  circleci: 'CircleCI',
} as const;
export type Provider = keyof typeof PROVIDER_NAMES;

/** A token as people recognise it: its masked value, else the start of its id, and its owner. */
export function tokenLabel(token: { id: string; display?: string; owner?: string | null }): string {
  const name = token.display ?? `${token.id.slice(0, 12)}`;
  return token.owner ? `${name} of ${token.owner}` : name;
}

/** The public npm registry, where trusted publishing exists (one definition, in core). */
export { isNpmjs } from '@trustgate/core';
