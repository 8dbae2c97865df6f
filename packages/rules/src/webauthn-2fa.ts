import { createRule, joinAnd } from './create-rule.js';

export const webauthn2fa = createRule<Record<string, never>>({
  id: 'webauthn-2fa',
  meta: {
    description: 'Require every account to use WebAuthn two-factor authentication for login and writes.',
    collections: ['accounts'],
    defaultLevel: 'error',
    securitySeverity: 7.0,
    rationale:
      'npm closed new TOTP 2FA setups in late 2025 in favour of WebAuthn security keys and passkeys.',
    options: { type: 'object', properties: {}, additionalProperties: false },
  },
  check(ctx) {
    for (const account of ctx.facts.accounts) {
      const subject = `account:${account.id}`;
      const tfa = account.tfa;
      if (tfa === null) {
        ctx.report({
          subject,
          indeterminate: true,
          message: `Whether account ${account.id} has 2FA could not be read.`,
        });
        continue;
      }
      if (!tfa.enabled) {
        ctx.report({
          subject,
          message: `Account ${account.id} has no 2FA; enable it with a security key or passkey (WebAuthn).`,
        });
        continue;
      }
      const reasons: string[] = [];
      if (tfa.pending) reasons.push('has not finished setting up 2FA');
      if (tfa.mode !== 'auth-and-writes') reasons.push('uses 2FA for login only');
      if (tfa.method === 'totp') reasons.push('uses TOTP codes');
      if (reasons.length > 0) {
        ctx.report({
          subject,
          message: `Account ${account.id} ${joinAnd(reasons)}; use a security key or passkey (WebAuthn) for login and writes.`,
        });
      } else if (tfa.method !== 'webauthn') {
        ctx.report({
          subject,
          indeterminate: true,
          message: `The 2FA method of account ${account.id} is unknown, because the registry does not say; check it and record it in an attestation facts file.`,
        });
      }
    }
  },
});
