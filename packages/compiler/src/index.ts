// SPDX-License-Identifier: MIT

export type { CompileOptions, CompileResult } from './compile';
export { compile, renderCompiled, renderManifest, renderStepConfig } from './compile';
export type { EngineName, ManifestStep, RunManifest, StepConfig } from './manifest';
export { ENGINE_NAME_PATTERN, manifestSchema, stepConfigSchema } from './manifest';
export type { Oml, OmlStep } from './oml';
export { OML_VERSION } from './oml';
export { omlSchema } from './oml-schema';
export type { ParamValue } from './params';
export type { CompiledFolder, ReadCompiledOptions } from './read';
export { readCompiled } from './read';
export type { ParseOmlResult, ValidateOmlOptions, ValidationMode } from './validate';
export { parseOml, validateOml } from './validate';
export { writeCompiled } from './write';
