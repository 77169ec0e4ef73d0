// What `lab up` makes through the API so a newcomer has a working cloud at once: the
// external network `public` (flat on the physnet that br-ext carries, router:external), a
// project network `private` with DHCP, and the router `router1` joining them with SNAT.
import type { Json, NetworkApi } from '../compute/api-client.js';
import { run } from '../linux/exec.js';
import { EXTERNAL, PRIVATE } from './topology.js';

export interface LabExternal {
  public_network_id: string;
  public_subnet_id: string;
  private_network_id: string;
  private_subnet_id: string;
  router_id: string;
  /** the router's address on the external network (its SNAT address) */
  router_gateway_ip: string;
}

export async function createExternalTopology(api: NetworkApi, progress: (line: string) => void): Promise<LabExternal> {
  const pub = (
    await api.post('/networks', {
      network: { name: EXTERNAL.network, 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'public' },
    })
  ).network as Json;
  const pubSubnet = (
    await api.post('/subnets', {
      subnet: {
        name: EXTERNAL.subnet,
        network_id: pub.id,
        ip_version: 4,
        cidr: EXTERNAL.cidr,
        gateway_ip: EXTERNAL.gateway,
        enable_dhcp: false,
        allocation_pools: [EXTERNAL.pool],
      },
    })
  ).subnet as Json;
  progress(`external network ${EXTERNAL.network} ${EXTERNAL.cidr} (flat on physnet public = br-ext; floating IPs ${EXTERNAL.pool.start}-${EXTERNAL.pool.end})`);
  const priv = (await api.post('/networks', { network: { name: PRIVATE.network } })).network as Json;
  const privSubnet = (
    await api.post('/subnets', {
      subnet: { name: PRIVATE.subnet, network_id: priv.id, ip_version: 4, cidr: PRIVATE.cidr, enable_dhcp: true },
    })
  ).subnet as Json;
  progress(`project network ${PRIVATE.network} ${PRIVATE.cidr} with DHCP`);
  const router = (
    await api.post('/routers', {
      router: { name: PRIVATE.router, external_gateway_info: { network_id: pub.id, enable_snat: true } },
    })
  ).router as Json;
  await api.put(`/routers/${router.id}/add_router_interface`, { subnet_id: privSubnet.id });
  const gw = ((router.external_gateway_info?.external_fixed_ips ?? []) as Json[]).find((f) => f.subnet_id === pubSubnet.id);
  if (!gw) throw new Error(`router ${PRIVATE.router} got no address on ${EXTERNAL.subnet}: ${JSON.stringify(router.external_gateway_info)}`);
  progress(`router ${PRIVATE.router}: gateway ${gw.ip_address as string} on ${EXTERNAL.network}, interface on ${PRIVATE.subnet}, SNAT on`);
  return {
    public_network_id: pub.id,
    public_subnet_id: pubSubnet.id,
    private_network_id: priv.id,
    private_subnet_id: privSubnet.id,
    router_id: router.id,
    router_gateway_ip: gw.ip_address,
  };
}

/** Whether the outside world (the internet namespace) gets an answer from address. */
export async function answersFromOutside(internetNetns: string, address: string): Promise<boolean> {
  const r = await run('ping', ['-c', '1', '-W', '1', address], { netns: internetNetns, allowFailure: true, timeoutMs: 5000 });
  return r.code === 0;
}
