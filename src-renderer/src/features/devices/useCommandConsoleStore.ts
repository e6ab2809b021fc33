import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type {
  SendCommandRequest,
  SendCommandResponse,
} from '../../../../src-shared/contract/commandsContract';
import type { ContractError } from '../../../../src-shared/contract/result';
import { useBridge } from '../../bridge/bridge';

/** One command the operator sent in this session, with its outcome. */
export interface CommandRecord {
  sentAt: Date;
  request: SendCommandRequest;
  outcome: { ok: true; value: SendCommandResponse } | { ok: false; error: ContractError };
}

/** Most commands kept in the session history. */
export const maxCommandHistory = 50;

/** The command console: sends CMF commands through main and keeps this session's history. */
export const useCommandConsoleStore = defineStore('commandConsole', () => {
  const bridge = useBridge();
  const history = shallowRef<CommandRecord[]>([]);
  const sending = ref(false);

  async function send(request: SendCommandRequest): Promise<CommandRecord> {
    sending.value = true;
    try {
      const outcome = await bridge.invoke('commands:sendCommand', request);
      const record: CommandRecord = { sentAt: new Date(), request, outcome };
      history.value = [record, ...history.value].slice(0, maxCommandHistory);
      return record;
    } finally {
      sending.value = false;
    }
  }

  return { history, sending, send };
});
