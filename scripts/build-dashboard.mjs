#!/usr/bin/env node
// Builds the dashboard (web/dashboard) into dist/dashboard, which the API server serves at
// /dashboard/: type-checks the page's code, bundles it with esbuild (Cytoscape.js included:
// nothing is fetched at run time) and prints the sizes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'web', 'dashboard');
const out = join(root, 'dist', 'dashboard');
const assets = join(out, 'assets');

const check = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(src, 'tsconfig.json')], { stdio: 'inherit' });
if (check.status !== 0) process.exit(check.status ?? 1);

mkdirSync(assets, { recursive: true });
await build({
  entryPoints: { app: join(src, 'main.ts') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir: assets,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
});
copyFileSync(join(src, 'style.css'), join(assets, 'app.css'));
copyFileSync(join(src, 'index.html'), join(out, 'index.html'));
// served as they are to browsers that accept them (@fastify/static's preCompressed)
for (const f of [join(assets, 'app.js'), join(assets, 'app.css'), join(out, 'index.html')]) {
  const data = readFileSync(f);
  writeFileSync(`${f}.br`, brotliCompressSync(data));
  writeFileSync(`${f}.gz`, gzipSync(data, { level: 9 }));
}

const size = (f) => {
  const bytes = statSync(f).size;
  return `${(bytes / 1024).toFixed(1)} KiB (${(statSync(`${f}.gz`).size / 1024).toFixed(1)} KiB gzip, ${(statSync(`${f}.br`).size / 1024).toFixed(1)} KiB brotli)`;
};
console.log(`dashboard built in ${out}: app.js ${size(join(assets, 'app.js'))}, app.css ${size(join(assets, 'app.css'))}, index.html ${size(join(out, 'index.html'))}`);
