#!/usr/bin/env node
/**
 * Prints, one per line, the files a policy runs from: the policy, the local
 * files it extends (followed), and the local plugins they name. The action uses
 * the list to refuse plugins when a pull request changes any of them. It reads
 * YAML only; it loads no plugin and runs nothing.
 *
 *   node scripts/policy-files.mjs trustgate.yaml
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

const start = process.argv[2] ?? 'trustgate.yaml';
const seen = new Set();
const out = new Set();
const isLocal = (spec) => spec.startsWith('./') || spec.startsWith('../');

function visit(file) {
  const rel = path.relative(process.cwd(), file);
  if (seen.has(rel) || !existsSync(file)) return;
  seen.add(rel);
  out.add(rel);
  let doc;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch {
    return; // an unreadable policy fails the check itself
  }
  const dir = path.dirname(file);
  for (const spec of Array.isArray(doc?.plugins) ? doc.plugins : []) {
    if (typeof spec === 'string')
      out.add(isLocal(spec) ? path.relative(process.cwd(), path.resolve(dir, spec)) : `(package) ${spec}`);
  }
  for (const spec of Array.isArray(doc?.extends) ? doc.extends : []) {
    if (typeof spec === 'string' && isLocal(spec)) visit(path.resolve(dir, spec));
  }
}

visit(path.resolve(start));
for (const f of out) console.log(f);
