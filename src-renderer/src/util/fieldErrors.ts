import { computed, ref } from 'vue';

/**
 * Splits an error from main into the form field it names (`url: …`, `tls.caFile: …`) and the
 * reason, so the reason can stand under that field. Schema refusals come prefixed with the
 * channel (`connections:updateProfile: patch.url: …`).
 */
export function splitFieldError(message: string): { field?: string; reason: string } {
  const unprefixed = message.replace(/^[a-z]+:[A-Za-z]+: /, '').replace(/^patch\./, '');
  const match = /^([A-Za-z.]+): (.*)$/s.exec(unprefixed);
  return match?.[1] && match[2] ? { field: match[1], reason: match[2] } : { reason: message };
}

/**
 * Where a form shows main's refusal, and its saving state: at the form item the message names (`name: must not be
 * empty`) when it is one of `fields`, else in a banner over the form.
 */
export function useFieldErrors(fields: readonly string[]) {
  const error = ref<string>();
  const split = computed(() => (error.value ? splitFieldError(error.value) : undefined));
  const bannerError = computed(() =>
    split.value && !fields.includes(split.value.field ?? '') ? error.value : undefined,
  );
  /** The reason to show at one form item, if main's error is about it. */
  function errorOf(field: string): string | undefined {
    return split.value?.field === field ? split.value.reason : undefined;
  }
  const saving = ref(false);
  /**
   * Saves the form: `saving` while `action` runs, then `done` when main accepted it, or its
   * refusal shown by field.
   */
  async function submit(
    action: () => Promise<{ ok: true } | { ok: false; error: { message: string } }>,
    done: () => void,
  ): Promise<void> {
    saving.value = true;
    try {
      const result = await action();
      if (result.ok) done();
      else error.value = result.error.message;
    } finally {
      saving.value = false;
    }
  }
  return { error, bannerError, errorOf, saving, submit };
}
