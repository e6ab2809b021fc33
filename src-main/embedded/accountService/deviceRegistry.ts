import { managementPath } from '../../core/nice/destinationId';
import { parseEndPointId } from '../../core/nice/endPointId';
import type { EndpointPublicJwk } from '../../core/nice/endpointKeys';
import type { CallResult, CommandHandler } from '../../core/nice/niceEndpoint';
import { NiceProtocolError } from '../../core/nice/niceProtocolError';
import type { DeviceBinding } from './accountServiceStore';
import { GetManagementEndPointBody, SetManagementObjectReply, parseBody, parseDeviceJwk } from './bodies';
import {
  NICE_AS_NAME,
  appEndPoint,
  deviceClientId,
  mqttNetEndPoint,
  webApiNetEndPoint,
} from './endpointObjects';
import { LOG_SOURCE, describeError, resendsFor, type SiteContext } from './siteContext';

/** Why bind() or release() failed. */
export type SiteDeviceErrorCode = 'UNKNOWN_DEVICE' | 'REFUSED' | 'UNREACHABLE';

/** A failed bind() or release(): the device is unknown, said no, or did not answer. */
export class SiteDeviceError extends Error {
  constructor(
    readonly code: SiteDeviceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SiteDeviceError';
  }
}

type ManagementAction = 'Bind' | 'Release';

function sameKey(a: EndpointPublicJwk, b: EndpointPublicJwk): boolean {
  return a.x === b.x && a.y === b.y;
}

/**
 * The LA's GetManagementEndPoint and the AS's binding of devices (SetManagementObject Bind and
 * Release over MQTT). A device that asks is recorded as pending; with auto-bind it is bound at
 * once, resending Bind while the device connects and subscribes after its HTTPS reply.
 */
export class DeviceRegistry {
  private readonly inFlight = new Map<string, Promise<void>>();

  constructor(
    private readonly site: SiteContext,
    private readonly options: { autoBind: boolean; bootstrapOrigin: () => string },
  ) {}

  /** The LA handler of GetManagementEndPoint (plain, no token needed). */
  readonly getManagementEndPoint: CommandHandler = async ({ body }) => {
    const { store, identity, logger } = this.site;
    const request = parseBody(GetManagementEndPointBody, body);
    const deviceId = request.DeviceID;
    const offered = request.DeviceJWK === undefined ? undefined : parseDeviceJwk(request.DeviceJWK, deviceId);
    const previous = store.device(deviceId);
    // Profile "Bootstrap": every well-formed DeviceID that asks is recorded, key or not. A key
    // offered now replaces what was known; a request without one leaves the known key as it is.
    const publicJwk = offered ?? previous?.publicJwk ?? null;
    const keyChanged =
      previous !== undefined &&
      offered !== undefined &&
      (previous.publicJwk === null || !sameKey(previous.publicJwk, offered));
    const { binding, bind } = this.nextBinding(previous?.binding, keyChanged);
    if (keyChanged) {
      logger.log('warn', LOG_SOURCE, `device ${deviceId} presented a new key; its binding starts over`);
    }
    store.upsertDevice({
      deviceId,
      name: request.DeviceName ?? null,
      publicJwk,
      nodes: request.NodeIDs ?? previous?.nodes ?? [],
      binding,
    });
    this.site.changed();
    logger.log('info', LOG_SOURCE, `device ${deviceId} asked for its management endpoint (${binding})`);
    const deviceToken = await this.site.tokens.deviceToken(deviceId);
    if (bind) {
      this.site.background(`bind ${deviceId}`, async () => {
        try {
          await this.bind(deviceId);
        } catch (error) {
          if (this.site.signal.aborted) return;
          logger.log('warn', LOG_SOURCE, `could not bind device ${deviceId}: ${describeError(error)}`);
        }
      });
    }
    return {
      body: {
        Version: '1.0',
        NICELAEndPoint: {
          AppEndPoint: appEndPoint(identity.endPointId, identity.publicJwk),
          NetEndPoint: webApiNetEndPoint(identity.endPointId, this.options.bootstrapOrigin()),
        },
        ManagementEndPoint: {
          AppEndPoint: appEndPoint(identity.endPointId, identity.publicJwk),
          NetEndPoint: mqttNetEndPoint(
            identity.endPointId,
            this.site.deviceBroker,
            deviceClientId.licenseAuthority(deviceId),
          ),
        },
        DeviceToken: deviceToken,
      },
    };
  };

