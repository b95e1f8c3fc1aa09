// SPDX-License-Identifier: MIT
export { filesystemCsvConnector } from './connector';
export type { FilesystemErrorLocation, FilesystemErrorReason } from './errors';
export { FILESYSTEM_ERROR_REASONS, FilesystemConnectorError, isFilesystemConnectorError } from './errors';
