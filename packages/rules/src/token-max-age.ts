import { createRule, DAY_MS, joinAnd, tokenLabel } from './create-rule.js';

export interface TokenMaxAgeOptions {
  maxDays: number;
  access: 'write' | 'any';
}

export const tokenMaxAge = createRule<TokenMaxAgeOptions>({
  id: 'token-max-age',
  meta: {
    description: 'Require tokens to be younger than, and to expire within, a maximum number of days.',
    collections: ['tokens'],
    defaultLevel: 'error',
    securitySeverity: 8.0,
    rationale: 'Since late 2025 npm limits write-enabled granular tokens to 90 days, with 7 days by default.',
    strictness: { maxDays: 'lower', access: ['write', 'any'] },
    options: {
      type: 'object',
      properties: {
        maxDays: {
          type: 'integer',
          minimum: 1,
          default: 90,
          description: 'The most days a token may live and may have lived.',
        },
        access: {
          type: 'string',
          enum: ['write', 'any'],
          default: 'write',
          description: 'Which tokens to check: write tokens only, or read-only ones too.',
        },
      },
      additionalProperties: false,
    },
  },
  check(ctx, { maxDays, access }) {
    const now = ctx.now.getTime();
    for (const token of ctx.facts.tokens) {
      if (access === 'write' && token.access !== 'write') continue;
      const expires = token.expires === null ? null : Date.parse(token.expires);
      if (expires !== null && expires <= now) continue; // expired: it can no longer be used
      // Most tokens pass: the subject and label are made only for those that do not.
      const subject = () => `token:${token.id}`;
      const label = () => `${token.access === 'write' ? 'Write' : 'Read-only'} token ${tokenLabel(token)}`;
      if (token.created === null) {
        if (expires === null) {
          ctx.report({
            subject: subject(),
            message: `${label()} never expires; the limit is ${maxDays} days.`,
          });
        } else {
          ctx.report({
            subject: subject(),
            indeterminate: true,
            message: `${label()} has no creation date, so its age cannot be checked against the ${maxDays}-day limit.`,
          });
        }
        continue;
      }
      const created = Date.parse(token.created);
      const ageDays = Math.floor((now - created) / DAY_MS);
      const tooOld = ageDays > maxDays;
      const tooLong = expires !== null && expires - created > maxDays * DAY_MS;
      if (!tooOld && expires !== null && !tooLong) continue;
      const reasons: string[] = [];
      if (tooOld) reasons.push(`is ${ageDays} days old`);
      if (expires === null) reasons.push('never expires');
      else if (tooLong) reasons.push(`is valid for ${Math.ceil((expires - created) / DAY_MS)} days`);
      ctx.report({
        subject: subject(),
        message: `${label()} ${joinAnd(reasons)}; the limit is ${maxDays} days.`,
      });
    }
  },
});
