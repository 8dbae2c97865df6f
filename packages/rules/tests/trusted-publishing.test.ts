import { RuleTester } from '@trustgate/core/testing';
import { trustedPublishing } from '@trustgate/rules';

const pkg = (id: string, trustedPublishers: unknown) => ({ id, mfa: 'publish', trustedPublishers });
const gh = { provider: 'github', repository: 'acme/web', workflow: 'release.yml' };
const step = (id: string, o: Record<string, unknown> = {}, auth: Record<string, unknown> = {}) => ({
  id,
  file: '.github/workflows/release.yml',
  provider: 'github',
  registry: 'https://registry.npmjs.org/',
  job: 'publish',
  tool: 'npm',
  command: 'npm publish',
  auth: { oidc: true, tokenSecrets: [], tokenEnv: [], ...auth },
  provenance: true,
  origin: { file: '.github/workflows/release.yml', line: 24, column: 9 },
  ...o,
});

new RuleTester().run(trustedPublishing, {
  valid: [
    {
      name: 'a package with a GitHub trusted publisher, published by an OIDC step',
      facts: { packages: [pkg('@acme/web', [gh])], workflows: [step('w1')] },
    },
    {
      name: 'a token step to GitHub Packages is out of scope',
      facts: {
        workflows: [
          step(
            'w2',
            { registry: 'https://npm.pkg.github.com/' },
            { oidc: false, tokenSecrets: ['GITHUB_TOKEN'] },
          ),
        ],
      },
    },
    {
      name: 'GitLab alone, when only GitLab is allowed',
      options: { providers: ['gitlab'] },
      facts: {
        packages: [pkg('@acme/cli', [{ provider: 'gitlab', project: 'acme/cli' }])],
        workflows: [step('g1', { provider: 'gitlab', file: '.gitlab-ci.yml' })],
      },
    },
  ],
  invalid: [
    {
      name: 'credentials anchor: an inferred step (the publish runs in a script) is reported as inferred from the token',
      facts: {
        workflows: [
          step(
            'w-inf',
            { tool: 'unknown', inferred: true, command: '(inferred)', provenance: false },
            { oidc: false, tokenSecrets: ['NPM_TOKEN'], tokenEnv: ['NPM_TOKEN'] },
          ),
        ],
      },
      findings: [
        {
          subject: 'workflow:w-inf',
          message:
            'Job "publish" receives an npm token and says it publishes or releases, but its publish command was not found; the publish is inferred from the credential: it uses the token secret NPM_TOKEN and requests no OIDC token (permissions: id-token: write). Publish with trusted publishing instead, or remove the token from the job.',
        },
      ],
    },
    {
      name: 'hidden CircleCI token: a CircleCI publish with no OIDC token is reported as using a context token',
      facts: {
        workflows: [
          step(
            'w-ci',
            { provider: 'circleci', provenance: false },
            { oidc: false, tokenEnv: ['(token from a CircleCI context or project variable)'] },
          ),
        ],
      },
      findings: [
        {
          subject: 'workflow:w-ci',
          message:
            'Publishing step (npm) in job "publish" fetches no OIDC token, so it can only publish with a token from a context or a project variable; publish with trusted publishing instead.',
        },
      ],
    },
    {
      name: 'a package with no trusted publisher',
      facts: { packages: [pkg('@acme/legacy', [])] },
      findings: [
        {
          subject: 'package:@acme/legacy',
          message:
            'Package @acme/legacy has no trusted publisher; configure one for GitHub Actions, GitLab CI/CD or CircleCI so that it publishes without a long-lived token.',
        },
      ],
    },
    {
      name: 'a provider the policy does not allow',
      options: { providers: ['github', 'gitlab'] },
      facts: { packages: [pkg('@acme/mobile', [{ provider: 'circleci', project: 'acme/mobile' }])] },
      findings: [
        {
          subject: 'package:@acme/mobile',
          message:
            'Package @acme/mobile trusts CircleCI, which this policy does not allow; allowed: GitHub Actions or GitLab CI/CD.',
        },
      ],
    },
    {
      name: 'unreadable trusted publishers are indeterminate',
      facts: { packages: [pkg('@acme/design', null)] },
      findings: [
        {
          subject: 'package:@acme/design',
          message: 'The trusted publisher of package @acme/design could not be read.',
          indeterminate: true,
        },
      ],
    },
    {
      name: 'a step with NODE_AUTH_TOKEN from secrets.NPM_TOKEN, at its line',
      facts: {
        workflows: [
          step('w3', {}, { oidc: false, tokenSecrets: ['NPM_TOKEN'], tokenEnv: ['NODE_AUTH_TOKEN'] }),
        ],
      },
      findings: [
        {
          subject: 'workflow:w3',
          message:
            'Publishing step (npm) in job "publish" uses the token secret NPM_TOKEN and requests no OIDC token (permissions: id-token: write); publish with trusted publishing instead.',
          location: { file: '.github/workflows/release.yml', line: 24, column: 9 },
        },
      ],
    },
    {
      name: 'OIDC granted but a token still passed',
      facts: {
        workflows: [step('w4', { tool: 'changesets' }, { tokenSecrets: ['NPM_TOKEN', 'NPM_TOKEN_2'] })],
      },
      findings: [
        {
          subject: 'workflow:w4',
          message:
            'Publishing step (changesets) in job "publish" uses the token secrets NPM_TOKEN and NPM_TOKEN_2; publish with trusted publishing instead.',
        },
      ],
    },
    {
      name: 'a token from the environment with no secret, on GitLab without id_tokens',
      facts: {
        workflows: [
          step(
            'g2',
            { provider: 'gitlab', file: '.gitlab-ci.yml' },
            { oidc: false, tokenEnv: ['NPM_TOKEN'] },
          ),
        ],
      },
      findings: [
        {
          subject: 'workflow:g2',
          message:
            'Publishing step (npm) in job "publish" reads a token from NPM_TOKEN and requests no OIDC ID token (id_tokens with aud "npm:registry.npmjs.org"); publish with trusted publishing instead.',
        },
      ],
    },
    {
      name: 'a step on a provider the policy does not allow',
      options: { providers: ['github'] },
      facts: { workflows: [step('c1', { provider: 'circleci', file: '.circleci/config.yml' })] },
      findings: [
        {
          subject: 'workflow:c1',
          message:
            'Publishing step (npm) in job "publish" runs on CircleCI, which this policy does not allow; publish with trusted publishing instead.',
        },
      ],
    },
    {
      name: 'scope: workflows checks only publishing steps, and needs no registry facts',
      options: { scope: ['workflows'] },
      facts: {
        sources: [{ collector: 'repository', covers: ['workflows'], complete: true }],
        workflows: [step('w5', {}, { oidc: false })],
      },
      findings: [
        {
          subject: 'workflow:w5',
          message:
            'Publishing step (npm) in job "publish" requests no OIDC token (permissions: id-token: write); publish with trusted publishing instead.',
        },
      ],
    },
    {
      name: 'packages collected, workflows not',
      facts: {
        sources: [{ collector: 'registry', covers: ['packages'], complete: true }],
        packages: [pkg('@acme/web', [gh])],
      },
      findings: [
        {
          subject: 'collection:workflows',
          message: 'No source in the facts covers workflows, so no publishing step could be checked.',
          indeterminate: true,
        },
      ],
    },
  ],
});
