/**
 * acme's own trustgate rules. A plugin is a plain object { name, rules };
 * definePlugin and defineRule only add types. Its rules are named acme/<rule>.
 */
import { definePlugin, defineRule } from '@trustgate/core';

export const maintainerCount = defineRule<{ min: number }>({
  id: 'maintainer-count',
  meta: {
    description:
      'Require every package to have a minimum number of maintainers, so that no package depends on one person.',
    docs: 'https://github.com/trustgate/trustgate/blob/main/examples/org-policy/README.md#acmemaintainer-count',
    collections: ['packages'],
    defaultLevel: 'warning',
    securitySeverity: 4.0,
    options: {
      type: 'object',
      properties: { min: { type: 'integer', minimum: 1, default: 2 } },
      additionalProperties: false,
    },
    // A team overlay may raise the minimum of a locked rule, never lower it.
    strictness: { min: 'higher' },
  },
  check(ctx, { min }) {
    for (const pkg of ctx.facts.packages) {
      const maintainers = pkg.maintainers;
      if (maintainers === undefined) {
        ctx.report({
          subject: `package:${pkg.id}`,
          indeterminate: true,
          message: `The maintainers of ${pkg.id} are unknown.`,
        });
      } else if (maintainers.length < min) {
        ctx.report({
          subject: `package:${pkg.id}`,
          message: `Package ${pkg.id} has ${maintainers.length} maintainer${maintainers.length === 1 ? '' : 's'}; it needs at least ${min}.`,
        });
      }
    }
  },
});

export default definePlugin({ name: 'acme', rules: { 'maintainer-count': maintainerCount } });
