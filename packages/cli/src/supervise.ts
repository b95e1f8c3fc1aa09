// SPDX-License-Identifier: MIT
// What `osiris run` and `osiris dlq replay` share around the supervisor: the dead letter of a pipeline that
// failed validation, and the supervisor's part of `--json`.
import { resolve } from 'node:path';
import { createRedactor, isOsirisError, isSecretEnvName, OsirisErrorCode, type Redactor } from '@osiris/registry';
import {
  type Bus,
  createBus,
  deadLetterValidation,
  dlqDirOf,
  type SupervisedRunResult,
  writeDeadLetter,
} from '@osiris/runner';
import { displayPath, type Output } from './output';

/** A redactor for what the CLI persists outside a run: every secret-looking variable of the environment. */
export function environmentRedactor(env: Readonly<Record<string, string | undefined>>): Redactor {
  const secrets = Object.entries(env)
    .filter(([key, value]) => value !== undefined && value !== '' && isSecretEnvName(key))
    .map(([, value]) => value as string);
  return createRedactor({ knownSecrets: secrets });
}

/** Writes a validation failure of `osiris run` to the dead-letter queue and says where; other errors pass. */
export async function deadLetterInvalid(
  output: Output,
  error: unknown,
  options: { path: string; runsDir: string; param: readonly string[]; mode: string | undefined; bus?: Bus },
): Promise<void> {
  if (!isOsirisError(error) || error.code !== OsirisErrorCode.Validation) return;
  const file = resolve(output.io.cwd, options.path);
  try {
    const item = await deadLetterValidation({
      dlqDir: dlqDirOf(options.runsDir),
      file,
      error,
      redactor: environmentRedactor(output.io.env),
      params: options.param,
      ...(options.bus === undefined ? {} : { bus: options.bus }),
      ...(options.mode === undefined ? {} : { mode: options.mode }),
    });
    output.err(`dead letter: ${displayPath(output.io.cwd, item)} (fix the file, then osiris dlq replay)`);
  } catch (failure) {
    // The validation error is what the user must see; an unwritable queue is only mentioned.
    output.err(
      `warning: could not write the dead-letter item: ${failure instanceof Error ? failure.message : failure}`,
    );
  }
}

/** The supervisor's part of `osiris run --json`. */
export function supervisedJson(result: SupervisedRunResult) {
  return {
    correlation_id: result.correlationId,
    state: result.state,
    transitions: result.transitions,
    dead_letters: result.deadLetters,
  };
}

/** A bus whose handlers' failures go to the dead-letter queue beside `runsDir` (`reason: handler`). */
export function dlqBus(runsDir: string, env: Readonly<Record<string, string | undefined>>): Bus {
  return createBus({
    deadLetter: async (letter) => {
      await writeDeadLetter(dlqDirOf(runsDir), letter.topic, letter.envelope, environmentRedactor(env), {
        reason: 'handler',
        attempts: letter.attempts,
        error: letter.error,
      });
    },
  });
}
