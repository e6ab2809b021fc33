import type { Disposable } from '../../core/util/disposable';
import type { MqttHub } from '../mqtt/mqttHub';
import type { CmfDataIntake } from './cmfDataIntake';

/**
 * Receives the SceneMarks devices publish to the console's data topics (`1/{console}/data/#`)
 * on every broker connection, at QoS 1 so a SceneMode asking for QoS 1 or 2 gets it (the broker
 * delivers at the lower of publish and subscription QoS). Subscribed once per profile on its
 * first connect; the hub keeps it across reconnects.
 */
export class MqttDataSource implements Disposable {
  private readonly subscriptions = new Map<string, Disposable>();
  private readonly stateListener: Disposable;

  constructor(
    private readonly hub: MqttHub,
    private readonly intake: CmfDataIntake,
    private readonly consoleEndPointId: () => Promise<string>,
  ) {
    this.stateListener = hub.onDidChangeState(({ profileId, state }) => {
      if (state.status === 'connected') void this.ensure(profileId);
    });
  }

  private async ensure(profileId: string): Promise<void> {
    if (this.subscriptions.has(profileId)) return;
    const id = await this.consoleEndPointId();
    if (this.subscriptions.has(profileId)) return;
    const topic = `1/${id.toLowerCase()}/data/#`;
    this.subscriptions.set(
      profileId,
      this.hub.subscribeData(profileId, topic, 1, (payload) => {
        void this.intake.accept(payload, `mqtt:${profileId}`);
      }),
    );
  }

  dispose(): void {
    this.stateListener.dispose();
    for (const subscription of this.subscriptions.values()) subscription.dispose();
    this.subscriptions.clear();
  }
}
