/**
 * Files dropped on the browser workbench: the page has their bytes but not their paths, so it
 * posts them to the web host's `/upload` endpoint (same origin, session cookie), which keeps them
 * in a staging folder; the returned paths are then uploaded to the worker like any others.
 * Folders are walked with the File System entries API, so a dropped folder keeps its layout.
 */

interface Dropped {
  /** Relative path with "/" between folders. */
  path: string;
  /** undefined for a folder (created even when empty). */
  file?: File;
}

function readBatch(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => reader.readEntries(resolve, reject));
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

async function walk(entry: FileSystemEntry, prefix: string, out: Dropped[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (entry.isFile) {
    out.push({ path, file: await fileOf(entry as FileSystemFileEntry) });
  } else if (entry.isDirectory) {
    out.push({ path });
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries hands out a folder in batches (100 in Chromium) until it gives an empty one.
    for (let batch = await readBatch(reader); batch.length > 0; batch = await readBatch(reader)) {
      for (const child of batch) await walk(child, path, out);
    }
  }
}

/**
 * What a drop holds, taken synchronously: the DataTransfer is emptied once the drop handler
 * returns. Entries where the browser offers them (folders), else the plain files.
 */
export function takeDrop(transfer: DataTransfer): { entries: FileSystemEntry[]; files: File[] } {
  const entries = [...transfer.items].map((item) => item.webkitGetAsEntry?.() ?? null).filter((e): e is FileSystemEntry => e !== null);
  return { entries, files: [...transfer.files] };
}

async function post(url: string, body?: Blob): Promise<{ batch?: string; path?: string }> {
  const response = await fetch(url, { method: 'POST', body: body ?? null, credentials: 'same-origin' });
  const answer = (await response.json().catch(() => ({}))) as { error?: string; batch?: string; path?: string };
  if (!response.ok) throw new Error(answer.error ?? `The workbench refused the dropped file (HTTP ${response.status}).`);
  return answer;
}

/** Stages a drop in the web host; resolves with the staged paths of the dropped top-level items. */
export async function stageDrop(drop: { entries: FileSystemEntry[]; files: File[] }, onProgress?: (done: number, total: number) => void): Promise<string[]> {
  const items: Dropped[] = [];
  if (drop.entries.length > 0) for (const entry of drop.entries) await walk(entry, '', items);
  else for (const file of drop.files) items.push({ path: file.name, file });
  const { batch } = await post('/upload/batch');
  const tops = new Set<string>();
  for (const [index, item] of items.entries()) {
    const query = new URLSearchParams({ batch: batch ?? '', path: item.path, ...(item.file ? {} : { folder: '1' }) });
    const { path } = await post(`/upload?${query.toString()}`, item.file);
    if (path) tops.add(path);
    onProgress?.(index + 1, items.length);
  }
  return [...tops];
}
