import type { CommandHandler } from '../../core/nice/niceEndpoint';
import { GetControlObjectBody, parseBody } from './bodies';
import { requireHolder } from './controlSessions';
import { appEndPoint } from './endpointObjects';
import type { SiteContext } from './siteContext';

/**
 * GetControlObject (device → AS): the ControlObject of digest §2.5, whose ControlEndPoints are
 * the endpoint objects of the apps registered with this site, keys included. The profile says
 * public keys travel in the endpoint objects the account service hands out, but names no command
 * that hands an app's object to a device before SetControlObject; this is that command, so a
 * device can encrypt its answers to an app that has not opened a control session. An app's
 * NetEndPoint names the broker the site's devices use, where the app's topics are.
 */
export function controlObjectHandler(site: SiteContext): CommandHandler {
  return ({ request, body, claims }) => {
    const caller = request.SourceEndPointID.toLowerCase();
    requireHolder(claims, caller);
    const asked = parseBody(GetControlObjectBody, body);
    if (asked.DeviceID !== caller) {
      return { status: 403, message: 'DeviceID: a device may only ask for its own control object' };
    }
    const device = site.store.device(caller);
    if (!device || device.binding !== 'bound') {
      return { status: 403, message: 'DeviceID: the device is not bound to this account service' };
    }
    site.store.touchDevice(caller);
    return {
      body: {
        Version: '1.0',
        DeviceID: caller,
        ControlEndPoints: site.store.apps().map((app) => ({
          AppEndPoint: appEndPoint(app.appId, app.publicJwk),
          NetEndPoint: {
            APIVersion: '1.0',
            EndPointID: app.appId,
            Scheme: [{ Protocol: 'MQTT', Authority: site.deviceBroker.url }],
          },
        })),
        RevokedJSONTokenIDs: site.store.revokedTokenIds(),
      },
    };
  };
}
