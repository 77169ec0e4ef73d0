// Instance metadata: what the metadata proxies, the metadata agent and the server's metadata
// service say to each other (Neutron's header names, so the parts line up with theirs).
//
//   instance ──HTTP 169.254.169.254:80──▶ haproxy in qrouter-/qdhcp- namespace
//     (+ X-Forwarded-For, X-Neutron-Router-ID or X-Neutron-Network-ID)
//   ──unix socket──▶ neutrino agent metadata  (finds the port over RPC: get_metadata_port)
//     (+ X-Instance-ID, X-Tenant-ID, X-Instance-ID-Signature)
//   ──HTTP──▶ the server's metadata service (checks the signature, renders the trees)
import { createHmac, timingSafeEqual } from 'node:crypto';

export const METADATA_ADDRESS = '169.254.169.254';
/** where the router's proxy listens in a qrouter namespace (the redirect's target; Neutron's 9697) */
export const METADATA_ROUTER_PROXY_PORT = 9697;
/** the port instances connect to */
export const METADATA_PORT = 80;

export const HEADER_FORWARDED_FOR = 'x-forwarded-for';
export const HEADER_ROUTER_ID = 'x-neutron-router-id';
export const HEADER_NETWORK_ID = 'x-neutron-network-id';
export const HEADER_INSTANCE_ID = 'x-instance-id';
export const HEADER_TENANT_ID = 'x-tenant-id';
export const HEADER_SIGNATURE = 'x-instance-id-signature';

/** RPC method on q-plugin: which port has this address on this network or behind this router. */
export const GET_METADATA_PORT = 'get_metadata_port';

export interface MetadataPortQuery {
  ip_address: string;
  /** exactly one of router_id and network_id */
  router_id?: string;
  network_id?: string;
}

export interface MetadataPort {
  port_id: string;
  network_id: string;
  /** the instance uuid */
  device_id: string;
  project_id: string;
}

/** HMAC-SHA256 of the instance id with metadata_proxy_shared_secret, hex (as Neutron signs for Nova). */
export function signInstanceId(secret: string, instanceId: string): string {
  return createHmac('sha256', secret).update(instanceId).digest('hex');
}

/** Constant-time check of a signature. */
export function signatureMatches(secret: string, instanceId: string, signature: string): boolean {
  const want = Buffer.from(signInstanceId(secret, instanceId));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}
