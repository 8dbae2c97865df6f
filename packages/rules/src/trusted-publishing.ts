import { createRule, isNpmjs, joinAnd, PROVIDER_NAMES, type Provider } from './create-rule.js';

export interface TrustedPublishingOptions {
  providers: Provider[];
  scope: ('packages' | 'workflows')[];
}

export const trustedPublishing = createRule<TrustedPublishingOptions>({
  id: 'trusted-publishing',
  meta: {
    description:
      'Require every package to have a trusted publisher, and every publishing step to authenticate with OIDC and no token.',
    collections: (options) =>
      (options.scope as ('packages' | 'workflows')[] | undefined) ?? ['packages', 'workflows'],
    defaultLevel: 'error',
    securitySeverity: 7.5,
    strictness: { providers: 'subset', scope: 'superset' },
    rationale:
      'Trusted publishing (OIDC) from GitHub Actions, GitLab and CircleCI replaces long-lived npm tokens and attests provenance.',
    options: {
      type: 'object',
      properties: {
        providers: {
          type: 'array',
          items: { type: 'string', enum: ['github', 'gitlab', 'circleci'] },
          minItems: 1,
          uniqueItems: true,
          default: ['github', 'gitlab', 'circleci'],
          description: 'The CI providers a trusted publisher may use.',
        },
        scope: {
          type: 'array',
          items: { type: 'string', enum: ['packages', 'workflows'] },
          minItems: 1,
          uniqueItems: true,
          default: ['packages', 'workflows'],
          description: 'What to check: registry packages, CI publishing steps, or both.',
        },
      },
      additionalProperties: false,
    },
  },
  check(ctx, { providers, scope }) {
    const allowed = new Set<string>(providers);
    const allowedNames = joinAnd(providers.map((p) => PROVIDER_NAMES[p])).replace(/ and /, ' or ');

    for (const pkg of scope.includes('packages') ? ctx.facts.packages : []) {
      const subject = `package:${pkg.id}`;
      if (pkg.trustedPublishers === null) {
        ctx.report({
          subject,
          indeterminate: true,
          message: `The trusted publisher of package ${pkg.id} could not be read.`,
        });
        continue;
      }
      if (pkg.trustedPublishers.length === 0) {
        ctx.report({
          subject,
          message: `Package ${pkg.id} has no trusted publisher; configure one for ${allowedNames} so that it publishes without a long-lived token.`,
        });
        continue;
      }
      for (const tp of pkg.trustedPublishers) {
        if (!allowed.has(tp.provider)) {
          ctx.report({
            subject,
            key: tp.provider,
            message: `Package ${pkg.id} trusts ${PROVIDER_NAMES[tp.provider]}, which this policy does not allow; allowed: ${allowedNames}.`,
          });
        }
      }
    }

    for (const step of scope.includes('workflows') ? ctx.facts.workflows : []) {
      if (!isNpmjs(step.registry)) continue; // trusted publishing exists only on the public registry
      const reasons: string[] = [];
      if (!allowed.has(step.provider))
        reasons.push(`runs on ${PROVIDER_NAMES[step.provider]}, which this policy does not allow`);
      const secrets = step.auth.tokenSecrets;
      const hidden = step.auth.tokenEnv.filter((n) => n.startsWith('(')); // a token the file cannot show
      const named = step.auth.tokenEnv.filter((n) => !n.startsWith('('));
      if (secrets.length > 0) {
        reasons.push(`uses the token secret${secrets.length === 1 ? '' : 's'} ${joinAnd(secrets)}`);
      } else if (named.length > 0) {
        reasons.push(`reads a token from ${joinAnd(named)}`);
      } else if (hidden.length > 0 && !step.auth.oidc) {
        reasons.push(
          'fetches no OIDC token, so it can only publish with a token from a context or a project variable',
        );
      }
      if (!step.auth.oidc && hidden.length === 0) {
        reasons.push(
          step.provider === 'gitlab'
            ? 'requests no OIDC ID token (id_tokens with aud "npm:registry.npmjs.org")'
            : 'requests no OIDC token (permissions: id-token: write)',
        );
      }
      if (reasons.length === 0) continue;
      if (step.inferred) {
        ctx.report({
          subject: `workflow:${step.id}`,
          location: step.origin,
          message: `Job "${step.job}" receives an npm token and says it publishes or releases, but its publish command was not found; the publish is inferred from the credential: it ${joinAnd(reasons)}. Publish with trusted publishing instead, or remove the token from the job.`,
        });
        continue;
      }
      ctx.report({
        subject: `workflow:${step.id}`,
        location: step.origin,
        message: `Publishing step (${step.tool}) in job "${step.job}" ${joinAnd(reasons)}; publish with trusted publishing instead.`,
      });
    }
  },
});
