import { type Finding, fingerprint, type RunResult, summarize } from '@trustgate/core';

const f = (x: Omit<Finding, 'fingerprint' | 'helpUri'>): Finding => ({
  ...x,
  fingerprint: fingerprint(x.ruleId, x.subject),
  helpUri: `https://example.test/rules/${x.ruleId}.md`,
});

const findings: Finding[] = [
  f({
    ruleId: 'no-classic-tokens',
    level: 'error',
    subject: 'token:3c1665365d1de0a2e3c32031f7b9a7e4',
    message:
      'Classic publish token npm_…W7Ms of old-release-bot is still listed; revoke it and use trusted publishing or a granular token.',
    expiredException: {
      rule: 'no-classic-tokens',
      subject: 'token:3c166536*',
      reason: 'Old release bot.',
      ticket: 'SEC-377',
      owner: 'dave',
      expires: '2026-10-31',
    },
  }),
  f({
    ruleId: 'token-max-age',
    level: 'error',
    subject: 'token:1e6492a7',
    message:
      'Write token npm_…rOZ0 of release-bot is 87 days old and is valid for 90 days; the limit is 30 days.',
    exception: {
      rule: 'token-max-age',
      subject: 'token:1e6492a7*',
      reason: 'Release bot until it moves to trusted publishing.',
      ticket: 'SEC-412',
      expires: '2027-01-31',
    },
  }),
  f({
    ruleId: 'token-max-age',
    level: 'error',
    subject: 'token:3ebd5523',
    message:
      'Write token npm_…wuN1 of frank has no creation date, so its age cannot be checked against the 30-day limit.',
    indeterminate: true,
  }),
  f({
    ruleId: 'trusted-publishing',
    level: 'error',
    subject: 'package:@acme/legacy',
    message: 'Package @acme/legacy has no trusted publisher; configure one.',
  }),
  f({
    ruleId: 'trusted-publishing',
    level: 'warning',
    subject: 'workflow:.github/workflows/legacy-publish.yml#release/4',
    message:
      'Publishing step (npm) in job "release" uses the token secret NPM_TOKEN; publish with trusted publishing instead.',
    location: { file: '.github/workflows/legacy-publish.yml', line: 24, column: 9 },
  }),
  f({
    ruleId: 'webauthn-2fa',
    level: 'note',
    subject: 'account:carol',
    message:
      'The 2FA method of account carol is unknown, because the registry does not say; check it and record it in an attestation facts file.',
    indeterminate: true,
  }),
];

export const result: RunResult = {
  version: 1,
  tool: { name: 'trustgate', version: '0.1.0' },
  policy: { name: 'acme-npm', file: 'trustgate.yaml' },
  now: '2026-11-28T09:00:00.000Z',
  summary: summarize(findings),
  findings,
  rules: [
    {
      id: 'no-classic-tokens',
      level: 'error',
      description: 'Disallow classic npm tokens.',
      docs: 'https://example.test/rules/no-classic-tokens.md',
      securitySeverity: 8.5,
      rationale: 'npm revoked classic tokens on 2025-12-09.',
      collections: ['tokens', 'npmrc'],
      setBy: { file: 'trustgate.yaml', line: 7, column: 3 },
    },
    {
      id: 'token-max-age',
      level: 'error',
      description: 'Require young tokens.',
      docs: 'https://example.test/rules/token-max-age.md',
      securitySeverity: 8,
      collections: ['tokens'],
      setBy: { file: '/opt/trustgate/policies/recommended.yaml', line: 9, column: 3 },
    },
    {
      id: 'trusted-publishing',
      level: 'error',
      description: 'Require trusted publishing.',
      docs: 'https://example.test/rules/trusted-publishing.md',
      securitySeverity: 7.5,
      collections: ['packages', 'workflows'],
      setBy: { file: 'trustgate.yaml', line: 9, column: 3 },
    },
    {
      id: 'webauthn-2fa',
      level: 'error',
      description: 'Require WebAuthn.',
      docs: 'https://example.test/rules/webauthn-2fa.md',
      securitySeverity: 7,
      collections: ['accounts'],
      setBy: { file: 'trustgate.yaml', line: 11, column: 3 },
    },
  ],
  facts: {
    collectedAt: '2026-11-28T09:00:00Z',
    sources: [{ collector: 'repository', target: 'acme/web', complete: true, errors: 0 }],
    counts: { tokens: 3, accounts: 1, packages: 1, orgs: 0, workflows: 1, npmrc: 0, manifests: 2 },
    packageFiles: { '@acme/legacy': 'packages/legacy/package.json', 'acme-web': 'package.json' },
    writeTokenAges: [1, 0, 0, 2, 0, 0, 0, 0, 0, 1, ...new Array<number>(30).fill(0), 1],
    tfaMix: { webauthn: 2, totp: 1, none: 1, unknown: 1 },
    adoption: { packages: 1, packagesTotal: 2, steps: 0, stepsTotal: 1 },
    packages: [
      {
        id: '@acme/legacy',
        trustedPublisher: '',
        provenance: false,
        mfa: 'automation',
        maintainers: ['dave'],
      },
      {
        id: '@acme/web',
        trustedPublisher: 'github',
        provenance: true,
        mfa: 'publish',
        maintainers: ['alice', 'bob'],
      },
    ],
  },
  exceptions: [
    {
      rule: 'no-classic-tokens',
      subject: 'token:3c166536*',
      reason: 'Old release bot.',
      ticket: 'SEC-377',
      owner: 'dave',
      expires: '2026-10-31',
      state: 'expired',
    },
    {
      rule: 'token-max-age',
      subject: 'token:1e6492a7*',
      reason: 'Release bot until it moves to trusted publishing.',
      ticket: 'SEC-412',
      expires: '2027-01-31',
      state: 'active',
    },
  ],
};

export const clean: RunResult = { ...result, findings: [], summary: summarize([]) };
