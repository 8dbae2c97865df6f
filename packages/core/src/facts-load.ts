import { isUtf8 } from 'node:buffer';
import { type Diagnostic, InputError, TrustgateError, whyUnreadable } from './errors.js';
import { COLLECTIONS, type CollectionName, type Facts, type LoadedFacts } from './facts.js';
import {
  compileFactsValidators,
  type FactsValidators,
  generatedFactsValidators,
  validateByParts,
} from './facts-validate.js';
import { jsonErrorOffset, jsonPathOffsets, lineColumn, lineColumns, pathKey } from './json-position.js';
import { INPUT_LIMITS, readInputFile, readInputFileSync } from './read-input.js';
import { explainErrors } from './schema.js';
import { loadSchema } from './schemas.js';

// The build generates the facts validators ahead of time; from source they are compiled on first use.
let validators: FactsValidators | undefined = generatedFactsValidators(loadSchema('facts.schema.json'));

function factsValidators(): FactsValidators {
  validators ??= compileFactsValidators(loadSchema('facts.schema.json'));
  return validators;
}

/** Read, parse and validate a facts file. Every problem is an InputError naming file, line and key. */
export function loadFacts(file: string): LoadedFacts {
  let bytes: Buffer;
  try {
    bytes = readInputFileSync(file, INPUT_LIMITS.facts);
  } catch (error) {
    throw readError(file, error);
  }
  return decodeFacts(bytes, file);
}

/** A facts file read by `readFactsFile`: its bytes, or why it could not be read. */
export type FactsFile = { file: string; bytes: Buffer } | { file: string; error: TrustgateError };

/**
 * Read a facts file without blocking the thread: `check` starts its reads
 * before it loads the policy, so that the file system works while the policy
 * is parsed. Never rejects; `loadFactsFile` throws the error, if any, in turn.
 */
export async function readFactsFile(file: string): Promise<FactsFile> {
  try {
    return { file, bytes: await readInputFile(file, INPUT_LIMITS.facts) };
  } catch (error) {
    return { file, error: readError(file, error) };
  }
}

/** Parse and validate a facts file read by `readFactsFile`, as `loadFacts` does. */
export function loadFactsFile(read: FactsFile): LoadedFacts {
  if ('error' in read) throw read.error;
  return decodeFacts(read.bytes, read.file);
}

function readError(file: string, error: unknown): TrustgateError {
  return new TrustgateError('E_FACTS_READ', `${file}: Cannot read facts: ${whyUnreadable(error)}.`);
}

function decodeFacts(bytes: Buffer, file: string): LoadedFacts {
  // isUtf8 checks natively, without decoding twice.
  if (!isUtf8(bytes)) {
    throw new InputError('E_FACTS_JSON', [
      { file, message: 'Facts must be UTF-8 text; this file holds other bytes.' },
    ]);
  }
  return parseFacts(bytes.toString('utf8'), file);
}

/** Parse and validate facts held in a string. */
export function parseFacts(text: string, file: string): LoadedFacts {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    const { offset, reason } = jsonErrorOffset(text);
    const at = offset >= 0 ? lineColumn(text, offset) : { line: 1, column: 1 };
    const truncated = reason.includes('ends');
    throw new InputError('E_FACTS_JSON', [
      {
        file,
        line: at.line,
        column: at.column,
        message: truncated
          ? `Facts are not complete JSON: ${reason}; the file may be truncated.`
          : `Facts are not valid JSON: ${reason}.`,
      },
    ]);
  }
  return checkFacts(data, file, text);
}

