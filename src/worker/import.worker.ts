/// <reference lib="webworker" />
/**
 * The import worker: reads and checks one session file off the page, so a
 * large or hostile file (inflating, hashing, checking every weight) never
 * freezes it. It sends back the session, checked and ready to store, or why
 * it was refused; the page then writes it in one transaction.
 */
import { readSessionFile, type SessionFileReply } from '../core/store/transfer';
import { readLabConfig } from '../core/settings/lab-configs';

const scope = self as unknown as DedicatedWorkerGlobalScope;

scope.onmessage = async (e: MessageEvent<ArrayBuffer>) => {
  let reply: SessionFileReply;
  const transfer: Transferable[] = [];
  try {
    const session = await readSessionFile(new Uint8Array(e.data), readLabConfig);
    for (const s of session.samples) transfer.push(s.pixels.buffer);
    for (const c of session.checkpoints) if (c.data instanceof ArrayBuffer) transfer.push(c.data);
    reply = { type: 'read', session };
  } catch (err) {
    reply = { type: 'refused', message: err instanceof Error ? err.message : String(err) };
  }
  scope.postMessage(reply, transfer);
};
