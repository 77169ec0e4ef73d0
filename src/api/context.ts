// Who is asking: the project and roles a request acts with.
export interface RequestContext {
  requestId: string;
  projectId: string;
  userId: string | null;
  roles: string[];
  isAdmin: boolean;
  /** Keystone only: the token's user name, for logs. */
  userName?: string;
  /** Keystone only: domain of the token's project (or of its domain scope). */
  domainId?: string | null;
  /** Keystone only: 'all' for a system-scoped token (projectId is then ''). */
  systemScope?: string | null;
}

export function adminContext(projectId: string, requestId = 'internal'): RequestContext {
  return { requestId, projectId, userId: null, roles: ['admin', 'member', 'reader'], isAdmin: true };
}
