// SPDX-License-Identifier: MIT
export { supabaseTableConnector } from './connector';
export type { SupabaseErrorReason } from './errors';
export { isSupabaseConnectorError, SUPABASE_ERROR_REASONS, SupabaseConnectorError } from './errors';
export { postgresTypeFor } from './types';
