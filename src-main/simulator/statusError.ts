/** A command refused with an HTTP status the profile names (v0.9 §7.3), e.g. 404 for no such node. */
export class StatusError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'StatusError';
  }
}
