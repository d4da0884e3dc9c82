import type { FetchLike } from '../http.ts';

/** Everything the CLI touches outside itself, so tests can run it in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Reads a secret (password, client secret): piped stdin, or a prompt without echo on a terminal. */
  readSecret: (prompt: string) => Promise<string>;
  env: Record<string, string | undefined>;
  fetch?: FetchLike;
  /** Opens a URL in the person's browser (`gatehouse login`); default the platform's opener. */
  openBrowser?: (url: string) => void | Promise<void>;
}

async function readAll(stream: NodeJS.ReadStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** One line from the terminal with echo off. */
function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (error?: Error): void => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string): void => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new Error('cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else value += char;
      }
    };
    input.on('data', onData);
  });
}

export function defaultIo(): CliIo {
  return {
    stdout: (text) => { process.stdout.write(text); },
    stderr: (text) => { process.stderr.write(text); },
    readSecret: async (prompt) => {
      if (process.stdin.isTTY) return promptHidden(prompt);
      return readAll(process.stdin); // piped: `printf %s "$PW" | gatehouse login ...`
    },
    env: process.env,
  };
}
