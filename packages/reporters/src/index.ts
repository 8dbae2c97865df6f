import type { Reporter } from '@trustgate/core';
import { json } from './json.js';
import { text } from './text.js';

export { json, text };

/** The built-in reporters, by format name. */
export const reporters: Record<string, Reporter> = { text, json };
