import { createHash, timingSafeEqual } from 'node:crypto';

/** One account the embedded broker accepts (the console's own, a device account …). */
export interface BrokerCredential {
  username: string;
  password: string;
}

/** Checks a CONNECT's username and password; returns the matching account's username, or null. */
export type CredentialCheck = (username: string | undefined, password: Buffer | undefined) => string | null;

interface StoredCredential {
  username: string;
  usernameDigest: Buffer;
  passwordDigest: Buffer;
}

// Digests have one length whatever the input, so timingSafeEqual never throws and the
// comparison time says nothing about how long the stored username or password is.
const digest = (value: string | Buffer): Buffer => createHash('sha256').update(value).digest();

/**
 * Builds the broker's credential check. Every account is compared, with no early exit, in
 * constant time per account. Throws when an account has an empty username or password, since
 * the embedded broker never runs without authentication.
 */
export function createCredentialCheck(credentials: readonly BrokerCredential[]): CredentialCheck {
  if (credentials.length === 0) throw new Error('embedded broker: at least one credential is required');
  const stored: StoredCredential[] = credentials.map(({ username, password }, index) => {
    if (typeof username !== 'string' || username.length === 0) {
      throw new Error(`embedded broker: credential ${index} has an empty username`);
    }
    if (typeof password !== 'string' || password.length === 0) {
      throw new Error(`embedded broker: credential ${index} (${username}) has an empty password`);
    }
    return { username, usernameDigest: digest(username), passwordDigest: digest(password) };
  });
  return (username, password) => {
    if (username === undefined || password === undefined) return null;
    const usernameDigest = digest(username);
    const passwordDigest = digest(password);
    let matched: string | null = null;
    for (const account of stored) {
      const usernameEqual = timingSafeEqual(usernameDigest, account.usernameDigest);
      const passwordEqual = timingSafeEqual(passwordDigest, account.passwordDigest);
      if (usernameEqual && passwordEqual && matched === null) matched = account.username;
    }
    return matched;
  };
}
