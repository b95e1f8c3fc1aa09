// SPDX-License-Identifier: MIT
export { mysqlTableConnector } from './connector';
export type { MysqlErrorReason } from './errors';
export { isMysqlConnectorError, MYSQL_ERROR_REASONS, MysqlConnectorError } from './errors';
