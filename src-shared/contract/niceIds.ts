import { z } from 'zod';

/** An EndPointID as the renderer may send it: 8-4-4-4-12 hex digits. */
export const EndPointId = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    error: 'must be an EndPointID (8-4-4-4-12 hex digits)',
  });

/** A NodeID or PortID: 4 hex digits. */
export const NodeId = z.string().regex(/^[0-9a-fA-F]{4}$/, { error: 'must be 4 hex digits, e.g. 0001' });
