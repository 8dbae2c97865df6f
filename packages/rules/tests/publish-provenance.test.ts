import { RuleTester } from '@trustgate/core/testing';
import { publishProvenance } from '@trustgate/rules';

const step = (id: string, o: Record<string, unknown>, auth: Record<string, unknown> = {}) => ({
  id,
  file: '.github/workflows/release.yml',
  provider: 'github',
  registry: 'https://registry.npmjs.org/',
  job: 'publish',
  tool: 'npm',
  auth: { oidc: false, tokenSecrets: ['NPM_TOKEN'], tokenEnv: ['NODE_AUTH_TOKEN'], ...auth },
  provenance: false,
  origin: { file: '.github/workflows/release.yml', line: 20, column: 9 },
  ...o,
});

new RuleTester().run(publishProvenance, {
  valid: [
    { name: 'provenance asked for', facts: { workflows: [step('a', { provenance: true })] } },
    {
      name: 'trusted publishing attests provenance by itself',
      facts: { workflows: [step('b', { provenance: null }, { oidc: true, tokenSecrets: [], tokenEnv: [] })] },
    },
    {
      name: 'other registries and CircleCI cannot attest',
      facts: {
        workflows: [
          step('c', { registry: 'https://npm.pkg.github.com/' }),
          step('d', { provider: 'circleci', file: '.circleci/config.yml' }),
        ],
      },
    },
  ],
  invalid: [
    {
      name: 'a token publish without provenance on GitHub, at its line',
      facts: { workflows: [step('e', {})] },
      findings: [
        {
          subject: 'workflow:e',
          message:
            'Publishing step (npm) in job "publish" does not attest provenance on GitHub Actions; add --provenance (or NPM_CONFIG_PROVENANCE: true) and grant id-token: write, or move to trusted publishing.',
          location: { file: '.github/workflows/release.yml', line: 20, column: 9 },
          level: 'warning',
        },
      ],
    },
    {
      name: 'GitLab',
      facts: { workflows: [step('f', { provider: 'gitlab', file: '.gitlab-ci.yml' })] },
      findings: [
        {
          subject: 'workflow:f',
          message:
            'Publishing step (npm) in job "publish" does not attest provenance on GitLab CI/CD; add --provenance with an id_tokens entry SIGSTORE_ID_TOKEN (aud sigstore), or move to trusted publishing.',
        },
      ],
    },
    {
      name: 'a script publishes with OIDC and a token: provenance cannot be seen',
      facts: {
        workflows: [step('g', { provenance: null, tool: 'npm-script (npm script release)' }, { oidc: true })],
      },
      findings: [
        {
          subject: 'workflow:g',
          message:
            'Publishing step (npm-script (npm script release)) in job "publish" does not show whether it attests provenance; add --provenance (or NPM_CONFIG_PROVENANCE: true) and grant id-token: write, or move to trusted publishing.',
          indeterminate: true,
          level: 'error',
        },
      ],
    },
  ],
});
