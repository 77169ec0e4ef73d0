// Layer rules of DESIGN.md §2, checked by dependency-cruiser: `npm run lint:layers`.
// Paths are relative to the directory the cruise runs from (the repository root in CI,
// a fixture tree in test/unit/layer-rules.test.ts), so every rule anchors on ^src/.
// Type-only imports count too (tsPreCompilationDeps): a layer that imports another's
// types still depends on it.

/** Everything in src/ except the listed top-level folders (files or folders). */
const srcExcept = (...dirs) => `^src/(?!(?:${dirs.join('|')})/)`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles anywhere in src/ (a cycle makes load order matter and hides which layer is below which).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'agents-only-low-layers',
      severity: 'error',
      comment:
        'Agents (src/agents/) import only agents, the wire contract, rpc, linux, config and common (plus node builtins and npm packages): never plugins, api, db, server …',
      from: { path: '^src/agents/' },
      to: { path: srcExcept('agents', 'contract', 'rpc', 'linux', 'config', 'common') },
    },
    {
      name: 'plugins-not-agents',
      severity: 'error',
      comment: 'Plugins (src/plugins/) never import agents (src/agents/); src/plugins/agents/ is a plugin folder and is fine.',
      from: { path: '^src/plugins/' },
      to: { path: '^src/agents/' },
    },
    {
      name: 'plugins-not-http',
      severity: 'error',
      comment:
        'Plugins never import the HTTP layer (src/api/server.ts, routes/, auth/, http-context.ts) nor fastify. They may use src/api/errors, resource(s), context, collection, validators, policy.',
      from: { path: '^src/plugins/' },
      to: {
        path: ['^src/api/(?:server\\.ts$|routes/|auth/|http-context\\.ts$)', '^(?:node_modules/)?(?:fastify|@fastify/[^/]+)(?:/|$)'],
      },
    },
    {
      name: 'contract-is-leaf',
      severity: 'error',
      comment: 'The server<->agent wire contract (src/contract/) imports nothing from src/ but itself (node builtins and npm packages are fine).',
      from: { path: '^src/contract/' },
      to: { path: srcExcept('contract') },
    },
    {
      name: 'linux-is-low',
      severity: 'error',
      comment: 'src/linux/ (the only code that runs ip, nft, dnsmasq …) imports only linux, common, contract and config.',
      from: { path: '^src/linux/' },
      to: { path: srcExcept('linux', 'common', 'contract', 'config') },
    },
    {
      name: 'db-is-low',
      severity: 'error',
      comment: 'src/db/ sits below plugins, api, agents and the server assembly: it imports none of them.',
      from: { path: '^src/db/' },
      to: { path: '^src/(?:plugins|api|agents|server)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment:
        'Every import in src/ must resolve. An import the cruiser cannot resolve is invisible to the rules above, so this keeps them from passing vacuously (e.g. if .js -> .ts resolution broke).',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['^dist/', '^node_modules/', '^state/'] },
    // TypeScript: count `import type` too, and read tsconfig.json from the directory the cruise runs in.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // NodeNext ESM: sources import './x.js', which is ./x.ts on disk. dependency-cruiser falls back
    // from a missing .js to the .ts beside it by itself; not-to-unresolvable above fails if it didn't.
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
