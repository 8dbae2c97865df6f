import type { Reporter } from '@trustgate/core';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { html } from './html.js';
import { json } from './json.js';
import { junit } from './junit.js';
import { markdown } from './markdown.js';
import { createSarif, SARIF_LIMITS, sarif } from './sarif.js';
import { text } from './text.js';

export { type Anchor, anchorOf, isRepoRelative } from './anchor.js';
export { createSarif, github, gitlab, html, json, junit, markdown, SARIF_LIMITS, sarif, text };

/** The built-in reporters, by format name. */
export const reporters: Record<string, Reporter> = {
  text,
  json,
  sarif,
  junit,
  markdown,
  github,
  gitlab,
  html,
};
