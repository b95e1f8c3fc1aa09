// SPDX-License-Identifier: MIT
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Follows a file that another part of this process appends lines to, and hands on each whole line once. */
export interface LogTail {
  /** Starts following `file` (from its beginning). A second call is ignored. */
  open(file: string): void;
  /** Hands on every whole line written since the last call. */
  flush(): void;
  /** Flushes, hands on a last line without its newline, and stops. */
  close(): void;
}

/**
 * The remote runner's way to stream `run.log.jsonl`: the run logger writes
 * each line synchronously, so reading what was appended after every event
 * yields the very lines of the log — redacted by the same runner code — as
 * they are written. A timer catches anything written between events.
 */
export function createLogTail(onLine: (line: string) => void, intervalMs = 200): LogTail {
  let path: string | undefined;
  let fd: number | undefined;
  let position = 0;
  let rest = '';
  let timer: NodeJS.Timeout | undefined;
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(64 * 1024);

  const flush = () => {
    if (fd === undefined && path !== undefined) {
      try {
        fd = openSync(path, 'r');
      } catch {
        return; // Not written yet: the next flush tries again.
      }
    }
    if (fd === undefined) return;
    for (;;) {
      const read = readSync(fd, buffer, 0, buffer.length, position);
      if (read === 0) break;
      position += read;
      rest += decoder.write(buffer.subarray(0, read));
    }
    let newline = rest.indexOf('\n');
    while (newline >= 0) {
      const line = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (line !== '') onLine(line);
      newline = rest.indexOf('\n');
    }
  };

  return {
    open(file) {
      if (path !== undefined) return;
      path = file;
      timer = setInterval(flush, intervalMs);
      timer.unref();
      flush();
    },
    flush,
    close() {
      if (timer !== undefined) clearInterval(timer);
      flush();
      if (fd === undefined) return;
      rest += decoder.end();
      if (rest !== '') onLine(rest);
      rest = '';
      closeSync(fd);
      fd = undefined;
    },
  };
}
