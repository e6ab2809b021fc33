import { decodeJwt } from 'jose';
import { requiredPermissionFor, type Permission } from '../../core/nice/accessToken';
import type { CommandPath } from '../../core/nice/niceEndpoint';
import { ContractFailure } from '../contract/contractFailure';
import type { CommandCredentials } from './commandCredentials';

/**
 * The AccessToken of a command the console sends. Profile, Clarifications: "AccessToken may be
 * empty only on GetManagementEndPoint"; "Tokens": the permission follows the interface
 * (management Management, control Control, StartStreaming/StopStreaming Streaming). A token the
 * operator typed is sent if it names the target and that permission (it cannot be verified
 * here: it may come from another site's account service); otherwise the console asks the
 * account service the target is bound to, and refuses when it knows none.
 */
export async function commandAccessToken(
  path: CommandPath,
  typed: string,
  credentials: CommandCredentials,
): Promise<string> {
  const permission = requiredPermissionFor(path);
  const target = path.endPointId.toLowerCase();
  const nodeId = path.kind === 'control' ? path.nodeId : undefined;
  if (typed !== '') {
    checkTypedToken(typed, { target, permission, nodeId, api: path.api });
    return typed;
  }
  if (path.kind === 'management' && path.api === 'GetManagementEndPoint') return '';
  const token = await credentials.commandTokenFor(target, permission, nodeId);
  if (token === undefined) {
    throw new ContractFailure(
      'INVALID_REQUEST',
      `accessToken: ${target} is not bound to an account service this console knows; paste a token with the ${permission} permission from the account service it is bound to`,
    );
  }
  return token;
}

function checkTypedToken(
  token: string,
  want: { target: string; permission: Permission; nodeId: string | undefined; api: string },
): void {
  const fail = (message: string): never => {
    throw new ContractFailure('INVALID_REQUEST', `accessToken: ${message}`);
  };
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(token);
  } catch {
    return fail('is not a JWT');
  }
  const audiences = typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? []);
  if (!audiences.some((aud) => aud.toLowerCase() === want.target)) {
    fail(`is for another audience than ${want.target}`);
  }
  const permissions = (claims as { Permissions?: unknown }).Permissions;
  if (!Array.isArray(permissions) || !permissions.includes(want.permission)) {
    fail(`lacks the ${want.permission} permission that ${want.api} needs`);
  }
  const nodeIds = (claims as { NodeIDs?: unknown }).NodeIDs;
  if (want.nodeId !== undefined && Array.isArray(nodeIds) && !nodeIds.includes(want.nodeId)) {
    fail(`does not cover node ${want.nodeId}`);
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 < Date.now()) fail('has expired');
}
