// The modules that trustgate loads lazily with `createRequire(import.meta.url)(name)`, for the
// action's single-file bundle, where no node_modules folder sits beside the code
// (scripts/build-action.mjs rewrites those calls to `__trustgateBundled(name)`).

import zlib from 'node:zlib';
import ajv from 'ajv';
import micromatch from 'micromatch';
import yaml from 'yaml';

const modules = { ajv, micromatch, 'node:zlib': zlib, yaml };

export function __trustgateBundled(name) {
  if (!(name in modules)) throw new Error(`The action bundle has no module "${name}".`);
  return modules[name];
}
