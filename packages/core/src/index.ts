// For the build (scripts/build-code-cache.mjs) and its tests.
export {
  type CacheUse,
  type LoadedScript,
  loadedScripts,
  loadScript,
  writeCodeCaches,
} from './code-cache.js';
export {
  type Diagnostic,
  describeError,
  didYouMean,
  ExitCode,
  formatDiagnostic,
  InputError,
  type SourcePosition,
  suggest,
  TrustgateError,
} from './errors.js';
export { compareFindings, type EvaluateInput, evaluate, fingerprint } from './evaluate.js';
export * from './facts.js';
export {
  checkFacts,
  type FactsFile,
  loadFacts,
  loadFactsFile,
  mergeFacts,
  parseFacts,
  readFactsFile,
} from './facts-load.js';
export { factsSchemaParts } from './facts-validate.js';
export {
  compileGlob,
  compileGlobs,
  GlobError,
  type GlobMatcher,
  globProblem,
  MAX_GLOB_LENGTH,
} from './glob.js';
export { moduleDefault } from './interop.js';
export {
  type CompiledException,
  type CompiledOverride,
  createPolicy,
  type EffectivePolicy,
  type EffectiveRule,
  type LoadPolicyOptions,
  listPresets,
  loadPolicy,
  type PolicySettings,
  type RuleRegistry,
  type SetBy,
} from './policy.js';
export {
  type CaseResult,
  type ExpectedFinding as PolicyTestExpectation,
  type FileResult,
  type PolicyTestCase,
  type PolicyTestFile,
  runPolicyTestFile,
} from './policy-tests.js';
export {
  formatBytes,
  INPUT_LIMITS,
  InputFileError,
  readInputFile,
  readInputFileSync,
  readInputTextSync,
} from './read-input.js';
export * from './result.js';
export * from './rule.js';
export {
  compileSchema,
  createAjv,
  FORMATS,
  parseDateOrDateTime,
  registerValidators,
  schemaHash,
  validatorKey,
} from './schema.js';
export { loadSchema } from './schemas.js';
export { isPathSpecifier } from './specifier.js';
export { terminalSafe } from './terminal-safe.js';
