import { createRule } from './create-rule.js';

export const package2faDisallowTokens = createRule<Record<string, never>>({
  id: 'package-2fa-disallow-tokens',
  meta: {
    description: 'Require packages to use the "Require 2FA and disallow tokens" publishing setting.',
    collections: ['packages'],
    defaultLevel: 'error',
    securitySeverity: 7.0,
    rationale:
      'With trusted publishing in place, npm recommends that packages require 2FA and disallow tokens, so that a leaked token cannot publish.',
    options: { type: 'object', properties: {}, additionalProperties: false },
  },
  check(ctx) {
    const how =
      'set "Require 2FA and disallow tokens" (npm access set mfa=publish); trusted publishing still works';
    for (const pkg of ctx.facts.packages) {
      const subject = `package:${pkg.id}`;
      if (pkg.mfa === null) {
        ctx.report({
          subject,
          indeterminate: true,
          message: `The publishing 2FA setting of package ${pkg.id} could not be read.`,
        });
      } else if (pkg.mfa === 'automation') {
        ctx.report({
          subject,
          message: `Package ${pkg.id} can be published with a token that bypasses 2FA; ${how}.`,
        });
      } else if (pkg.mfa === 'none') {
        ctx.report({ subject, message: `Package ${pkg.id} can be published without 2FA; ${how}.` });
      }
    }
  },
});
