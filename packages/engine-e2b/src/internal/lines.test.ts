// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { createLineSplitter } from './lines';

describe('createLineSplitter', () => {
  it('joins lines cut across chunks and drops the newline', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((line) => lines.push(line));
    for (const chunk of ['{"a":', '1}\n{"b"', ':2}\r\n\n', 'tail']) splitter.push(chunk);
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '']);
    splitter.end();
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '', 'tail']);
    splitter.end();
    expect(lines).toHaveLength(4);
  });
});
