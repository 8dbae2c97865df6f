import { RuleTester } from '@trustgate/core/testing';
import { noBypass2faTokens, package2faDisallowTokens, provenanceAttested } from '@trustgate/rules';

const tester = new RuleTester({ now: '2026-11-28T00:00:00Z' });
const pkg = (id: string, o: Record<string, unknown>) => ({ id, mfa: 'publish', trustedPublishers: [], ...o });

tester.run(package2faDisallowTokens, {
  valid: [
    { name: 'require 2FA and disallow tokens', facts: { packages: [pkg('@acme/web', { mfa: 'publish' })] } },
  ],
  invalid: [
    {
      name: 'automation tokens allowed, and no 2FA at all',
      facts: { packages: [pkg('@acme/a', { mfa: 'automation' }), pkg('@acme/b', { mfa: 'none' })] },
      findings: [
        {
          subject: 'package:@acme/a',
          message:
            'Package @acme/a can be published with a token that bypasses 2FA; set "Require 2FA and disallow tokens" (npm access set mfa=publish); trusted publishing still works.',
          level: 'error',
        },
        {
          subject: 'package:@acme/b',
          message:
            'Package @acme/b can be published without 2FA; set "Require 2FA and disallow tokens" (npm access set mfa=publish); trusted publishing still works.',
        },
      ],
    },
    {
      name: 'an unreadable setting is indeterminate',
      facts: { packages: [pkg('@acme/c', { mfa: null })] },
      findings: [
        {
          subject: 'package:@acme/c',
          message: 'The publishing 2FA setting of package @acme/c could not be read.',
          indeterminate: true,
        },
      ],
    },
  ],
});

const tok = (id: string, o: Record<string, unknown>) => ({
  id,
  kind: 'granular',
  access: 'write',
  owner: 'alice',
  display: `npm_…${id}`,
  created: '2026-11-20T00:00:00Z',
  expires: '2026-12-20T00:00:00Z',
  bypass2fa: false,
  ...o,
});

tester.run(noBypass2faTokens, {
  valid: [
    {
      name: 'tokens that need 2FA, read tokens, expired ones',
      facts: {
        tokens: [
          tok('ok1', {}),
          tok('rd1', { access: 'read', bypass2fa: true }),
          tok('ex1', { bypass2fa: true, expires: '2026-11-01T00:00:00Z' }),
          tok('cp1', { kind: 'classic', classicType: 'publish', bypass2fa: null, expires: null }),
        ],
      },
    },
  ],
  invalid: [
    {
      name: 'a bypass-2FA granular token and a classic automation token',
      facts: {
        tokens: [
          tok('by1', { bypass2fa: true }),
          tok('au1', { kind: 'classic', classicType: 'automation', bypass2fa: null, expires: null }),
        ],
      },
      findings: [
        {
          subject: 'token:au1',
          message:
            'Write token npm_…au1 of alice is a classic automation token, which bypasses 2FA; use trusted publishing, or a token that requires 2FA.',
        },
        {
          subject: 'token:by1',
          message:
            'Write token npm_…by1 of alice bypasses 2FA; use trusted publishing, or a token that requires 2FA.',
          level: 'error',
        },
      ],
    },
    {
      name: 'unknown bypass is indeterminate',
      facts: { tokens: [tok('un1', { kind: 'unknown', bypass2fa: null })] },
      findings: [
        {
          subject: 'token:un1',
          message: 'Whether write token npm_…un1 of alice bypasses 2FA could not be read.',
          indeterminate: true,
        },
      ],
    },
  ],
});

const latest = (o: Record<string, unknown>) => ({
  version: '2.1.0',
  publishedAt: '2026-11-20T00:00:00Z',
  provenance: true,
  trustedPublisher: true,
  publisher: 'GitHub Actions',
  ...o,
});

tester.run(provenanceAttested, {
  valid: [
    {
      name: 'provenance from a trusted publisher',
      facts: { packages: [pkg('@acme/web', { latest: latest({}) })] },
    },
    {
      name: 'a restricted package',
      facts: {
        packages: [pkg('@acme/internal', { access: 'restricted', latest: latest({ provenance: false }) })],
      },
    },
  ],
  invalid: [
    {
      name: 'published with a token, without provenance',
      facts: {
        packages: [
          pkg('@acme/legacy', {
            latest: latest({ provenance: false, trustedPublisher: false, publisher: 'bob' }),
          }),
        ],
      },
      findings: [
        {
          subject: 'package:@acme/legacy',
          message:
            'Version 2.1.0 of @acme/legacy has no provenance attestation and was not published by a trusted publisher (published by bob); publish the next version with trusted publishing.',
          level: 'warning',
        },
      ],
    },
    {
      name: 'no latest version could be read',
      facts: { packages: [pkg('@acme/gone', { latest: null })] },
      findings: [
        {
          subject: 'package:@acme/gone',
          message: 'The latest version of package @acme/gone could not be read.',
          indeterminate: true,
        },
      ],
    },
  ],
});
