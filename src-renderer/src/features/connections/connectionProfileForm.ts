import type {
  ConnectionProfile,
  ConnectionProfileInput,
  ConnectionProfilePatch,
} from '../../../../src-shared/contract/connectionsContract';

/** The editable fields of the profile dialog, all as form controls hold them. */
export interface ProfileFormModel {
  name: string;
  url: string;
  protocolVersion: 4 | 5;
  clientId: string;
  keepalive: number;
  cleanSession: boolean;
  username: string;
  password: string;
  clearPassword: boolean;
  caFile: string;
  certFile: string;
  keyFile: string;
  rejectUnauthorized: boolean;
  allowPlainBodies: boolean;
}

/** A blank form, or one filled from a stored profile (its password is never known here). */
export function profileFormModel(profile?: ConnectionProfile): ProfileFormModel {
  return {
    name: profile?.name ?? '',
    url: profile?.url ?? 'mqtts://',
    protocolVersion: profile?.protocolVersion ?? 5,
    clientId: profile?.clientId ?? '',
    keepalive: profile?.keepalive ?? 60,
    cleanSession: profile?.cleanSession ?? true,
    username: profile?.username ?? '',
    password: '',
    clearPassword: false,
    caFile: profile?.tls.caFile ?? '',
    certFile: profile?.tls.certFile ?? '',
    keyFile: profile?.tls.keyFile ?? '',
    rejectUnauthorized: profile?.tls.rejectUnauthorized ?? true,
    allowPlainBodies: profile?.allowPlainBodies ?? false,
  };
}

const optional = (value: string): string | undefined => (value.trim() === '' ? undefined : value.trim());

/** The settings both create and update send, without credentials. */
function settingsOf(model: ProfileFormModel) {
  return {
    name: model.name,
    url: model.url.trim(),
    protocolVersion: model.protocolVersion,
    clientId: model.clientId.trim(),
    keepalive: model.keepalive,
    cleanSession: model.cleanSession,
    tls: {
      caFile: optional(model.caFile),
      certFile: optional(model.certFile),
      keyFile: optional(model.keyFile),
      rejectUnauthorized: model.rejectUnauthorized,
    },
    allowPlainBodies: model.allowPlainBodies,
  };
}

/** What `connections:createProfile` gets: empty optional fields are left out. */
export function toProfileInput(model: ProfileFormModel): ConnectionProfileInput {
  return {
    ...settingsOf(model),
    username: optional(model.username),
    password: model.password === '' ? undefined : model.password,
  };
}

/** What `connections:updateProfile` gets: an empty username removes it; the password only when typed or cleared. */
export function toProfilePatch(model: ProfileFormModel): ConnectionProfilePatch {
  return {
    ...settingsOf(model),
    username: optional(model.username) ?? null,
    ...(model.clearPassword ? { password: null } : model.password !== '' ? { password: model.password } : {}),
  };
}

// Also used by the other forms that show main's refusals by field.
export { splitFieldError } from '../../util/fieldErrors';
