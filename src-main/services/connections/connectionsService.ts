import type {
  ConnectionProfile,
  ConnectionProfileInput,
  ListProfilesResponse,
  ProfileStatus,
  TestProfileResponse,
  UpdateProfileRequest,
} from '../../../src-shared/contract/connectionsContract';
import type { Disposable } from '../../core/util/disposable';
import type { Logger } from '../../core/util/logger';
import { ContractFailure } from '../contract/contractFailure';
import { ProfileValidationError } from '../mqtt/connectionProfile';
import { MqttConnectionError } from '../mqtt/connectionState';
import type { MqttHub } from '../mqtt/mqttHub';
import { SecretCipherError } from '../secrets/secretCipher';
import { ProfileNotFoundError, type ConnectionProfileRepository } from '../store/connectionProfileRepository';

/** How long connect and test wait for the broker before answering with the state so far. */
const defaultSettleTimeoutMs = 10_000;

/**
 * Broker connection profiles as the contract offers them: create, edit, delete, test, connect
 * and disconnect, with the hub's state changes forwarded as status events. Repository and hub
 * failures become contract errors that name the field or the cause.
 */
export class ConnectionsService {
  constructor(
    private readonly repository: ConnectionProfileRepository,
    private readonly hub: MqttHub,
    private readonly logger: Logger,
    private readonly settleTimeoutMs = defaultSettleTimeoutMs,
  ) {}

  /** Every profile and the state of its connection. */
  list(): ListProfilesResponse {
    const profiles = this.repository.list();
    return { profiles, statuses: profiles.map((profile) => this.status(profile.id)) };
  }

  async create(input: ConnectionProfileInput): Promise<ConnectionProfile> {
    const profile = await this.guard(() => this.repository.create(input));
    this.logger.log('info', 'connections', `created profile "${profile.name}" (${profile.url})`);
    return profile;
  }

  /** Changes a profile; a connected one keeps its connection until reconnected. */
  async update(request: UpdateProfileRequest): Promise<ConnectionProfile> {
    const profile = await this.guard(() => this.repository.update(request.id, request.patch));
    this.logger.log('info', 'connections', `updated profile "${profile.name}"`);
    return profile;
  }

  /** Disconnects (if connected) and deletes a profile. */
  async delete(id: string): Promise<{ id: string; deleted: true }> {
    const profile = await this.guard(async () => this.repository.require(id));
    await this.hub.disconnect(id);
    this.repository.delete(id);
    this.logger.log('info', 'connections', `deleted profile "${profile.name}"`);
    return { id, deleted: true };
  }

  /** Starts connecting and waits briefly for the outcome; later changes arrive as events. */
  async connect(id: string): Promise<ProfileStatus> {
    await this.guard(async () => this.repository.require(id));
    await this.settle(this.hub.connect(id));
    return this.status(id);
  }

  async disconnect(id: string): Promise<ProfileStatus> {
    await this.guard(async () => this.repository.require(id));
    await this.hub.disconnect(id);
    return this.status(id);
  }

  /**
   * Proves a profile works: connects (unless it already is), measures how long that took, and
   * leaves the profile as it found it.
   */
  async test(id: string): Promise<TestProfileResponse> {
    await this.guard(async () => this.repository.require(id));
    if (this.hub.getState(id).status === 'connected') return { ok: true };
    const started = performance.now();
    try {
      await this.settle(this.hub.connect(id));
      const state = this.hub.getState(id);
      if (state.status === 'connected')
        return { ok: true, latencyMs: Math.round(performance.now() - started) };
      return {
        ok: false,
        failure:
          state.status === 'reconnecting'
            ? state.lastError
            : {
                code: 'NETWORK',
                message: `no answer from the broker within ${this.settleTimeoutMs / 1000} s`,
              },
      };
    } catch (error) {
      if (error instanceof MqttConnectionError) return { ok: false, failure: error.failure };
      throw error;
    } finally {
      await this.hub.disconnect(id);
    }
  }

  /** Forwards every state change to `publish` until disposed. */
  forwardStatus(publish: (status: ProfileStatus) => void): Disposable {
    return this.hub.onDidChangeState(({ profileId, state }) => publish({ profileId, state }));
  }

  private status(profileId: string): ProfileStatus {
    return { profileId, state: this.hub.getState(profileId) };
  }

  /** Waits for a connect attempt to settle, at most `settleTimeoutMs`; failures show in the state. */
  private async settle(connecting: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.settleTimeoutMs)));
    try {
      await Promise.race([connecting, timeout]);
    } catch (error) {
      if (!(error instanceof MqttConnectionError)) throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ProfileValidationError) {
        const conflict = error.field === 'name' && /already used/.test(error.reason);
        throw new ContractFailure(conflict ? 'CONFLICT' : 'INVALID_REQUEST', error.message);
      }
      if (error instanceof ProfileNotFoundError) throw new ContractFailure('NOT_FOUND', error.message);
      if (error instanceof SecretCipherError) throw new ContractFailure('UNAVAILABLE', error.message);
      throw error;
    }
  }
}
