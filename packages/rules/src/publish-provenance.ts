import { createRule, isNpmjs, PROVIDER_NAMES } from './create-rule.js';

export const publishProvenance = createRule<Record<string, never>>({
  id: 'publish-provenance',
  meta: {
    description: 'Require publishing steps to attest provenance where the CI provider supports it.',
    collections: ['workflows'],
    defaultLevel: 'warning',
    securitySeverity: 5.0,
    rationale:
      'npm provenance links a published version to the commit and workflow that built it; trusted publishing attests it automatically.',
    options: { type: 'object', properties: {}, additionalProperties: false },
  },
  check(ctx) {
    for (const step of ctx.facts.workflows) {
      // Provenance is attested from GitHub Actions and GitLab CI/CD, for the public registry.
      if (!isNpmjs(step.registry) || step.provider === 'circleci' || step.provenance === true) continue;
      const trusted =
        step.auth.oidc && step.auth.tokenSecrets.length === 0 && step.auth.tokenEnv.length === 0;
      if (trusted) continue; // trusted publishing attests provenance by itself
      const subject = `workflow:${step.id}`;
      const what = `Publishing step (${step.tool}) in job "${step.job}"`;
      const how =
        step.provider === 'github'
          ? 'add --provenance (or NPM_CONFIG_PROVENANCE: true) and grant id-token: write, or move to trusted publishing'
          : 'add --provenance with an id_tokens entry SIGSTORE_ID_TOKEN (aud sigstore), or move to trusted publishing';
      if (step.provenance === false) {
        ctx.report({
          subject,
          location: step.origin,
          message: `${what} does not attest provenance on ${PROVIDER_NAMES[step.provider]}; ${how}.`,
        });
      } else {
        ctx.report({
          subject,
          location: step.origin,
          indeterminate: true,
          message: `${what} does not show whether it attests provenance; ${how}.`,
        });
      }
    }
  },
});
