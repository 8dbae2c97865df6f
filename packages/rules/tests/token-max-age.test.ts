import { RuleTester } from '@trustgate/core/testing';
import { tokenMaxAge } from '@trustgate/rules';

const tok = (id: string, o: Record<string, unknown>) => ({
  id,
  kind: 'granular',
  access: 'write',
  owner: 'alice',
  display: `npm_…${id}`,
  created: null,
  expires: null,
  ...o,
});

new RuleTester({ now: '2026-11-28T00:00:00Z' }).run(tokenMaxAge, {
  valid: [
    {
      name: 'a 7-day write token made 3 days ago',
      facts: { tokens: [tok('wk01', { created: '2026-11-25T00:00:00Z', expires: '2026-12-02T00:00:00Z' })] },
    },
    {
      name: 'a token 89 days old with a 90-day lifetime is at the limit, not over it',
      facts: { tokens: [tok('lim1', { created: '2026-08-31T00:00:00Z', expires: '2026-11-29T00:00:00Z' })] },
    },
    {
      name: 'read-only tokens are not checked by default',
      facts: { tokens: [tok('rd01', { access: 'read', created: '2024-01-01T00:00:00Z' })] },
    },
    {
      name: 'an expired token can no longer be used',
      facts: { tokens: [tok('ex01', { created: '2025-01-01T00:00:00Z', expires: '2026-11-01T00:00:00Z' })] },
    },
    {
      name: 'a 60-day token passes a 60-day limit',
      options: { maxDays: 61 },
      facts: { tokens: [tok('m60', { created: '2026-10-01T00:00:00Z', expires: '2026-12-01T00:00:00Z' })] },
    },
  ],
  invalid: [
    {
      name: 'a write token that never expires',
      facts: { tokens: [tok('nv01', { created: '2026-11-20T00:00:00Z' })] },
      findings: [
        {
          subject: 'token:nv01',
          message: 'Write token npm_…nv01 of alice never expires; the limit is 90 days.',
          level: 'error',
        },
      ],
    },
    {
      name: 'an old token with a long lifetime',
      facts: { tokens: [tok('old1', { created: '2026-06-01T00:00:00Z', expires: '2026-12-01T00:00:00Z' })] },
      findings: [
        {
          subject: 'token:old1',
          message:
            'Write token npm_…old1 of alice is 180 days old and is valid for 183 days; the limit is 90 days.',
        },
      ],
    },
    {
      name: 'a new token valid for a year',
      facts: { tokens: [tok('yr01', { created: '2026-11-27T00:00:00Z', expires: '2027-11-27T00:00:00Z' })] },
      findings: [
        {
          subject: 'token:yr01',
          message: 'Write token npm_…yr01 of alice is valid for 365 days; the limit is 90 days.',
        },
      ],
    },
    {
      name: 'access: any checks read-only tokens too',
      options: { access: 'any' },
      facts: {
        tokens: [
          tok('rd02', { access: 'read', owner: null, display: undefined, created: '2024-01-01T00:00:00Z' }),
        ],
      },
      findings: [
        {
          subject: 'token:rd02',
          message: 'Read-only token rd02 is 1062 days old and never expires; the limit is 90 days.',
        },
      ],
    },
    {
      name: 'maxDays tightens the limit',
      options: { maxDays: 30 },
      facts: {
        tokens: [
          tok('m61', { created: '2026-10-01T00:00:00Z', expires: '2026-12-01T00:00:00Z' }),
          tok('wk02', { created: '2026-11-25T00:00:00Z', expires: '2026-12-02T00:00:00Z' }),
        ],
      },
      findings: [
        {
          subject: 'token:m61',
          message:
            'Write token npm_…m61 of alice is 58 days old and is valid for 61 days; the limit is 30 days.',
        },
      ],
    },
    {
      name: 'no creation date: the age is unknown',
      facts: { tokens: [tok('nc01', { expires: '2026-12-20T00:00:00Z' })] },
      findings: [
        {
          subject: 'token:nc01',
          message:
            'Write token npm_…nc01 of alice has no creation date, so its age cannot be checked against the 90-day limit.',
          level: 'error',
          indeterminate: true,
        },
      ],
    },
    {
      name: 'no creation date and no expiry: it never expires',
      facts: { tokens: [tok('nc02', {})] },
      findings: [
        {
          subject: 'token:nc02',
          message: 'Write token npm_…nc02 of alice never expires; the limit is 90 days.',
        },
      ],
    },
    {
      name: 'tokens were not collected',
      facts: { sources: [{ collector: 'repository', covers: ['workflows'], complete: true }] },
      findings: [
        {
          subject: 'collection:tokens',
          message: 'No source in the facts covers tokens, so no token could be checked.',
          indeterminate: true,
          level: 'error',
        },
      ],
    },
  ],
});
