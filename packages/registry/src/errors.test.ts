// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { CONNECTOR_ERROR_REASONS, ConnectorError, isConnectorErrorNamed } from './connector-error';
import { EXIT_CODES, ExitCode, exitCodeOf, isOsirisError, OsirisErrorCode } from './errors';

describe('EXIT_CODES', () => {
  it('lists every code of ExitCode once, with its name and a description, lowest first', () => {
    expect(EXIT_CODES.map((row) => [row.name, row.code])).toEqual(
      Object.entries(ExitCode).sort(([, a], [, b]) => a - b),
    );
    expect(EXIT_CODES.map((row) => row.code)).toEqual([0, 1, 2, 3, 4, 5, 130]);
    for (const row of EXIT_CODES) expect(row.description).toMatch(/^[a-z]/);
  });

  it('says what an interruption leaves behind', () => {
    expect(EXIT_CODES.find((row) => row.code === ExitCode.Interrupted)?.description).toBe(
      'interrupted (Ctrl-C, SIGTERM, SIGHUP); the target is left unchanged',
    );
  });
});

type CsvReason = (typeof CONNECTOR_ERROR_REASONS)[keyof typeof CONNECTOR_ERROR_REASONS] | 'CONNECTOR_PARSE_FAILED';

/** A connector's error class with a reason of its own, as a connector package writes it. */
class CsvError extends ConnectorError<CsvReason> {
  override readonly name = 'CsvError';
}

describe('ConnectorError', () => {
  it.each([
    [CONNECTOR_ERROR_REASONS.CONFIG_INVALID, OsirisErrorCode.Config, ExitCode.Config],
    [CONNECTOR_ERROR_REASONS.ABORTED, OsirisErrorCode.Interrupted, ExitCode.Interrupted],
    [CONNECTOR_ERROR_REASONS.TABLE_NOT_FOUND, OsirisErrorCode.Run, ExitCode.Run],
    [CONNECTOR_ERROR_REASONS.CONNECTION_FAILED, OsirisErrorCode.Run, ExitCode.Run],
    ['CONNECTOR_PARSE_FAILED', OsirisErrorCode.Run, ExitCode.Run],
  ] as const)('maps %s onto %s (exit %i)', (reason, code, exit) => {
    const error = new CsvError(reason, 'src', 'csv step src: it failed');
    expect(error).toMatchObject({ reason, code, stepId: 'src', name: 'CsvError', retryable: undefined });
    expect(exitCodeOf(error)).toBe(exit);
  });

  it("takes an explicit code for a reason of the connector's own", () => {
    const error = new CsvError('CONNECTOR_PARSE_FAILED', 'src', 'outside', { code: OsirisErrorCode.Config });
    expect(error.code).toBe(OsirisErrorCode.Config);
    expect(exitCodeOf(error)).toBe(ExitCode.Config);
  });

  it('keeps the cause, the hint and retryable, and is an OsirisError recognised by name', () => {
    const cause = new Error('ECONNRESET');
    const error = new CsvError(CONNECTOR_ERROR_REASONS.WRITE_FAILED, 'dst', 'write failed', {
      cause,
      hint: 'Run it again.',
      retryable: false,
    });
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ cause, hint: 'Run it again.', retryable: false });
    expect(isOsirisError(error)).toBe(true);
    expect(isConnectorErrorNamed(error, 'CsvError')).toBe(true);
    expect(isConnectorErrorNamed(error, 'MysqlConnectorError')).toBe(false);
    // Another copy of the package: the same brand and name, another class.
    const copy = Object.assign(new Error('x'), { name: 'CsvError', [Symbol.for('osiris.error')]: true });
    expect(isConnectorErrorNamed(copy, 'CsvError')).toBe(true);
    expect(isConnectorErrorNamed(new Error('x'), 'Error')).toBe(false);
  });
});
