// The request context under auth_strategy = noauth: admin in the default project unless the
// caller names a project (X-Project-Id) and roles (X-Roles), as Neutron's noauth middleware does.
import type { FastifyRequest } from 'fastify';
import type { RequestContext } from './context.js';

declare module 'fastify' {
  interface FastifyRequest {
    neutrinoContext?: RequestContext;
  }
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export function noauthContext(req: FastifyRequest, defaultProject: string): RequestContext {
  const project = header(req, 'x-project-id') ?? header(req, 'x-tenant-id') ?? defaultProject;
  const rolesHeader = header(req, 'x-roles');
  const roles =
    rolesHeader === undefined
      ? ['admin', 'member', 'reader']
      : rolesHeader
          .split(',')
          .map((r) => r.trim().toLowerCase())
          .filter(Boolean);
  return {
    requestId: req.id,
    projectId: project,
    userId: header(req, 'x-user-id') ?? null,
    roles,
    isAdmin: roles.includes('admin'),
  };
}

export function contextOf(req: FastifyRequest): RequestContext {
  if (!req.neutrinoContext) throw new Error('request context missing: the auth hook did not run');
  return req.neutrinoContext;
}
