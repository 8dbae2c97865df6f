import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** The tool's name and version, as reports carry them. */
export const TOOL = { name: 'trustgate', version: pkg.version };