  /** Sends SetManagementObject Bind and records the device as bound once it answers `Bound`. */
  bind(deviceId: string): Promise<void> {
    return this.once(parseEndPointId(deviceId, 'deviceId'), 'Bind');
  }

  /**
   * Sends SetManagementObject Release and records the device as released; a device that was
   * never bound is only marked released (it answers nobody but its LA yet).
   */
  release(deviceId: string): Promise<void> {
    return this.once(parseEndPointId(deviceId, 'deviceId'), 'Release');
  }

  /**
   * What a (re)registration means: a new device waits for approval (or auto-bind); a bound one
   * restarted and gets Bind again; a released one stays released until bind(); a new key means
   * a different device under the same id, so approval starts over.
   */
  private nextBinding(
    previous: DeviceBinding | undefined,
    keyChanged: boolean,
  ): { binding: DeviceBinding; bind: boolean } {
    if (previous === 'released') return { binding: 'released', bind: false };
    if (previous === 'bound' && !keyChanged) return { binding: 'bound', bind: true };
    return { binding: 'pending', bind: this.options.autoBind };
  }

  /** One Bind or Release per device at a time; a second request joins the first. */
  private once(deviceId: string, action: ManagementAction): Promise<void> {
    const key = `${deviceId} ${action}`;
    const running = this.inFlight.get(key);
    if (running) return running;
    const work = this.setManagementObject(deviceId, action).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  private async setManagementObject(deviceId: string, action: ManagementAction): Promise<void> {
    const { store, identity, tokens, logger } = this.site;
    const device = store.device(deviceId);
    if (!device) throw new SiteDeviceError('UNKNOWN_DEVICE', `no device ${deviceId} has asked this site`);
    if (action === 'Release' && device.binding !== 'bound') {
      store.setBinding(deviceId, 'released');
      this.site.changed();
      return;
    }
    const body = {
      Version: '1.0',
      DeviceID: deviceId,
      Action: action,
      NICEAS: {
        NICEASID: identity.endPointId,
        NICEASName: NICE_AS_NAME,
        NICEASEndPoint: {
          AppEndPoint: appEndPoint(identity.endPointId, identity.publicJwk),
          NetEndPoint: mqttNetEndPoint(
            identity.endPointId,
            this.site.deviceBroker,
            deviceClientId.accountService(deviceId),
          ),
        },
        RevokedJSONTokenIDs: store.revokedTokenIds(),
      },
      ...(action === 'Bind' ? { DeviceToken: await tokens.deviceToken(deviceId) } : {}),
    };
    let result: CallResult;
    try {
      result = await this.site.endpoint.call({
        path: managementPath(deviceId, 'SetManagementObject'),
        body,
        accessToken: await tokens.callToken(deviceId),
        timeoutMs: this.site.timing.callTimeoutMs,
        resends: resendsFor(this.site.timing),
        signal: this.site.signal,
      });
    } catch (error) {
      throw new SiteDeviceError(
        'UNREACHABLE',
        `device ${deviceId} did not answer ${action}: ${describeError(error)}`,
      );
    }
    store.touchDevice(deviceId);
    const { response } = result;
    if (response.ReplyStatusCode < 200 || response.ReplyStatusCode >= 300) {
      throw new SiteDeviceError(
        'REFUSED',
        `device ${deviceId} refused ${action}: ${response.ReplyStatusCode} ${response.ReplyStatusMessage}`,
      );
    }
    const expected = action === 'Bind' ? 'Bound' : 'Released';
    try {
      const reply = parseBody(SetManagementObjectReply, result.body);
      if (reply.Result !== expected || reply.DeviceID !== deviceId) {
        throw new NiceProtocolError('MALFORMED', `expected ${expected} for ${deviceId}`, 'Result');
      }
    } catch (error) {
      throw new SiteDeviceError(
        'REFUSED',
        `device ${deviceId} answered ${action} wrongly: ${describeError(error)}`,
      );
    }
    store.setBinding(deviceId, action === 'Bind' ? 'bound' : 'released');
    if (action === 'Release') {
      for (const session of store.liveSessionsOf(deviceId)) {
        store.transitionSession(
          session.sessionId,
          ['pending', 'opening'],
          'closed',
          'the device was released',
        );
      }
    }
    this.site.changed();
    logger.log('info', LOG_SOURCE, `device ${deviceId} ${expected.toLowerCase()}`);
  }
}
