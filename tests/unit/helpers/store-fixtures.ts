/** The session store's test fixtures: fresh databases (closed after each test), and the small session. */
import 'fake-indexeddb/auto';
import { afterEach } from 'vitest';
import { SessionStore } from '../../../src/core/store/sessions';

let n = 0;
/** A unique database name. */
export const freshName = (prefix = 'test') => `${prefix}-${++n}`;
const opened: SessionStore[] = [];
export async function freshStore(name = freshName()): Promise<SessionStore> {
  const s = await SessionStore.open({ name });
  opened.push(s);
  return s;
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

export { checkpoint, newSession, progress, recsys, save } from './session-fixtures';
