/**
 * The files a policy runs from: the policy, the local files it extends
 * (followed), and the local plugins they name. The action's `plugins: auto`
 * refuses plugins when a pull request changes any of them. Reads YAML only;
 * loads no plugin and runs nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const isLocal = (spec: string) => spec.startsWith('./') || spec.startsWith('../') || path.isAbsolute(spec);

/** Absolute paths of the policy, the local policies it extends, and the local plugins they name. */
export function policyFiles(dir: string, policyFile: string): string[] {
  const seen = new Set<string>();
  const out = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file) || !existsSync(file)) return;
    seen.add(file);
    out.add(file);
    let doc: { plugins?: unknown; extends?: unknown } | undefined;
    try {
      doc = parse(readFileSync(file, 'utf8')) as typeof doc;
    } catch {
      return; // an unreadable policy fails the check itself
    }
    const from = path.dirname(file);
    for (const spec of Array.isArray(doc?.plugins) ? doc.plugins : []) {
      if (typeof spec === 'string' && isLocal(spec)) out.add(path.resolve(from, spec));
    }
    for (const spec of Array.isArray(doc?.extends) ? doc.extends : []) {
      if (typeof spec === 'string' && isLocal(spec)) visit(path.resolve(from, spec));
    }
  };
  visit(path.resolve(dir, policyFile));
  return [...out];
}
