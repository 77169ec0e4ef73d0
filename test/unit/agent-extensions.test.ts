// `[agent] extensions`: each agent kind takes its own names, and a name no agent has stops
// the agent at start instead of being read and ignored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentExtensionNames } from '../../src/agents/agent-extensions.js';
import { L3_EXTENSIONS } from '../../src/agents/l3/extensions/registry.js';
import { Config } from '../../src/config/config.js';

const withExtensions = (value: string): Config => Config.load([], { agent: { extensions: value } });

test('no extensions: every agent kind runs none', () => {
  assert.deepEqual(agentExtensionNames(Config.load(), 'l3'), []);
  assert.deepEqual(agentExtensionNames(Config.load(), 'l2'), []);
});

test('a name no agent has is refused, naming it and what is built', () => {
  assert.throws(() => agentExtensionNames(withExtensions('no_such_ext'), 'l3'), /\[agent\] extensions = no_such_ext: no_such_ext is not built/);
  assert.throws(() => agentExtensionNames(withExtensions('no_such_ext'), 'l2'), /no_such_ext is not built/);
});

test('an L3 extension is run by the L3 agent and left alone by the L2 agent', () => {
  L3_EXTENSIONS.unit_test_ext = () => ({ name: 'unit_test_ext', routerUpdated: async () => {}, routerDeleted: async () => {} });
  try {
    const config = withExtensions('unit_test_ext');
    assert.deepEqual(agentExtensionNames(config, 'l3'), ['unit_test_ext']);
    assert.deepEqual(agentExtensionNames(config, 'l2'), []);
  } finally {
    delete L3_EXTENSIONS.unit_test_ext;
  }
});
