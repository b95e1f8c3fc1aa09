// SPDX-License-Identifier: MIT
export type {
  ColumnDescriptor,
  ColumnKind,
  Connector,
  DiscoveredColumn,
  DiscoveredTable,
  DiscoverOptions,
  LogLevel,
  Row,
  StepContext,
  StepReporter,
  TabularStream,
  WriteResult,
} from './contracts';
