import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import PDFDocument from 'pdfkit';
import { describe, expect, test } from 'vitest';
import { runCli } from '../src/cli/run-cli.js';
import { memoryCtx } from './server-fixture.js';
import { DATA_DIR, tempDir } from './temp-dir.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '..', 'dist', 'src', 'cli', 'bin.js');

function pdf(options: PDFKit.PDFDocumentOptions, draw: (doc: PDFKit.PDFDocument) => void): Promise<Buffer> {
  return new Promise((resolvePdf) => {
    const doc = new PDFDocument(options);
    const parts: Buffer[] = [];
    doc.on('data', (b: Buffer) => parts.push(b));
    doc.on('end', () => resolvePdf(Buffer.concat(parts)));
    draw(doc);
    doc.end();
  });
}

/** The hostile corpus, made by the test. Returns the names (relative to root) of every regular file in it. */
async function makeHostileCorpus(root: string, outside: string): Promise<string[]> {
  const files: Record<string, Buffer | string> = {
    'empty.md': '',
    'binary.txt': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
    'latin1.txt': Buffer.from('Caf\xe9 cr\xe8me br\xfbl\xe9e is served on Fridays.\n', 'latin1'),
    // 2 MB: 32 times the chunker's 64 KB window, which is the limit a single huge line has to cross.
    'huge-single-line.txt': 'lorem ipsum dolor sit amet consectetur '.repeat(54_000).slice(0, 2 * 1024 * 1024),
    'truncated.pdf': readFileSync(join(DATA_DIR, 'security', 'information-security-policy.pdf')).subarray(0, 3000),
    'encrypted.pdf': await pdf({ userPassword: 'secret', ownerPassword: 'owner', pdfVersion: '1.7' }, (d) => d.text('The vault code is 1234.')),
    'scanned.pdf': await pdf({}, (d) => d.rect(50, 50, 200, 200).fill('#333')),
    'junk.docx': Buffer.from('PK\x03\x04 this is not really a zip archive at all', 'latin1'),
    'unreadable.md': '# Secret\n\nThe unreadable file mentions the word zanzibar.\n',
    'name with spaces.md': '# Spaces\n\nFile names with spaces are fine and mention quokka.\n',
    'line\nbreak.md': '# Newline\n\nA file name with a newline mentions the word pangolin.\n',
    'заметки-日本語.md': '# Unicode\n\nНе-латинские имена файлов mention the word axolotl.\n',
    'good.md': '---\ntitle: Good\ntags: [ok]\n---\n# Good\n\nA perfectly normal document about the narwhal budget.\n',
  };
  let deep = root;
  for (let i = 0; i < 40; i++) deep = join(deep, `level-${i}`);
  mkdirSync(deep, { recursive: true });
  files[join(deep.slice(root.length + 1), 'deep.md')] = '# Deep\n\nForty folders down lives the okapi.\n';
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, name), content);
  chmodSync(join(root, 'unreadable.md'), 0o000); // unreadable, except for root
  // Unreadable for root too: a named pipe with a document's name (opening it for reading would wait forever).
  execFileSync('mkfifo', [join(root, 'pipe.md')]);
  mkdirSync(join(root, 'loop'));
  symlinkSync(root, join(root, 'loop', 'back-to-root'));
  writeFileSync(join(outside, 'secret.md'), '# Outside\n\nThe outside secret mentions the word wombat.\n');
  symlinkSync(join(outside, 'secret.md'), join(root, 'escape.md'));
  symlinkSync(outside, join(root, 'escape-dir'));
  return [...Object.keys(files), 'pipe.md'];
}

describe('hostile and broken input', () => {
  test.each([false, true])('every file indexes or is reported with a reason; symlinks never escape (followSymlinks %s)', async (follow) => {
    const work = tempDir('kb-hostile-');
    const root = join(work, 'hostile');
    const outside = join(work, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    const names = await makeHostileCorpus(root, outside);
    writeFileSync(join(work, 'kb.config.json'), JSON.stringify({ ingest: { followSymlinks: follow, fileTimeoutMs: 20_000 } }));

    const result = await run(process.execPath, [BIN, 'index', root, '--json'], { cwd: work, maxBuffer: 64 * 1024 * 1024 }).catch((e) => e as { code: number; stdout: string });
    expect((result as { code?: number }).code ?? 0).toBe(2); // partial: some files were reported
    const summary = JSON.parse(result.stdout) as { failures: Array<{ path: string; reason: string }>; skipped: Array<{ path: string; reason: string }>; files: { new: number } };
    // Reading commands in-process (runCli): the index above is the real process under test, and a process
    // per search made this test take 40 s.
    const cli = async (args: string[]) => {
      const ctx = memoryCtx(work);
      await runCli([...args, '--json'], ctx);
      return JSON.parse(ctx.out.join('')) as unknown;
    };
    const status = (await cli(['status'])) as { documents: number };

    const reported = new Map([...summary.failures, ...summary.skipped].map((f) => [f.path, f.reason]));
    const search = async (word: string) => ((await cli(['search', word])) as { results: Array<{ path: string }> }).results;
    const accounted: string[] = [];
    for (const name of names) {
      const display = `hostile/${name}`;
      const reason = reported.get(display);
      if (reason) {
        expect(reason.length, `${name}: reason`).toBeGreaterThan(5);
        accounted.push(`${name}: ${reason}`);
      } else {
        accounted.push(`${name}: indexed`);
      }
    }
    // The ones that must be refused, and why.
    expect(reported.get('hostile/empty.md')).toMatch(/empty/);
    expect(reported.get('hostile/binary.txt')).toMatch(/binary/);
    expect(reported.get('hostile/latin1.txt')).toMatch(/UTF-8/);
    expect(reported.get('hostile/truncated.pdf')).toMatch(/not a valid PDF|damaged|could not be parsed/);
    expect(reported.get('hostile/encrypted.pdf')).toMatch(/encrypted/);
    expect(reported.get('hostile/scanned.pdf')).toMatch(/no text layer/);
    expect(reported.get('hostile/junk.docx')).toMatch(/not a valid \.docx/);
    expect(reported.get('hostile/pipe.md')).toMatch(/^cannot be read: not a regular file \(a named pipe\)/);
    if (process.getuid?.() !== 0) expect(reported.get('hostile/unreadable.md')).toMatch(/^cannot be read: permission denied/);
    // The ones that must index.
    for (const word of ['narwhal', 'quokka', 'pangolin', 'axolotl', 'okapi']) expect((await search(word)).length, word).toBeGreaterThan(0);
    expect(status.documents).toBeGreaterThanOrEqual(6); // good, spaces, newline, unicode, deep, huge (+ unreadable as root)
    // Symlinks: never outside the root, and the loop does not hang or duplicate.
    expect(await search('wombat')).toEqual([]);
    if (!follow) expect(reported.get('hostile/escape.md')).toMatch(/symbolic link/);
    else expect(reported.get('hostile/escape.md')).toMatch(/outside/);
    const paths = (await search('narwhal')).map((r) => r.path);
    expect(new Set(paths).size).toBe(paths.length);
    expect(existsSync(join(work, '.kb', 'kb.sqlite'))).toBe(true);
    console.log(`hostile files (followSymlinks ${follow}): ${names.length} tried, all accounted for:\n  ${accounted.join('\n  ').replace(/\n(?! )/g, '\\n')}`);
  }, 180_000);
});
