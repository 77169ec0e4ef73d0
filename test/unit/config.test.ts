import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Config, ConfigError } from '../../src/config/config.js';
import { sqlitePath } from '../../src/db/sqlite.js';

const file = (text: string) => {
  const p = join(mkdtempSync(join(tmpdir(), 'neutrino-conf-')), 'neutrino.conf');
  writeFileSync(p, text);
  return p;
};

describe('config', () => {
  it('has Neutron defaults', () => {
    const c = Config.load([]);
    assert.equal(c.int('DEFAULT', 'bind_port'), 9696);
    assert.equal(c.str('DEFAULT', 'bind_host'), '127.0.0.1');
    assert.equal(c.str('DEFAULT', 'auth_strategy'), 'noauth');
    assert.equal(c.int('quotas', 'quota_port'), 500);
    assert.equal(c.str('database', 'connection'), 'sqlite:///./state/neutrino.sqlite');
  });
  it('layers files in order and interpolates $state_path', () => {
    const a = file('[DEFAULT]\nstate_path = /var/lib/neutrino\nbind_port = 1000\n');
    const b = file('[DEFAULT]\nbind_port = 2000\n[database]\nconnection = sqlite:///$state_path/x.db\n');
    const c = Config.load([a, b]);
    assert.equal(c.int('DEFAULT', 'bind_port'), 2000);
    assert.equal(c.str('database', 'connection'), 'sqlite:////var/lib/neutrino/x.db');
  });
  it('refuses values of the wrong type, naming the option', () => {
    const c = Config.load([file('[DEFAULT]\nbind_port = many\n')]);
    assert.throws(
      () => c.validate(),
      (e: Error) => e instanceof ConfigError && /bind_port/.test(e.message),
    );
    const d = Config.load([file('[DEFAULT]\nauth_strategy = magic\n')]);
    assert.throws(() => d.validate(), /auth_strategy/);
    assert.throws(() => Config.load(['/nonexistent/neutrino.conf']), /cannot read/);
  });
  it('parses booleans and lists', () => {
    const c = Config.load([file('[DEFAULT]\ndebug = True\nservice_plugins = router, segments\n')]);
    assert.equal(c.bool('DEFAULT', 'debug'), true);
    assert.deepEqual(c.list('DEFAULT', 'service_plugins'), ['router', 'segments']);
  });
  it('reads SQLAlchemy-style sqlite URLs', () => {
    assert.equal(sqlitePath('sqlite://'), ':memory:');
    assert.equal(sqlitePath('sqlite:////var/lib/n.db'), '/var/lib/n.db');
    assert.ok(sqlitePath('sqlite:///rel/n.db')!.endsWith('/rel/n.db'));
    assert.equal(sqlitePath('postgresql://x'), null);
  });
});
