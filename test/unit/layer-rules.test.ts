// The layer rules of .dependency-cruiser.cjs (DESIGN.md §2) can fail: the real config is run on small
// fixture trees that mirror src/, one clean and some with a planted violation each.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// This file runs as dist/test/unit/layer-rules.test.js: go up to the directory holding the config.
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, '.dependency-cruiser.cjs')) && existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('no .dependency-cruiser.cjs above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

const root = repoRoot();
const config = join(root, '.dependency-cruiser.cjs');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');

// A fixture that obeys every rule; NodeNext style: imports say .js, the files are .ts.
const clean: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  'src/contract/z.ts': "export const TOPIC = 'q-plugin';\n",
  'src/common/c.ts': 'export const now = (): number => Date.now();\n',
  'src/linux/a.ts': "import { now } from '../common/c.js';\nexport const a = (): number => now();\n",
  'src/linux/b.ts': "import { a } from './a.js';\nexport const b = (): number => a() + 1;\n",
  'src/agents/x.ts': [
    "import { join } from 'node:path';",
    "import { TOPIC } from '../contract/z.js';",
    "import { b } from '../linux/b.js';",
    'export const x = (): string => join(TOPIC, String(b()));',
    '',
  ].join('\n'),
  // src/plugins/agents/ is a plugin folder, not the agents layer
  'src/plugins/agents/w.ts': "import { TOPIC } from '../../contract/z.js';\nexport const w = TOPIC;\n",
  'src/plugins/y.ts': "import { w } from './agents/w.js';\nexport const y = w;\n",
};
// the imports above that stay inside the fixture's src/ (the cruise must have resolved them all)
const cleanLocalImports = 6;

const fixtures = {
  clean,
  cycle: { ...clean, 'src/linux/a.ts': "import { b } from './b.js';\nexport const a = (): number => b();\n" },
  agentsToPlugins: {
    ...clean,
    'src/agents/x.ts': "import { y } from '../plugins/y.js';\nexport const x = y;\n",
  },
};

interface Run {
  code: number;
  output: string;
}

const tmp = mkdtempSync(join(tmpdir(), 'neutrino-layers-'));
const runs = new Map<keyof typeof fixtures, Promise<Run>>();

function cruise(dir: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(depcruise, ['src', '--config', config, '--output-type', 'err'], { cwd: dir, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, output: `${stdout}\n${stderr}` });
    });
  });
}

before(() => {
  // all cruises start at once; each test awaits its own
  for (const [name, files] of Object.entries(fixtures) as [keyof typeof fixtures, Record<string, string>][]) {
    const dir = join(tmp, name);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    runs.set(name, cruise(dir));
  }
});

after(async () => {
  await Promise.allSettled(runs.values());
  rmSync(tmp, { recursive: true, force: true });
});

test('a clean tree passes the layer rules, every import resolved', async () => {
  const r = await runs.get('clean')!;
  assert.equal(r.code, 0, r.output);
  assert.match(r.output, /no dependency violations found/, r.output);
  const m = /\((\d+) modules?, (\d+) dependencies cruised\)/.exec(r.output);
  assert.ok(m, r.output);
  // 7 fixture modules + node:path; 6 local imports + node:path
  assert.equal(Number(m[1]), 7 + 1, r.output);
  assert.equal(Number(m[2]), cleanLocalImports + 1, r.output);
});

test('a cycle src/linux/a.ts <-> src/linux/b.ts fails no-circular', async () => {
  const r = await runs.get('cycle')!;
  assert.notEqual(r.code, 0, r.output);
  assert.match(r.output, /error no-circular: src\/linux\/(a|b)\.ts/, r.output);
  assert.doesNotMatch(r.output, /agents-only-low-layers/, r.output);
});

test('src/agents/x.ts importing src/plugins/y.ts fails agents-only-low-layers', async () => {
  const r = await runs.get('agentsToPlugins')!;
  assert.notEqual(r.code, 0, r.output);
  assert.match(r.output, /error agents-only-low-layers: src\/agents\/x\.ts → src\/plugins\/y\.ts/, r.output);
  assert.doesNotMatch(r.output, /no-circular/, r.output);
});
