/// <reference lib="webworker" />
/**
 * The log worker: reads an interaction-log CSV off the page (papaparse
 * streams a File in chunks), so a large log never stalls the page or
 * training. Nothing leaves the machine.
 */
import { parseInteractionLog, type LogReply } from '../core/data/interaction-log';

const scope = self as unknown as DedicatedWorkerGlobalScope;
const post = (msg: LogReply, transfer: Transferable[] = []) => scope.postMessage(msg, transfer);

scope.onmessage = async (e: MessageEvent<{ file: Blob }>) => {
  try {
    const { file } = e.data;
    const log = await parseInteractionLog(file, {
      // The cursor counts characters and the size bytes: close for CSV, and never past the end.
      onProgress: (rows, read) =>
        post({ type: 'progress', rows, fraction: Math.min(1, read / Math.max(1, file.size)) }),
    });
    const columns = [log.user, log.item, log.event, log.time, log.price, log.category, log.segment];
    post(
      { type: 'done', log },
      columns.map((c) => c.buffer),
    );
  } catch (err) {
    post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
};
