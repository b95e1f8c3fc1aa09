// SPDX-License-Identifier: MIT
export { canonicalJson, fingerprintOf, sortKeys } from './canonical';
export type { ConnectorErrorOptions, ConnectorErrorReason } from './connector-error';
export { CONNECTOR_ERROR_REASONS, ConnectorError, isConnectorErrorNamed } from './connector-error';
export type { Diagnostic, Severity } from './diagnostics';
export { hasErrors, joinPointer, pointerSegments, pointerToPath, valueAt } from './diagnostics';
export type { ExitCodeInfo, OsirisErrorOptions } from './errors';
export {
  EXIT_CODES,
  ExitCode,
  errorCodeOfExit,
  exitCodeOf,
  isOsirisError,
  OsirisError,
  OsirisErrorCode,
} from './errors';
export type { FriendlyContext } from './friendly';
export { friendlyErrors } from './friendly';
export { inlineYaml } from './inline-yaml';
export {
  builtinComponentsDir,
  lintComponentsDir,
  loadRegistry,
  loadSpecSchema,
  readSpecSources,
  stampBuiltinComponents,
} from './loader';
export type { RedactOptions, Redactor } from './redact';
export { createRedactor, isCredentialField, isSecretEnvName, isSecretName, redact, secretParts } from './redact';
export type { LintResult, Registry, SpecSource, StepValidation } from './registry';
export { createRegistry, lintSpecs } from './registry';
export type { SchemaCheck } from './schema-validator';
export { compileSchema, createSchemaValidator, sharedAjv } from './schema-validator';
export type { Setting, SettingSources } from './settings';
export { choiceSetting, resolveSetting } from './settings';
export type {
  ComponentConstraint,
  ComponentExample,
  ComponentSpec,
  ConstraintRule,
  RedactionStrategy,
  StepInput,
  StepMode,
} from './spec';
export { didYouMean } from './suggest';
export type { YamlLimits, YamlSource } from './yaml-source';
export { locateDiagnostic, parseYamlSource, YAML_LIMITS } from './yaml-source';
