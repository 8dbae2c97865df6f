import { RuleTester } from '@trustgate/core/testing';
import { maintainerCount } from './acme.ts';

const pkg = (id: string, maintainers?: string[]) => ({
  id,
  mfa: 'publish',
  trustedPublishers: [],
  ...(maintainers ? { maintainers } : {}),
});

new RuleTester({ now: '2026-11-28T00:00:00Z' }).run(maintainerCount, {
  valid: [
    { name: 'two maintainers', facts: { packages: [pkg('@acme/web', ['alice', 'bob'])] } },
    {
      name: 'one maintainer, when one is enough',
      options: { min: 1 },
      facts: { packages: [pkg('@acme/cli', ['alice'])] },
    },
  ],
  invalid: [
    {
      name: 'one maintainer',
      facts: { packages: [pkg('@acme/legacy', ['dave'])] },
      findings: [
        {
          subject: 'package:@acme/legacy',
          message: 'Package @acme/legacy has 1 maintainer; it needs at least 2.',
          level: 'warning',
        },
      ],
    },
    {
      name: 'a higher minimum',
      options: { min: 3 },
      facts: { packages: [pkg('@acme/web', ['alice', 'bob'])] },
      findings: [
        {
          subject: 'package:@acme/web',
          message: 'Package @acme/web has 2 maintainers; it needs at least 3.',
        },
      ],
    },
    {
      name: 'unknown maintainers are indeterminate',
      facts: { packages: [pkg('@acme/design')] },
      findings: [
        {
          subject: 'package:@acme/design',
          message: 'The maintainers of @acme/design are unknown.',
          indeterminate: true,
          level: 'error',
        },
      ],
    },
  ],
});
