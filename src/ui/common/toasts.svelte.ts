/** Short messages for the user in the corner of the screen; errors stay until dismissed. */
export type ToastKind = 'info' | 'warn' | 'error';
export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
  /** A button on the toast, such as Undo; the toast closes when it is pressed. */
  action?: { label: string; run: () => void };
}

const AUTO_DISMISS_MS: Record<ToastKind, number | null> = { info: 6000, warn: 12000, error: null };

class Toasts {
  items = $state<Toast[]>([]);
  private nextId = 1;

  push(kind: ToastKind, text: string, action?: Toast['action']): number {
    const id = this.nextId++;
    this.items = [...this.items, action ? { id, kind, text, action } : { id, kind, text }];
    const ms = AUTO_DISMISS_MS[kind];
    if (ms !== null) setTimeout(() => this.dismiss(id), ms);
    return id;
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

/** The app's one toast list. */
export const toasts = new Toasts();
