// VPNaaS through the real `openstack vpn …` CLI (python3-neutronclient's OSC plugin) against a
// Neutrino server with service_plugins = router,vpnaas in noauth mode: what the CLI prints is
// compared with what the API holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliServer } from '../helpers/cli-server.js';

// the driver is not built: the API alone (docs/vpnaas.md)
process.env.NEUTRINO_VPNAAS_API_ONLY = '1';

describe('openstack CLI: vpn ike/ipsec policies, services, endpoint groups, site connections', () => {
  const pfx = `vpn${process.pid}`;
  const h = cliServer('vpn', { DEFAULT: { service_plugins: 'router,vpnaas' } });
  const api = h.api;
  const idOf = (o: Record<string, unknown>) => (o.id ?? o.ID) as string;

  it('create, set, show, list and delete every VPNaaS resource', async () => {
    const ext = (await api('POST', '/v2.0/networks', { network: { name: `${pfx}-ext`, 'router:external': true } })).network;
    await api('POST', '/v2.0/subnets', { subnet: { network_id: ext.id, ip_version: 4, cidr: '172.30.9.0/24' } });
    const net = (await api('POST', '/v2.0/networks', { network: { name: `${pfx}-net` } })).network;
    const sub = (await api('POST', '/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.78.0.0/24' } })).subnet;
    const router = (await api('POST', '/v2.0/routers', { router: { name: `${pfx}-r`, external_gateway_info: { network_id: ext.id } } })).router;
    await api('PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id });

    const ike = idOf(await h.osc.json(['vpn', 'ike', 'policy', 'create', '--ike-version', 'v2', '--encryption-algorithm', 'aes-256', `${pfx}-ike`]));
    const ikeRow = (await api('GET', `/v2.0/vpn/ikepolicies/${ike}`)).ikepolicy;
    assert.deepEqual([ikeRow.ike_version, ikeRow.encryption_algorithm, ikeRow.pfs], ['v2', 'aes-256', 'group5']);
    await h.osc.ok(['vpn', 'ike', 'policy', 'set', '--pfs', 'group14', ike]);
    assert.equal((await api('GET', `/v2.0/vpn/ikepolicies/${ike}`)).ikepolicy.pfs, 'group14');
    const ipsec = idOf(await h.osc.json(['vpn', 'ipsec', 'policy', 'create', '--auth-algorithm', 'sha256', `${pfx}-ipsec`]));
    assert.equal((await api('GET', `/v2.0/vpn/ipsecpolicies/${ipsec}`)).ipsecpolicy.auth_algorithm, 'sha256');

    const svc = idOf(await h.osc.json(['vpn', 'service', 'create', '--router', router.id, `${pfx}-svc`]));
    assert.equal((await api('GET', `/v2.0/vpn/vpnservices/${svc}`)).vpnservice.status, 'PENDING_CREATE');
    const local = idOf(await h.osc.json(['vpn', 'endpoint', 'group', 'create', '--type', 'subnet', '--value', sub.id, `${pfx}-local`]));
    const peer = idOf(await h.osc.json(['vpn', 'endpoint', 'group', 'create', '--type', 'cidr', '--value', '10.79.0.0/24', `${pfx}-peer`]));
    assert.deepEqual((await api('GET', `/v2.0/vpn/endpoint-groups/${peer}`)).endpoint_group.endpoints, ['10.79.0.0/24']);

    const conn = idOf(
      await h.osc.json([
        'vpn',
        'ipsec',
        'site',
        'connection',
        'create',
        '--vpnservice',
        svc,
        '--ikepolicy',
        ike,
        '--ipsecpolicy',
        ipsec,
        '--peer-address',
        '172.30.9.77',
        '--peer-id',
        '172.30.9.77',
        '--psk',
        'secret',
        '--local-endpoint-group',
        local,
        '--peer-endpoint-group',
        peer,
        `${pfx}-conn`,
      ]),
    );
    const c = (await api('GET', `/v2.0/vpn/ipsec-site-connections/${conn}`)).ipsec_site_connection;
    assert.deepEqual([c.peer_address, c.local_ep_group_id, c.peer_ep_group_id, c.status], ['172.30.9.77', local, peer, 'PENDING_CREATE']);
    const shown = await h.osc.json(['vpn', 'ipsec', 'site', 'connection', 'show', conn]);
    assert.equal(shown.name ?? shown.Name, `${pfx}-conn`, JSON.stringify(shown));
    const listed = await h.osc.json(['vpn', 'ipsec', 'site', 'connection', 'list']);
    assert.ok(
      listed.some((x: { ID: string }) => x.ID === conn),
      JSON.stringify(listed),
    );
    // in use: the CLI reports the server's refusal
    const refused = await h.osc.run(['vpn', 'ike', 'policy', 'delete', ike]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr + refused.stdout, /in use/);

    await h.osc.ok(['vpn', 'ipsec', 'site', 'connection', 'delete', conn]);
    await h.osc.ok(['vpn', 'endpoint', 'group', 'delete', local, peer]);
    await h.osc.ok(['vpn', 'service', 'delete', svc]);
    await h.osc.ok(['vpn', 'ipsec', 'policy', 'delete', ipsec]);
    await h.osc.ok(['vpn', 'ike', 'policy', 'delete', ike]);
    assert.equal((await api('GET', '/v2.0/vpn/ikepolicies')).ikepolicies.length, 0);
  });
});
