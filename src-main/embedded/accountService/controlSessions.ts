import type { AccessTokenClaims } from '../../core/nice/accessToken';
import { formatDateTimeStamp } from '../../core/nice/dateTimeStamp';
import { formatMqttTopic, managementPath, parseMqttTopic } from '../../core/nice/destinationId';
import type { CallResult, CommandHandler } from '../../core/nice/niceEndpoint';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import type { SiteControlSession, StoredApp } from './accountServiceStore';
import {
  CloseControlSessionBody,
  EstablishControlSessionBody,
  SetControlObjectReply,
  parseBody,
} from './bodies';
import { LOG_SOURCE, describeError, resendsFor, type SiteContext } from './siteContext';

/** How long a session's grant lasts: ExpiresAt and the peer's AccessToken (1 h). */
export const SESSION_LIFETIME_SEC = 60 * 60;

const SIGNALING_API = 'WebRTCSignaling';

/** The caller must hold the token it presents (sub = SourceEndPointID). */
export function requireHolder(claims: AccessTokenClaims | null, caller: string): void {
  if (!claims || claims.sub.toLowerCase() !== caller) {
    throw new NiceProtocolError('FORBIDDEN', 'was issued to another endpoint', 'AccessToken');
  }
}

/** The app's signaling topic, normalised; it must be the caller's own WebRTCSignaling topic. */
function signalingTopicOf(value: string, caller: string): string {
  const expected = formatMqttTopic(managementPath(caller, SIGNALING_API));
  let topic: string | undefined;
  try {
    const path = parseMqttTopic(value, 'SignalingTopic');
    if (path.kind === 'management' && path.endPointId === caller && path.api === SIGNALING_API) {
      topic = formatMqttTopic(path);
    }
  } catch {
    topic = undefined;
  }
  if (!topic) throw new NiceProtocolError('MALFORMED', `must be ${expected}`, 'SignalingTopic');
  return topic;
}

/**
 * The AS side of control sessions (profile "Control sessions and WebRTC"):
 * EstablishControlSession from a registered app to a bound device (answered Pending, then
 * SetControlObject Open to the device), CloseControlSession from either peer (then
 * SetControlObject Close to the device when the app closed).
 */
export class ControlSessions {
  constructor(private readonly site: SiteContext) {}

  readonly establish: CommandHandler = ({ request, body, claims }) => {
    const { store } = this.site;
    const caller = request.SourceEndPointID.toLowerCase();
    requireHolder(claims, caller);
    const wanted = parseBody(EstablishControlSessionBody, body);
    const app = store.app(caller);
    if (!app) return { status: 403, message: 'the calling app is not registered with this account service' };
    const device = store.device(wanted.DeviceID);
    if (!device || device.binding !== 'bound') {
      return { status: 404, message: `DeviceID: no bound device ${wanted.DeviceID} on this site` };
    }
    if (wanted.NodeID && device.nodes.length > 0 && !device.nodes.includes(wanted.NodeID)) {
      return { status: 404, message: `NodeID: the device has no node ${wanted.NodeID}` };
    }
    const signalingTopic = signalingTopicOf(wanted.SignalingTopic, caller);
    if (store.session(wanted.SessionID)) {
      throw new NiceProtocolError('MALFORMED', 'is already in use', 'SessionID');
    }
    const openedAtMs = Date.now();
    const session: Omit<SiteControlSession, 'closedAtMs' | 'reason' | 'state'> = {
      sessionId: wanted.SessionID,
      appId: caller,
      deviceId: device.deviceId,
      nodeId: wanted.NodeID ?? null,
      purposes: wanted.Purpose,
      openedAtMs,
      expiresAtMs: openedAtMs + SESSION_LIFETIME_SEC * 1000,
    };
    store.insertSession(session);
    this.site.changed();
    this.site.logger.log(
      'info',
      LOG_SOURCE,
      `session ${session.sessionId}: app ${caller} asked for device ${device.deviceId}`,
    );
    const controlSession = {
      SessionID: session.sessionId,
      PeerEndPointID: caller,
      PeerJWK: app.publicJwk,
      SignalingTopic: signalingTopic,
      LocalSignalingTopic: formatMqttTopic(managementPath(device.deviceId, SIGNALING_API)),
      IceServers: wanted.IceServers ?? [],
      Purpose: wanted.Purpose,
      Action: 'Open',
      ExpiresAt: formatDateTimeStamp(new Date(session.expiresAtMs)),
    };
    this.site.background(`open session ${session.sessionId}`, () => this.open(session, app, controlSession));
    return { body: { Version: '1.0', SessionID: session.sessionId, Status: 'Pending' } };
  };

