import { RuleTester } from '@trustgate/core/testing';
import { webauthn2fa } from '@trustgate/rules';

const acct = (id: string, tfa: unknown) => ({ id, tfa });
const good = { enabled: true, mode: 'auth-and-writes', pending: false, method: 'webauthn' };

new RuleTester().run(webauthn2fa, {
  valid: [{ name: 'WebAuthn for login and writes', facts: { accounts: [acct('alice', good)] } }],
  invalid: [
    {
      name: 'no 2FA',
      facts: { accounts: [acct('dave', { enabled: false, mode: null, method: null })] },
      findings: [
        {
          subject: 'account:dave',
          message: 'Account dave has no 2FA; enable it with a security key or passkey (WebAuthn).',
        },
      ],
    },
    {
      name: 'TOTP',
      facts: { accounts: [acct('bob', { ...good, method: 'totp' })] },
      findings: [
        {
          subject: 'account:bob',
          message:
            'Account bob uses TOTP codes; use a security key or passkey (WebAuthn) for login and writes.',
          level: 'error',
        },
      ],
    },
    {
      name: 'login only, with TOTP, still pending',
      facts: {
        accounts: [acct('erin', { enabled: true, mode: 'auth-only', pending: true, method: 'totp' })],
      },
      findings: [
        {
          subject: 'account:erin',
          message:
            'Account erin has not finished setting up 2FA, uses 2FA for login only and uses TOTP codes; use a security key or passkey (WebAuthn) for login and writes.',
        },
      ],
    },
    {
      name: 'an unknown method is indeterminate, at onIndeterminate',
      onIndeterminate: 'warning',
      facts: { accounts: [acct('carol', { ...good, method: 'unknown' })] },
      findings: [
        {
          subject: 'account:carol',
          message:
            'The 2FA method of account carol is unknown, because the registry does not say; check it and record it in an attestation facts file.',
          level: 'warning',
          indeterminate: true,
        },
      ],
    },
    {
      name: '2FA could not be read',
      facts: { accounts: [acct('bot', null)] },
      findings: [
        {
          subject: 'account:bot',
          message: 'Whether account bot has 2FA could not be read.',
          indeterminate: true,
          level: 'error',
        },
      ],
    },
    {
      name: 'an incomplete account listing',
      facts: {
        sources: [
          {
            collector: 'registry',
            covers: ['accounts'],
            complete: false,
            errors: [{ entity: 'org:acme', message: 'HTTP 403' }],
          },
        ],
        accounts: [acct('alice', good)],
      },
      findings: [
        {
          subject: 'collection:accounts',
          message:
            'The registry source did not complete (1 error, reported as trustgate/source-error), so some accounts may not have been checked.',
          indeterminate: true,
        },
      ],
    },
  ],
});
