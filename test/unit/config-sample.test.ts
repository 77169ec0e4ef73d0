// etc/neutrino.conf.sample is what `neutrino config-sample` prints: every option with its
// default. An option added to src/config/options.ts without regenerating the file fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { OPTIONS } from '../../src/config/options.js';
import { sampleConfig } from '../../src/config/sample.js';

const SAMPLE = new URL('../../../etc/neutrino.conf.sample', import.meta.url);

describe('etc/neutrino.conf.sample', () => {
  it('lists every option of every section with its default', () => {
    const text = sampleConfig();
    for (const [section, opts] of Object.entries(OPTIONS)) {
      assert.match(text, new RegExp(`^\\[${section}\\]$`, 'm'));
      for (const name of Object.keys(opts)) assert.match(text, new RegExp(`^#${name} = `, 'm'), `[${section}] ${name}`);
    }
  });

  it('is current (regenerate: node dist/src/cli/main.js config-sample > etc/neutrino.conf.sample)', () => {
    assert.equal(readFileSync(SAMPLE, 'utf8'), sampleConfig());
  });
});
