/** Runs `during` with every put into the object store `name` failing as a full disk would. */
export async function withFullDisk(name: string, during: () => Promise<void>): Promise<void> {
  const proto = IDBObjectStore.prototype;
  const put = proto.put;
  proto.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
    if (this.name === name) throw new DOMException('quota exceeded', 'QuotaExceededError');
    return put.apply(this, args);
  };
  try {
    await during();
  } finally {
    proto.put = put;
  }
}
