/**
 * Every rule has a doc page that matches its metadata, and whose examples are
 * true: the passing facts pass, the failing facts give exactly the findings the
 * page lists. Every option schema accepts its defaults and rejects nonsense.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { createAjv, ruleCollections } from '@trustgate/core';
import { runRule } from '@trustgate/core/testing';
import { DOCS_BASE, rules } from '@trustgate/rules';

const docsDir = new URL('../docs/', import.meta.url);

function section(doc: string, heading: string): string {
  const start = doc.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `missing section "${heading}"`);
  const rest = doc.slice(start + heading.length + 2);
  const level = heading.split(' ')[0]!;
  const next = rest.search(new RegExp(`\\n#{1,${level.length}} `));
  return next === -1 ? rest : rest.slice(0, next);
}

function fenced(text: string, lang: string): string[] {
  const fence = '```';
  return [...text.matchAll(new RegExp(`${fence}${lang}\\n([\\s\\S]*?)${fence}`, 'g'))].map((m) => m[1]!);
}

describe('rule docs', () => {
  it('every doc page belongs to a rule, and every rule has one', () => {
    const pages = readdirSync(docsDir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => f.slice(0, -3))
      .sort();
    assert.deepEqual(pages, Object.keys(rules).sort());
  });

  for (const rule of Object.values(rules)) {
    describe(rule.id, () => {
      const doc = readFileSync(new URL(`${rule.id}.md`, docsDir), 'utf8');

      it('follows the metadata conventions', () => {
        assert.match(rule.meta.description, /^(Require|Disallow|Enforce) .*\.$/);
        assert.equal(rule.meta.docs, `${DOCS_BASE}${rule.id}.md`);
        assert.ok(rule.meta.securitySeverity >= 0 && rule.meta.securitySeverity <= 10);
      });

      it('opens with the id and the description from meta', () => {
        const [title, , quote] = doc.split('\n');
        assert.equal(title, `# ${rule.id}`);
        assert.equal(quote, `> ${rule.meta.description}`);
        // Table cells, whatever padding the formatter gives them.
        const row = (name: string) =>
          new RegExp(`\\|\\s*${name}\\s*\\|\\s*([^|\\n]*?)\\s*\\|`).exec(doc)?.[1];
        assert.equal(row('Default level'), `\`${rule.meta.defaultLevel}\``);
        assert.equal(row('SARIF security-severity'), rule.meta.securitySeverity.toFixed(1));
        assert.equal(
          row('Reads'),
          ruleCollections(rule)
            .map((c) => `\`${c}\``)
            .join(', '),
        );
      });

      it('documents every option', () => {
        const options = section(doc, '## Options');
        const props = Object.keys((rule.meta.options?.properties as object | undefined) ?? {});
        if (props.length === 0) assert.match(options, /^\s*None\.\s*$/);
        for (const p of props) {
          assert.match(options, new RegExp(`\\|\\s*\`${p}\`\\s*\\|`), `option ${p} is not in the table`);
        }
      });

      it('its option schema accepts the defaults and rejects nonsense', () => {
        const validate = createAjv({ useDefaults: true }).compile(
          rule.meta.options ?? { type: 'object', additionalProperties: false },
        );
        const filled = {};
        assert.ok(validate(filled), JSON.stringify(validate.errors));
        assert.equal(validate({ nonsense: true }), false);
        assert.equal(validate('error'), false);
      });

      it('its passing example passes', async () => {
        const [facts] = fenced(section(doc, '### Passing'), 'json');
        assert.ok(facts, 'no passing example');
        assert.deepEqual(await runRule(rule, { name: 'doc: passing', facts: JSON.parse(facts) }), []);
      });

      it('its failing example gives exactly the findings listed', async () => {
        const failing = section(doc, '### Failing');
        const [facts] = fenced(failing, 'json');
        const [listed] = fenced(failing, 'text');
        assert.ok(facts && listed, 'the failing example needs facts and the findings it gives');
        const findings = await runRule(rule, { name: 'doc: failing', facts: JSON.parse(facts) });
        assert.deepEqual(
          findings.map((f) => `${f.subject}  ${f.message}`),
          listed.trim().split('\n'),
        );
      });
    });
  }
});
