import yauzl from 'yauzl';
import { LoadError } from '../../errors.js';

/**
 * Refuses a zip (a .docx) that inflates to more than `maxInflatedBytes`, before any parser inflates it: the
 * sizes the central directory declares are summed first, then every entry is inflated as a stream and its
 * bytes counted (a declared size can lie; yauzl also stops an entry that outgrows its declared size).
 * Memory stays at one stream buffer whatever the zip holds.
 */
export async function checkZipInflation(path: string, data: Buffer, maxInflatedBytes: number): Promise<void> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(data, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true });
  } catch (error) {
    throw new LoadError(path, `not a valid .docx file (${(error as Error).message})`, { code: 'DOCX_INVALID', cause: error });
  }
  const limit = `the ${formatMb(maxInflatedBytes)} limit (ingest.maxInflatedBytes)`;
  const tooLarge = (detail: string) =>
    new LoadError(path, `unpacks to more than ${limit} (${detail}): a zip bomb, or a document too large to index; not parsed`, { code: 'INFLATED_TOO_LARGE' });
  try {
    const entries: yauzl.Entry[] = [];
    let declared = 0;
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      declared += entry.uncompressedSize;
      if (declared > maxInflatedBytes) throw tooLarge(`its parts declare at least ${formatMb(declared)}`);
      entries.push(entry);
    }
    let inflated = 0;
    for (const entry of entries) {
      if (entry.fileName.endsWith('/')) continue;
      const stream = await zip.openReadStreamPromise(entry);
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        inflated += chunk.length;
        if (inflated > maxInflatedBytes) {
          stream.destroy();
          throw tooLarge('counted while unpacking; the sizes it declares are false');
        }
      }
    }
  } catch (error) {
    if (error instanceof LoadError) throw error;
    throw new LoadError(path, `not a valid .docx file (${(error as Error).message})`, { code: 'DOCX_INVALID', cause: error });
  } finally {
    zip.close();
  }
}

function nextEntry(zip: yauzl.ZipFile): Promise<yauzl.Entry | undefined> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
    };
    const onEntry = (entry: yauzl.Entry) => (cleanup(), resolve(entry));
    const onEnd = () => (cleanup(), resolve(undefined));
    const onError = (error: Error) => (cleanup(), reject(error));
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

function formatMb(bytes: number): string {
  return `${Math.round(bytes / 1048576)} MB`;
}
