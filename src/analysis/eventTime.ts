/**
 * When an engine event happened, for what shows or keeps events by time: the moment it began (a transaction's
 * command, a session's start: a session first seen through a late event starts there) or the moment it ended
 * (a transaction's answer: what a lesson note is about happened then).
 */
import type { EngineEvent } from './types.js';

export function eventStart(e: EngineEvent): number {
  switch (e.type) {
    case 'transaction':
      return e.tx.startedAt;
    case 'summary':
      return e.summary.startedAt;
    default:
      return eventEnd(e);
  }
}

export function eventEnd(e: EngineEvent): number {
  switch (e.type) {
    case 'transaction':
      return e.tx.endedAt;
    case 'summary':
      return e.summary.endedAt;
    case 'phase':
      return e.at;
    case 'command':
      return e.command.at;
    default:
      return e.t;
  }
}
