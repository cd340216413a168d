/**
 * An in-memory IndexedDB (fake-indexeddb) for browsers where the real one is
 * missing or refuses to open (some private windows, storage turned off). The
 * same store code then runs unchanged; what it holds lasts as long as the
 * tab. Loaded only when needed.
 */
const GLOBALS = [
  'indexedDB',
  'IDBCursor',
  'IDBCursorWithValue',
  'IDBDatabase',
  'IDBFactory',
  'IDBIndex',
  'IDBKeyRange',
  'IDBObjectStore',
  'IDBOpenDBRequest',
  'IDBRequest',
  'IDBTransaction',
  'IDBVersionChangeEvent',
] as const;

/** Puts the in-memory IndexedDB in place of the browser's (idb looks its classes up globally). */
export async function useMemoryIndexedDB(): Promise<void> {
  const fake = await import('fake-indexeddb');
  for (const name of GLOBALS)
    Object.defineProperty(globalThis, name, {
      value: fake[name],
      configurable: true,
      writable: true,
    });
}
