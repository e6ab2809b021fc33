/** What went wrong with a NICE message, so callers can map it to a CMF status or a contract code. */
export type NiceErrorCode =
  | 'MALFORMED' // not JSON, wrong type, unknown member, size limit: answer 400
  | 'UNAUTHORIZED' // missing, expired or badly signed token: 401
  | 'FORBIDDEN' // valid token without the permission or audience: 403
  | 'DECRYPTION_FAILED' // a JWE body that cannot be opened with our key: 400
  | 'TIMEOUT' // no response within the request's time limit
  | 'CANCELLED' // the caller gave up
  | 'UNAVAILABLE'; // the transport is not connected

/**
 * A typed failure of the NICE protocol layer. `field` names the offending member as a dotted
 * path (`Payload.Body`, `AnalysisList.0.DetectedObjects.1.BoundingBox.XCoordinate`) when one is
 * to blame, so errors shown to operators say exactly what was wrong.
 */
export class NiceProtocolError extends Error {
  constructor(
    readonly code: NiceErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'NiceProtocolError';
  }
}