/** Validate facts already parsed. `text`, when given, lets errors carry line numbers. */
export function checkFacts(data: unknown, file: string, text?: string): LoadedFacts {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new InputError('E_FACTS_SCHEMA', [
      {
        file,
        line: 1,
        column: 1,
        message: 'Facts must be a JSON object with schemaVersion, collectedAt and sources.',
      },
    ]);
  }
  const version = (data as { schemaVersion?: unknown }).schemaVersion;
  if (version !== 1) {
    throw new InputError('E_FACTS_VERSION', [
      {
        file,
        path: 'schemaVersion',
        message:
          version === undefined
            ? 'Missing schemaVersion; this trustgate reads facts of schema version 1.'
            : `Unsupported schemaVersion ${JSON.stringify(version)}; this trustgate reads facts of schema version 1.`,
      },
    ]);
  }
  const errors = validateByParts(factsValidators(), data);
  if (errors) {
    const problems = explainErrors(errors);
    // Positions come from one pass over the text for all the problems shown, not one per problem.
    const at = text === undefined ? undefined : positions(text, problems);
    const diagnostics: Diagnostic[] = problems.map((p, i) => {
      const d: Diagnostic = { file, message: p.message };
      if (p.path.length > 0) d.path = jsonPath(p.path);
      const pos = p.more ? undefined : at?.[i];
      if (pos) {
        d.line = pos.line;
        d.column = pos.column;
      }
      return d;
    });
    throw new InputError('E_FACTS_SCHEMA', diagnostics);
  }
  const facts = data as Facts;
  checkUniqueIds(facts, file);
  return complete(facts);
}

/**
 * The line and column of each problem in the JSON text, found in one pass: the value at its path
 * (the key, for an unknown key), else the nearest enclosing value that is there.
 */
function positions(
  text: string,
  problems: readonly { path: (string | number)[]; atKey: boolean; more?: true }[],
): ({ line: number; column: number } | undefined)[] {
  const wanted = new Set<string>();
  for (const p of problems) for (let i = 0; i <= p.path.length; i++) wanted.add(pathKey(p.path.slice(0, i)));
  const found = jsonPathOffsets(text, wanted);
  const offsets = problems.map((p) => {
    for (let i = p.path.length; i >= 0; i--) {
      const hit = found.get(pathKey(p.path.slice(0, i)));
      if (hit) return i === p.path.length && p.atKey ? hit.key : hit.value;
    }
    return 0;
  });
  const lines = lineColumns(text, offsets);
  return offsets.map((o) => lines.get(o));
}

/** `tokens[3].created` */
function jsonPath(path: (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function checkUniqueIds(facts: Facts, file: string): void {
  for (const name of COLLECTIONS) {
    const list = facts[name] as { id: string }[] | undefined;
    if (!list) continue;
    const seen = new Set<string>();
    for (let index = 0; index < list.length; index++) {
      const id = list[index]!.id;
      if (seen.has(id)) {
        const first = list.findIndex((e) => e.id === id);
        throw new InputError('E_FACTS_SCHEMA', [
          {
            file,
            path: `${name}[${index}].id`,
            message: `Duplicate id; ${name}[${first}] has the same id, and ids must be unique within a collection.`,
          },
        ]);
      }
      seen.add(id);
    }
  }
}

function complete(facts: Facts): LoadedFacts {
  return {
    schemaVersion: 1,
    collectedAt: facts.collectedAt,
    sources: facts.sources,
    tokens: facts.tokens ?? [],
    accounts: facts.accounts ?? [],
    packages: facts.packages ?? [],
    orgs: facts.orgs ?? [],
    workflows: facts.workflows ?? [],
    npmrc: facts.npmrc ?? [],
    manifests: facts.manifests ?? [],
  };
}

/**
 * Merge facts files (shards, or a hand-written attestation over collected facts).
 * Sources add up; entities merge by id, and a later file wins for the same id.
 * The merged `collectedAt` is the latest one.
 */
export function mergeFacts(list: readonly LoadedFacts[]): LoadedFacts {
  if (list.length === 1) return list[0]!;
  const merged = complete({ schemaVersion: 1, collectedAt: list[0]!.collectedAt, sources: [] });
  for (const facts of list) {
    if (Date.parse(facts.collectedAt) > Date.parse(merged.collectedAt))
      merged.collectedAt = facts.collectedAt;
    // A loop, not push(...sources): spreading 200k sources as arguments overflows the stack.
    for (const source of facts.sources) merged.sources.push(source);
  }
  for (const name of COLLECTIONS) {
    const byId = new Map<string, unknown>();
    for (const facts of list)
      for (const entity of facts[name] as { id: string }[]) byId.set(entity.id, entity);
    (merged as Record<CollectionName, unknown[]>)[name] = [...byId.values()];
  }
  return merged;
}
