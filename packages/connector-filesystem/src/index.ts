// SPDX-License-Identifier: MIT
export { filesystemCsvConnector } from './connector';
export type { FilesystemConnectorErrorCode, FilesystemErrorLocation } from './errors';
export { FILESYSTEM_ERROR_CODES, FilesystemConnectorError, isFilesystemConnectorError } from './errors';
