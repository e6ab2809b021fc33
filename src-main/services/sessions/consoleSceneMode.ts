import { randomUUID } from 'node:crypto';
import type { EndpointPublicJwk } from '../../core/nice/endpointKeys';

export interface ConsoleSceneModeOptions {
  consoleId: string;
  consoleJwk: EndpointPublicJwk;
  nodeId: string;
  /** The broker devices publish to, as they reach it (the local site's TCP listener). */
  brokerUrl: string;
  qos?: 0 | 1 | 2;
  /** Deliver over HTTPS to the console's data endpoint instead of MQTT. */
  webApi?: { origin: string; accessToken: string };
}

/**
 * The SceneMode the console applies to a node of a newly bound device so its SceneMarks reach
 * the console (digest §3.5): people and vehicles once a second, to the console's MQTT data
 * topic at QoS 1 or to its HTTPS data endpoint, encrypted to the console's key.
 */
export function consoleSceneMode(options: ConsoleSceneModeOptions): Record<string, unknown> {
  const consoleId = options.consoleId.toLowerCase();
  return {
    Version: '1.0',
    SceneModeID: randomUUID(),
    NodeID: options.nodeId,
    Mode: {
      // Label keeps every item type a node detects (Human would mute a vehicle-only node).
      SceneMode: 'Label',
      SceneModeConfig: [
        {
          AnalysisStage: 'Detect',
          CustomAnalysisStage: 'People and vehicle detection',
          SceneMarkFrequency: 1,
          Filters: { TriggerOnTheseDetectedItems: ['Human', 'Vehicle'] },
        },
      ],
      SceneMarkOutputList: [
        {
          SceneMarkOutputEndPoint: {
            APIVersion: '1.0',
            EndPointID: consoleId,
            NodeID: '0001',
            PortID: options.nodeId,
            Scheme: options.webApi
              ? [
                  {
                    Protocol: 'WebAPI',
                    Authority: options.webApi.origin,
                    AccessToken: options.webApi.accessToken,
                  },
                ]
              : [{ Protocol: 'MQTT', Authority: options.brokerUrl, QoS: options.qos ?? 1 }],
          },
          AppEndPoint: { APIVersion: '1.0', EndPointID: consoleId, JWK: options.consoleJwk },
          Encryption: {
            EncryptionOn: true,
            SceneMarkEncryption: { JWEAlg: 'ECDH-ES+A256KW', JWEEnc: 'A256GCM' },
          },
        },
      ],
    },
  };
}
