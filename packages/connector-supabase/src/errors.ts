// SPDX-License-Identifier: MIT
import { CONNECTOR_ERROR_REASONS, ConnectorError, isConnectorErrorNamed } from '@osiris/registry';

/** Why the Supabase connector failed: the reasons every Osiris connector shares. */
export const SUPABASE_ERROR_REASONS = {
  CONFIG_INVALID: CONNECTOR_ERROR_REASONS.CONFIG_INVALID,
  CONNECTION_FAILED: CONNECTOR_ERROR_REASONS.CONNECTION_FAILED,
  TABLE_NOT_FOUND: CONNECTOR_ERROR_REASONS.TABLE_NOT_FOUND,
  COLUMN_NOT_FOUND: CONNECTOR_ERROR_REASONS.COLUMN_NOT_FOUND,
  QUERY_FAILED: CONNECTOR_ERROR_REASONS.QUERY_FAILED,
  WRITE_FAILED: CONNECTOR_ERROR_REASONS.WRITE_FAILED,
  INPUT_FAILED: CONNECTOR_ERROR_REASONS.INPUT_FAILED,
  ABORTED: CONNECTOR_ERROR_REASONS.ABORTED,
} as const;

export type SupabaseErrorReason = (typeof SUPABASE_ERROR_REASONS)[keyof typeof SUPABASE_ERROR_REASONS];

/**
 * Every error the Supabase connector throws: a {@link ConnectorError} (code `CONFIG`,
 * `RUN` or `INTERRUPTED`) whose message says what failed, in which step and
 * table, and how to fix it; the driver's error is the `cause`. Secrets never
 * appear in the message.
 */
export class SupabaseConnectorError extends ConnectorError<SupabaseErrorReason> {
  override readonly name = 'SupabaseConnectorError';
}

/** True for a {@link SupabaseConnectorError}, also when it comes from another copy of this package. */
export function isSupabaseConnectorError(value: unknown): value is SupabaseConnectorError {
  return isConnectorErrorNamed(value, 'SupabaseConnectorError');
}
