// SPDX-License-Identifier: MIT
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogTail } from './tail';

describe('createLogTail', () => {
  it('hands on each whole line once, as it is appended, and the rest on close', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'osiris-tail-')), 'run.log.jsonl');
    const lines: string[] = [];
    const tail = createLogTail((line) => lines.push(line), 60_000);
    tail.open(file); // not there yet
    tail.flush();
    expect(lines).toEqual([]);
    appendFileSync(file, '{"event":"start"}\n{"event":"pro');
    tail.flush();
    expect(lines).toEqual(['{"event":"start"}']);
    appendFileSync(file, 'gress","note":"ünïcödé"}\n');
    tail.open(join(file, 'ignored-second-open'));
    tail.flush();
    tail.flush();
    expect(lines).toEqual(['{"event":"start"}', '{"event":"progress","note":"ünïcödé"}']);
    appendFileSync(file, '{"event":"end"}');
    tail.close();
    expect(lines).toEqual(['{"event":"start"}', '{"event":"progress","note":"ünïcödé"}', '{"event":"end"}']);
  });
});
