// SPDX-License-Identifier: MIT
import { choiceSetting, type Setting } from '@osiris/registry';
import { parseSeconds } from './duration';

/** `--log-level` / `OSIRIS_LOG_LEVEL`: `info` or `debug` (more notes in the run log). */
export const logLevelSetting = choiceSetting('--log-level', 'OSIRIS_LOG_LEVEL', ['info', 'debug']);

/** `--redaction` / `OSIRIS_REDACTION_STRATEGY`: how secrets are masked, beating the cards' `redaction.strategy`. */
export const redactionSetting = choiceSetting('--redaction', 'OSIRIS_REDACTION_STRATEGY', ['fixed', 'hash']);

/** `--idle-timeout` / `OSIRIS_IDLE_TIMEOUT`: seconds a sink waits for its source (0 forever), in milliseconds. */
export const idleTimeoutSetting: Setting<number> = {
  flag: '--idle-timeout',
  env: 'OSIRIS_IDLE_TIMEOUT',
  parse: parseSeconds,
  expected: 'a number of seconds',
  example: '600',
};
