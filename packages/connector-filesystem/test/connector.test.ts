// SPDX-License-Identifier: MIT
import { isTransientError } from '@osiris/runner';
import { describe, expect, it } from 'vitest';
import { filesystemCsvConnector } from '../src/connector';

describe('filesystemCsvConnector declares itself', () => {
  it('has no URL scheme, stays on this machine and has no transient errors of its own', () => {
    expect(filesystemCsvConnector.urlSchemes).toEqual([]);
    expect(filesystemCsvConnector.sandbox?.({ base_dir: '/data' })).toMatch(/files on this machine/);
    const missing = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    expect(isTransientError(missing, filesystemCsvConnector)).toBe(false);
  });
});
