// SPDX-License-Identifier: MIT
// `osiris chat` on the bus: each request is an INTENT on `intent`, each draft an OML_DRAFT on `oml.generated` and
// its validation a VALIDATION_REPORT on `validation.reports`, all with the session id as correlation id (ADR 0019).
// @osiris/chat publishes nothing itself (ADR 0005); the CLI composes it with the bus.
import type { ChatEvent } from '@osiris/chat';
import {
  type Bus,
  createEnvelope,
  type EnvelopePayload,
  type EnvelopeSource,
  type EnvelopeType,
  type Topic,
} from '@osiris/runner';
import type { Output } from './output';

export interface ChatPublisher {
  intent(text: string): void;
  onEvent(event: ChatEvent): void;
}

export function chatPublisher(bus: Bus, sessionId: () => string, output: Output): ChatPublisher {
  const publish = (topic: Topic, source: EnvelopeSource, type: EnvelopeType, payload: EnvelopePayload) => {
    const session = sessionId();
    const envelope = createEnvelope({ source, type, correlationId: session, payload, context: { session } });
    // Whatever a subscriber keeps has passed the command's redactor (API key, connection secrets).
    void bus.publish(topic, JSON.parse(output.redact(JSON.stringify(envelope))));
  };
  let turn = 0;
  return {
    intent(text) {
      turn += 1;
      publish('intent', 'chat', 'INTENT', { kind: 'intent', turn, text });
    },
    onEvent(event) {
      if (event.type !== 'round') return;
      const { round } = event;
      publish('oml.generated', 'generator', 'OML_DRAFT', {
        kind: 'draft',
        turn: round.turn,
        round: round.round,
        via: round.via,
        yaml: round.yaml,
      });
      publish('validation.reports', 'validator', 'VALIDATION_REPORT', {
        kind: 'validation',
        valid: round.ok,
        turn: round.turn,
        round: round.round,
        summary: round.summary,
        diagnostics: round.diagnostics.map((d) => ({ ...d })),
      });
    },
  };
}
