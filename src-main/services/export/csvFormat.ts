/** Characters that force a CSV field into quotes (RFC 4180 §2.6). */
const needsQuotes = /[",\r\n]/;

/**
 * One CSV field per RFC 4180: empty for null, quoted (with quotes doubled) when it holds a
 * comma, quote, CR or LF, as is otherwise. Numbers keep JavaScript's shortest round-trip form.
 */
export function csvField(value: string | number | bigint | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV record terminated by CRLF (RFC 4180 §2.1). */
export function csvRecord(values: readonly (string | number | bigint | null | undefined)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) line += ',';
    line += csvField(values[i]);
  }
  return `${line}\r\n`;
}
