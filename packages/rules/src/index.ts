import { type AnyRule, type Plugin, registerValidators } from '@trustgate/core';
import { noBypass2faTokens } from './no-bypass-2fa-tokens.js';
import { noClassicTokens } from './no-classic-tokens.js';
import { noCommittedCredentials } from './no-committed-credentials.js';
import { package2faDisallowTokens } from './package-2fa-disallow-tokens.js';
import { provenanceAttested } from './provenance-attested.js';
import { publishProvenance } from './publish-provenance.js';
import { tokenMaxAge } from './token-max-age.js';
import { trustedPublishing } from './trusted-publishing.js';
import { webauthn2fa } from './webauthn-2fa.js';

export { DOCS_BASE } from './create-rule.js';
export {
  noBypass2faTokens,
  noClassicTokens,
  noCommittedCredentials,
  package2faDisallowTokens,
  provenanceAttested,
  publishProvenance,
  tokenMaxAge,
  trustedPublishing,
  webauthn2fa,
};

/** Every built-in rule, by id. */
export const rules: Record<string, AnyRule> = Object.fromEntries(
  [
    tokenMaxAge,
    noClassicTokens,
    trustedPublishing,
    webauthn2fa,
    noCommittedCredentials,
    publishProvenance,
    noBypass2faTokens,
    package2faDisallowTokens,
    provenanceAttested,
  ].map((r) => [r.id, r]),
);

/** The built-in rules as a plugin (ids carry no prefix). */
export const builtinPlugin: Plugin = { name: 'trustgate', rules };

// The option validators of the built-in rules, generated at build time (scripts/build-validators.mjs);
// from source, or for a schema that changed since, they are compiled when first used.
try {
  const generated = (await import(new URL('./validators/options.js', import.meta.url).href)) as {
    validators: Parameters<typeof registerValidators>[0];
  };
  registerValidators(generated.validators);
} catch {
  // Not built: nothing to register.
}