  readonly close: CommandHandler = ({ request, body, claims }) => {
    const { store } = this.site;
    const caller = request.SourceEndPointID.toLowerCase();
    requireHolder(claims, caller);
    const closing = parseBody(CloseControlSessionBody, body);
    const session = store.session(closing.SessionID);
    if (!session) return { status: 404, message: `SessionID: no session ${closing.SessionID} on this site` };
    const byApp = caller === session.appId;
    if (!byApp && caller !== session.deviceId) {
      return { status: 403, message: 'only the app or the device of a session may close it' };
    }
    if (!byApp) store.touchDevice(caller);
    const reason = closing.Reason ?? (byApp ? 'closed by the app' : 'closed by the device');
    if (store.transitionSession(session.sessionId, ['pending', 'opening'], 'closed', reason)) {
      this.site.changed();
      this.site.logger.log(
        'info',
        LOG_SOURCE,
        `session ${session.sessionId} closed by ${byApp ? 'app' : 'device'}`,
      );
      if (byApp) {
        this.site.background(`close session ${session.sessionId}`, () =>
          this.closeOnDevice(session.deviceId, session.sessionId),
        );
      }
    }
    return { body: { Version: '1.0', Result: 'OK' } };
  };

  /** SetControlObject Open: the device learns its peer, key, topics and the peer's token. */
  private async open(
    session: Omit<SiteControlSession, 'closedAtMs' | 'reason' | 'state'>,
    app: StoredApp,
    controlSession: Record<string, unknown>,
  ): Promise<void> {
    const { store, tokens } = this.site;
    let reason: string | null;
    try {
      const peerToken = await tokens.issue({
        sub: app.appId,
        aud: session.deviceId,
        permissions: ['Management', 'Control', 'Streaming'],
        ...(session.nodeId ? { nodeIds: [session.nodeId] } : {}),
        expiresInSec: SESSION_LIFETIME_SEC,
      });
      const result = await this.setControlObject(session.deviceId, {
        Version: '1.0',
        DeviceID: session.deviceId,
        ControlSession: controlSession,
        AccessToken: peerToken,
      });
      reason = this.refusal(result, session.sessionId, 'Opening');
    } catch (error) {
      reason = `the device did not take the session: ${describeError(error)}`;
    }
    // Shutting down is no verdict on the session: leave it as it was.
    if (this.site.signal.aborted) return;
    const changed =
      reason === null
        ? store.transitionSession(session.sessionId, ['pending'], 'opening')
        : store.transitionSession(session.sessionId, ['pending', 'opening'], 'failed', reason);
    if (reason !== null) {
      this.site.logger.log('warn', LOG_SOURCE, `session ${session.sessionId} failed: ${reason}`);
    }
    if (changed) this.site.changed();
  }

  private async closeOnDevice(deviceId: string, sessionId: string): Promise<void> {
    try {
      const result = await this.setControlObject(deviceId, {
        Version: '1.0',
        DeviceID: deviceId,
        ControlSession: { SessionID: sessionId, Action: 'Close' },
      });
      const refusal = this.refusal(result, sessionId, 'Closed');
      if (refusal) this.site.logger.log('warn', LOG_SOURCE, `session ${sessionId}: ${refusal}`);
    } catch (error) {
      this.site.logger.log(
        'warn',
        LOG_SOURCE,
        `session ${sessionId}: the device did not answer Close: ${describeError(error)}`,
      );
    }
  }

  private async setControlObject(deviceId: string, body: unknown): Promise<CallResult> {
    const result = await this.site.endpoint.call({
      path: managementPath(deviceId, 'SetControlObject'),
      body,
      accessToken: await this.site.tokens.callToken(deviceId),
      timeoutMs: this.site.timing.callTimeoutMs,
      resends: resendsFor(this.site.timing),
      signal: this.site.signal,
    });
    this.site.store.touchDevice(deviceId);
    return result;
  }

  /** Null when the device answered `expected` for the session, else why not. */
  private refusal(result: CallResult, sessionId: string, expected: 'Opening' | 'Closed'): string | null {
    const { response } = result;
    if (response.ReplyStatusCode < 200 || response.ReplyStatusCode >= 300) {
      return `the device refused: ${response.ReplyStatusCode} ${response.ReplyStatusMessage}`;
    }
    try {
      const reply = parseBody(SetControlObjectReply, result.body);
      if (reply.SessionID !== sessionId || reply.Result !== expected) {
        return `the device answered ${reply.Result} for ${reply.SessionID}, expected ${expected}`;
      }
    } catch (error) {
      return `the device answered wrongly: ${describeError(error)}`;
    }
    return null;
  }
}
