/**
 * The default export of a loaded module. A plugin or reporter written with
 * `export default` but compiled to CommonJS (a TypeScript file in a project
 * without `"type": "module"`, or a transpiled package) reaches `import()` as
 * `{ default: { __esModule: true, default: plugin } }`; that inner default is
 * what its author exported.
 */
export function moduleDefault(mod: Record<string, unknown>): unknown {
  const outer = 'default' in mod ? mod.default : mod;
  if (outer && typeof outer === 'object' && 'default' in outer) {
    const keys = Object.keys(outer);
    const wrapped =
      (outer as { __esModule?: unknown }).__esModule === true ||
      keys.every((k) => k === 'default' || k === '__esModule');
    if (wrapped) return (outer as { default: unknown }).default;
  }
  return outer;
}
