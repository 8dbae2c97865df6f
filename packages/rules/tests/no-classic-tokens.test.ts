import { RuleTester } from '@trustgate/core/testing';
import { noClassicTokens } from '@trustgate/rules';

const classic = (id: string, classicType: string | null, owner = 'ci-bot') => ({
  id,
  kind: 'classic',
  classicType,
  access: classicType === 'read-only' ? 'read' : 'write',
  owner,
  display: `npm_…${id}`,
  created: '2024-01-01T00:00:00Z',
  expires: null,
});

const npmrc = (id: string, key: string, value: string, line: number) => ({
  id,
  file: 'packages/a/.npmrc',
  registry: 'https://registry.npmjs.org/',
  key,
  value,
  origin: { file: 'packages/a/.npmrc', line, column: 1 },
});

new RuleTester().run(noClassicTokens, {
  valid: [
    {
      name: 'granular and session tokens',
      facts: {
        tokens: [
          {
            id: 'g1',
            kind: 'granular',
            access: 'write',
            created: '2026-11-20T00:00:00Z',
            expires: '2026-11-27T00:00:00Z',
          },
          {
            id: 's1',
            kind: 'session',
            access: 'write',
            created: '2026-11-27T22:00:00Z',
            expires: '2026-11-28T00:00:00Z',
          },
        ],
      },
    },
    {
      name: 'an _authToken from the environment',
      facts: { npmrc: [npmrc('a', '_authToken', 'env', 1)] },
    },
  ],
  invalid: [
    {
      name: 'each kind of classic token',
      facts: {
        tokens: [classic('cp', 'publish'), classic('ca', 'automation'), classic('cr', 'read-only', 'alice')],
      },
      findings: [
        {
          subject: 'token:ca',
          message:
            'Classic automation token npm_…ca of ci-bot is still listed; revoke it and use trusted publishing or a granular token.',
        },
        {
          subject: 'token:cp',
          message:
            'Classic publish token npm_…cp of ci-bot is still listed; revoke it and use trusted publishing or a granular token.',
        },
        {
          subject: 'token:cr',
          message:
            'Classic read-only token npm_…cr of alice is still listed; revoke it and use trusted publishing or a granular token.',
        },
      ],
    },
    {
      name: 'a classic token of unknown type',
      facts: { tokens: [classic('cu', null)] },
      findings: [
        {
          subject: 'token:cu',
          message:
            'Classic token npm_…cu of ci-bot is still listed; revoke it and use trusted publishing or a granular token.',
        },
      ],
    },
    {
      name: 'legacy _auth and _password in .npmrc, with their lines',
      facts: { npmrc: [npmrc('a:2', '_auth', 'literal', 2), npmrc('a:3', '_password', 'env', 3)] },
      findings: [
        {
          subject: 'npmrc:a:2',
          message:
            'Legacy _auth credential for https://registry.npmjs.org/ in packages/a/.npmrc; use trusted publishing or a granular token in _authToken.',
          location: { file: 'packages/a/.npmrc', line: 2 },
        },
        {
          subject: 'npmrc:a:3',
          message:
            'Legacy _password credential for https://registry.npmjs.org/ in packages/a/.npmrc; use trusted publishing or a granular token in _authToken.',
          location: { file: 'packages/a/.npmrc', line: 3 },
        },
      ],
    },
    {
      name: 'scope: npmrc needs no token listing',
      options: { scope: ['npmrc'] },
      facts: {
        sources: [{ collector: 'repository', covers: ['npmrc'], complete: true }],
        npmrc: [npmrc('b:1', '_auth', 'literal', 1)],
      },
      findings: [
        {
          subject: 'npmrc:b:1',
          message:
            'Legacy _auth credential for https://registry.npmjs.org/ in packages/a/.npmrc; use trusted publishing or a granular token in _authToken.',
        },
      ],
    },
    {
      name: '.npmrc files were not scanned',
      facts: { sources: [{ collector: 'registry', covers: ['tokens'], complete: true }] },
      findings: [
        {
          subject: 'collection:npmrc',
          message: 'No source in the facts covers npmrc, so no .npmrc credential could be checked.',
          indeterminate: true,
        },
      ],
    },
  ],
});
