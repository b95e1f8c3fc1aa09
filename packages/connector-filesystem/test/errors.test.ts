// SPDX-License-Identifier: MIT
import { ConnectorError, ExitCode, exitCodeOf, isOsirisError } from '@osiris/registry';
import { describe, expect, it } from 'vitest';
import { FILESYSTEM_ERROR_REASONS, FilesystemConnectorError, isFilesystemConnectorError } from '../src/index';

describe('FilesystemConnectorError', () => {
  it.each([
    [FILESYSTEM_ERROR_REASONS.CONFIG_INVALID, 'CONFIG', ExitCode.Config],
    [FILESYSTEM_ERROR_REASONS.PATH_OUTSIDE_BASE_DIR, 'CONFIG', ExitCode.Config],
    [FILESYSTEM_ERROR_REASONS.FILE_NOT_FOUND, 'RUN', ExitCode.Run],
    [FILESYSTEM_ERROR_REASONS.PARSE_FAILED, 'RUN', ExitCode.Run],
    [FILESYSTEM_ERROR_REASONS.INVALID_UTF8, 'RUN', ExitCode.Run],
    [FILESYSTEM_ERROR_REASONS.VALUE_INVALID, 'RUN', ExitCode.Run],
    [FILESYSTEM_ERROR_REASONS.WRITE_FAILED, 'RUN', ExitCode.Run],
    [FILESYSTEM_ERROR_REASONS.ABORTED, 'INTERRUPTED', ExitCode.Interrupted],
  ] as const)('%s is an Osiris error with code %s (exit %i)', (reason, code, exit) => {
    const error = new FilesystemConnectorError(reason, 'step', 'message', { file: '/x.csv', line: 3 });
    expect(isOsirisError(error)).toBe(true);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ code, reason, stepId: 'step', file: '/x.csv', line: 3, retryable: false });
    expect(exitCodeOf(error)).toBe(exit);
    expect(isFilesystemConnectorError(error)).toBe(true);
  });
});
