import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type {
  SendCommandRequest,
  SendCommandResponse,
} from '../../../../src-shared/contract/commandsContract';
import type { ContractError } from '../../../../src-shared/contract/result';
import { useBridge } from '../../bridge/bridge';
import { commandTemplates } from './commandTemplates';

/** One command the operator sent in this session, with its outcome. */
export interface CommandRecord {
  sentAt: Date;
  request: SendCommandRequest;
  outcome: { ok: true; value: SendCommandResponse } | { ok: false; error: ContractError };
}

/** What the operator has typed into the command console; kept while they visit other pages. */
export interface CommandForm {
  profileId: string | undefined;
  target: string;
  iface: 'management' | 'control';
  nodeId: string;
  api: string;
  bodyText: string;
  accessToken: string;
  recipientJwkText: string;
  timeoutMs: number;
  resends: number;
}

/** Most commands kept in the session history. */
export const maxCommandHistory = 50;

/** The body the chosen API's template gives for the form's target and node, or undefined. */
export function templateBody(form: Pick<CommandForm, 'api' | 'target' | 'nodeId'>): string | undefined {
  const template = commandTemplates.find((candidate) => candidate.api === form.api);
  return template ? JSON.stringify(template.body(form.target, form.nodeId), null, 2) : undefined;
}

/**
 * The command console: the form (kept across navigation), sending CMF commands through main,
 * and this session's history. The body follows the chosen command and target until the operator
 * edits it; after that, only choosing another command replaces it.
 */
export const useCommandConsoleStore = defineStore('commandConsole', () => {
  const bridge = useBridge();
  const history = shallowRef<CommandRecord[]>([]);
  const sending = ref(false);
  const selected = shallowRef<CommandRecord>();
  const form = ref<CommandForm>({
    profileId: undefined,
    target: '',
    iface: 'management',
    nodeId: '0001',
    api: 'GetDeviceStatus',
    bodyText: templateBody({ api: 'GetDeviceStatus', target: '', nodeId: '0001' }) ?? '',
    accessToken: '',
    recipientJwkText: '',
    timeoutMs: 5000,
    resends: 2,
  });
  /** The body last filled from a template: while the text equals it, the operator has not edited it. */
  let filledBody = form.value.bodyText;

  /** Fills the body from the template; `force` also replaces an edited body (a new command). */
  function prefill(force: boolean): void {
    const template = commandTemplates.find((candidate) => candidate.api === form.value.api);
    if (!template) return;
    form.value.iface = template.interface;
    if (!force && form.value.bodyText !== filledBody) return;
    filledBody = templateBody(form.value) ?? '';
    form.value.bodyText = filledBody;
  }

  async function send(request: SendCommandRequest): Promise<CommandRecord> {
    sending.value = true;
    try {
      const outcome = await bridge.invoke('commands:sendCommand', request);
      const record: CommandRecord = { sentAt: new Date(), request, outcome };
      history.value = [record, ...history.value].slice(0, maxCommandHistory);
      selected.value = record;
      return record;
    } finally {
      sending.value = false;
    }
  }

  return { history, sending, selected, form, prefill, send };
});
