/** A NICE command the console offers a starting body for (NICE-PROFILE, "Exact bodies"). */
export interface CommandTemplate {
  api: string;
  interface: 'management' | 'control';
  body: (target: string, nodeId: string) => Record<string, unknown>;
}

/** The profile's app → device commands, each with the smallest valid body. */
export const commandTemplates: readonly CommandTemplate[] = [
  {
    api: 'GetDeviceStatus',
    interface: 'management',
    body: (target) => ({ Version: '1.0', DeviceID: target }),
  },
  {
    api: 'GetCapabilities',
    interface: 'control',
    body: (_target, nodeId) => ({ Version: '1.0', NodeID: nodeId }),
  },
  { api: 'GetStatus', interface: 'control', body: (_target, nodeId) => ({ Version: '1.0', NodeID: nodeId }) },
  {
    api: 'GetSceneMode',
    interface: 'control',
    body: (_target, nodeId) => ({ Version: '1.0', NodeID: nodeId }),
  },
  {
    api: 'StopStreaming',
    interface: 'control',
    body: () => ({ Version: '1.0', StreamID: '' }),
  },
];

/** Parses a JSON text field; the error names the field and what is wrong with it. */
export function parseJsonField(
  field: string,
  text: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      error: `${field}: not valid JSON (${error instanceof Error ? error.message : String(error)})`,
    };
  }
}
