/**
 * Import rules, checked in `npm test` (`npm run lint:imports`); docs/architecture.md §2 explains
 * them, and packages/server/test/import-rules.test.ts proves a wrong import is refused.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import circles make modules impossible to read or test on their own.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment: 'core holds formats and crypto over bytes and keys: it imports nothing of ours and no I/O module.',
      from: { path: '^packages/core/src', pathNot: '\\.test\\.ts$' },
      to: {
        pathNot: ['^packages/core/', 'node_modules'],
        dependencyTypesNot: ['npm', 'npm-dev', 'npm-peer', 'npm-optional', 'core'],
      },
    },
    {
      name: 'core-no-io',
      severity: 'error',
      comment: 'core does no I/O: files, network, processes and workers live at the edges.',
      from: { path: '^packages/core/src', pathNot: '\\.test\\.ts$' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|child_process|cluster|worker_threads|dns|os)$' },
    },
    {
      name: 'domain-not-http',
      severity: 'error',
      comment: 'http/ may use domain/, never the reverse: rules do not depend on the transport.',
      from: { path: '^packages/server/src/(domain|db|keys|blob)/' },
      to: { path: '^packages/server/src/http/' },
    },
    {
      name: 'domain-no-fastify',
      severity: 'error',
      comment: 'domain/ never sees fastify: services take plain values and return plain values.',
      from: { path: '^packages/server/src/(domain|db)/' },
      to: { path: 'node_modules/(fastify|@fastify/|fastify-)' },
    },
    {
      name: 'http-no-kysely',
      severity: 'error',
      comment: 'No SQL in http/: handlers call services, services call stores (db/stores).',
      from: { path: '^packages/server/src/http/' },
      to: { path: 'node_modules/kysely' },
    },
    {
      name: 'device-and-cli-not-server',
      severity: 'error',
      comment: 'The agent and the CLI never import server code (they talk to it over HTTP).',
      from: { path: '^packages/(agent|cli)/src/' },
      to: { path: '^packages/server/' },
    },
    {
      name: 'console-only-through-the-client',
      severity: 'error',
      comment:
        'The console (packages/web) talks to the server only over HTTP, through @osprey/client: no server, agent, core or Node code in the browser bundle.',
      from: { path: '^packages/web/src/' },
      to: { path: ['^packages/(server|agent|core|protocol|pkcs11|fs|cli)/', '^(node:)?(fs|fs/promises|net|http|https|child_process|os|path|crypto)$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^packages/[^/]+/dist/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.test.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js'],
    },
    moduleSystems: ['es6'],
  },
};
