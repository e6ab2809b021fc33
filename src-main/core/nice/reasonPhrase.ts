/** Reason phrases of the HTTP status codes in the v0.9 §7.3 status table. */
const REASON_PHRASES: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/**
 * The reason phrase of a v0.9 §7.3 status code (`404` → `Not Found`), or undefined for a code
 * the table does not list; shared by CMF ReplyStatusMessage defaults and WebAPI error texts.
 */
export function reasonPhrase(status: number): string | undefined {
  return REASON_PHRASES[status];
}
