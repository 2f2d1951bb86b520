import type { ChildProcess } from 'node:child_process';

/** Resolves with the first match of `pattern` in what the stream has printed so far; rejects if it ends first. */
export function waitForOutput(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<RegExpMatchArray> {
  let seen = '';
  return new Promise((resolveMatch, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const m = pattern.exec(seen);
      if (m) {
        stream.off('data', onData);
        resolveMatch(m);
      }
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`ended without printing ${pattern}:\n${seen}`)));
  });
}

/** The child's exit code, once it exits. */
export function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => child.once('exit', (code) => done(code)));
}
