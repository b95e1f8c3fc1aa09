// SPDX-License-Identifier: MIT
import { hostname } from 'node:os';
import type { ShownRunState, SupervisedStatusFile } from './supervisor';
import { TERMINAL_STATES } from './supervisor';

/** Heartbeats a run may miss before another host calls it abandoned. */
const MISSED_HEARTBEATS = 6;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * The state to show for a supervised run: its recorded state, or `ABANDONED` when it is not over
 * and its owner is gone — on this host a process with its pid no longer exists, on any host the
 * heartbeat is older than six beats (a run killed with -9, a machine lost).
 */
export function shownState(status: SupervisedStatusFile, now: Date = new Date()): ShownRunState {
  if (TERMINAL_STATES.includes(status.state)) return status.state;
  const { owner } = status;
  if (owner !== undefined && owner.host === hostname() && !processAlive(owner.pid)) return 'ABANDONED';
  const beat = Date.parse(status.heartbeat_at);
  const interval = typeof status.heartbeat_ms === 'number' ? status.heartbeat_ms : 5000;
  if (Number.isFinite(beat) && now.getTime() - beat > MISSED_HEARTBEATS * interval) return 'ABANDONED';
  return status.state;
}
