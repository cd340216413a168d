/**
 * Collects the files a user picked or dropped, folders included, each with
 * the path to show for it. Drops walk directories through the File and
 * Directory Entries API, which every current browser has for drag and drop.
 */

export interface PickedFile {
  name: string;
  file: File;
}

/** Files from an <input type="file">, with folder paths when a folder was picked. */
export function filesFromInput(list: FileList | null): PickedFile[] {
  return Array.from(list ?? [], (file) => ({ name: file.webkitRelativePath || file.name, file }));
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

/** All entries of a directory: readEntries hands them out in batches until an empty one. */
async function dirEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  const name = entry.fullPath.replace(/^\//, '') || entry.name;
  if (entry.isFile) out.push({ name, file: await entryFile(entry as FileSystemFileEntry) });
  else if (entry.isDirectory)
    for (const child of await dirEntries(entry as FileSystemDirectoryEntry)) await walk(child, out);
}

/** Files from a drop, walking into dropped folders. */
export async function filesFromDrop(data: DataTransfer): Promise<PickedFile[]> {
  // Entries must be taken synchronously, before the first await ends the drop event.
  const entries = Array.from(data.items, (item) =>
    item.kind === 'file' ? item.webkitGetAsEntry() : null,
  );
  if (entries.every((e) => e === null)) return filesFromInput(data.files);
  const out: PickedFile[] = [];
  for (const entry of entries) if (entry) await walk(entry, out);
  return out;
}
