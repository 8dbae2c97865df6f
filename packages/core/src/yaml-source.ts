import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import { loadScript } from './code-cache.js';
import { type Diagnostic, InputError } from './errors.js';

/**
 * The YAML parser: the build's copy of the `yaml` package, run as a script with
 * its code cache (see code-cache.ts: compiling the parser was the largest part
 * of loading core), else the package itself, as when running from source.
 */
const yaml = (yamlScript() ?? createRequire(import.meta.url)('yaml')) as typeof Yaml;

function yamlScript(): Record<string, unknown> | undefined {
  try {
    return loadScript(new URL('./vendor/yaml.js', import.meta.url))?.exports;
  } catch {
    return undefined;
  }
}

/** A parsed YAML (or JSON) file that can say where any key path sits. */
export interface SourceFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** The most aliases a document may expand; bounds "billion laughs" input. */
export const MAX_ALIAS_COUNT = 100;

/**
 * Parse YAML keeping source positions. Syntax errors become an InputError with
 * one diagnostic each; the parser's own messages are used without the source
 * excerpt it would quote (the excerpt could hold a secret).
 */
export function parseYamlSource(text: string, file: string, code = 'E_YAML'): SourceFile {
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    keepSourceTokens: false,
    strict: true,
  });
  if (doc.errors.length > 0) {
    const diagnostics: Diagnostic[] = doc.errors.slice(0, 5).map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return {
        file,
        line: pos.line,
        column: pos.col,
        message: `Invalid YAML: ${yamlMessage(e.code)}`,
      };
    });
    throw new InputError(code, diagnostics);
  }
  return { file, doc, lines };
}

/** Turn the document into plain data; aliases are bounded. */
export function toData(source: SourceFile): unknown {
  try {
    return source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const aliases = /alias/i.test(message);
    throw new InputError('E_YAML', [
      {
        file: source.file,
        line: 1,
        column: 1,
        message: aliases
          ? `Invalid YAML: the document expands aliases too often (more than ${MAX_ALIAS_COUNT}); this looks like an alias bomb.`
          : 'Invalid YAML: the document could not be read.',
      },
    ]);
  }
}

const YAML_MESSAGES: Record<string, string> = {
  DUPLICATE_KEY: 'a key appears twice in the same mapping.',
  TAB_AS_INDENT: 'tabs are not allowed for indentation; use spaces.',
  BAD_INDENT: 'the indentation is inconsistent.',
  MISSING_CHAR: 'a closing quote or bracket is missing.',
  MULTIPLE_DOCS: 'the file holds more than one YAML document; use one.',
  BLOCK_AS_IMPLICIT_KEY: 'a block value is used as a key; check the indentation.',
  MULTILINE_IMPLICIT_KEY: 'a key runs over more than one line; check the indentation or a missing colon.',
  UNEXPECTED_TOKEN: 'unexpected text here; check the indentation and quoting.',
  BAD_SCALAR_START: 'a value starts with a character that needs quotes.',
  BAD_ALIAS: 'an alias (*name) names no anchor.',
  BLOCK_IN_FLOW: 'a block value is inside a flow collection ([...] or {...}).',
  TAG_RESOLVE_FAILED: 'a tag (!name) could not be resolved.',
  BAD_DQ_ESCAPE: 'a double-quoted string has an invalid escape.',
};

/** The parser's own messages can quote the source, which may hold a secret: only known codes get words. */
function yamlMessage(code: string): string {
  return YAML_MESSAGES[code] ?? `${code.toLowerCase().replaceAll('_', ' ')}.`;
}

/** Where a key path points: the key itself, or its value. */
export interface Located {
  line: number;
  column: number;
}

/**
 * The position of the node at `path`. With `key: true` and a mapping entry,
 * the position of the key rather than the value. Walks as deep as the path
 * exists and returns the deepest node found, so a missing key points at its parent.
 */
export function locate(source: SourceFile, path: readonly (string | number)[], key = false): Located {
  let node: unknown = source.doc.contents;
  let keyNode: Node | undefined;
  let found: Node | undefined = isNodeLike(node) ? node : undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    keyNode = undefined;
    if (yaml.isMap(node)) {
      const pair = node.items.find(
        (p) => (yaml.isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg),
      );
      if (!pair) break;
      keyNode = isNodeLike(pair.key) ? pair.key : undefined;
      node = pair.value;
      found = isNodeLike(node) ? node : (keyNode ?? found);
    } else if (yaml.isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (!isNodeLike(node)) break;
      found = node;
    } else {
      break;
    }
    if (i === path.length - 1 && key && keyNode) found = keyNode;
  }
  const offset = found?.range?.[0] ?? 0;
  const pos = source.lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function isNodeLike(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

/** A diagnostic at `path` in `source`. */
export function diagnosticAt(
  source: SourceFile,
  path: readonly (string | number)[],
  message: string,
  options: { key?: boolean; pathText?: string } = {},
): Diagnostic {
  const pos = locate(source, path, options.key ?? false);
  const d: Diagnostic = { file: source.file, line: pos.line, column: pos.column, message };
  if (options.pathText !== undefined) d.path = options.pathText;
  return d;
}
