// Placeholder until the Keystone hook lands: noauth only (replaced by the auth-hook work).
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../config/config.js';
import { noauthContext } from '../http-context.js';
import type { KeystoneAuth } from './keystone.js';

export function makeAuthHook(config: Config, _log: Logger, _auth?: KeystoneAuth): (req: FastifyRequest) => Promise<void> {
  const defaultProject = config.str('DEFAULT', 'noauth_project_id');
  return async (req) => {
    req.neutrinoContext = noauthContext(req, defaultProject);
  };
}

/** Placeholder: the Keystone hook work replaces this file. */
export function makeKeystoneAuth(_config: Config, _log: Logger): KeystoneAuth {
  throw new Error('auth_strategy = keystone is not wired yet');
}
