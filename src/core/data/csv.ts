/**
 * CSV the app writes, and line breaks in CSV it reads.
 *
 * Written cells: numbers as they are; text quoted when it holds a quote, a
 * comma or a line break. Text that a spreadsheet would run as a formula
 * (it begins with =, +, -, @, a tab or a carriage return: OWASP's "CSV
 * injection") gets a leading apostrophe, so a segment named `=cmd|...` is
 * shown as text, never run.
 *
 * Read line breaks: papaparse splits rows on one kind of line break, guessed
 * from the start of the file, so a file that mixes CRLF, LF and CR merged
 * rows. Every break is made a LF before papaparse sees it, in a stream for a
 * File (papaparse reads Node-style streams), so line numbers are the ones an
 * editor shows.
 */

const FORMULA = /^[=+\-@\t\r]/;

/** One cell of CSV: a number (non-finite numbers and null are empty), or text, quoted and defused as needed. */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows of cells as CSV text, each line ending in LF. */
export function csvText(rows: (string | number | null | undefined)[][]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

/** Text with every CRLF and lone CR made a LF. */
export function toLf(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

type Listener = (arg?: unknown) => void;

/**
 * A Blob's text with every line break made a LF, as the Node-style readable
 * stream papaparse accepts (`readable`, `read`, `on`, `removeListener`,
 * `pause`, `resume`). A CR at the end of one chunk waits for the next, so a
 * CRLF split between chunks is one break.
 */
export class LfTextStream {
  readonly readable = true;
  private readonly listeners = new Map<string, Listener[]>();
  private started = false;

  constructor(private readonly blob: Blob) {}

  read(): null {
    return null;
  }

  pause(): void {}

  resume(): void {}

  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    if (event === 'data' && !this.started) {
      this.started = true;
      queueMicrotask(() => void this.pump());
    }
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
    return this;
  }

  private emit(event: string, arg?: unknown): void {
    for (const l of this.listeners.get(event) ?? []) l(arg);
  }

  private async pump(): Promise<void> {
    try {
      const reader = this.blob.stream().pipeThrough(new TextDecoderStream()).getReader();
      let carry = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        let text = carry + value;
        carry = text.endsWith('\r') ? '\r' : '';
        if (carry) text = text.slice(0, -1);
        if (text) this.emit('data', toLf(text));
      }
      if (carry) this.emit('data', '\n');
      this.emit('end');
    } catch (e) {
      this.emit('error', e);
    }
  }
}
