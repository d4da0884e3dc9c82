// Everything that matters happens through here once: the audit log, metrics and tests subscribe.
import { EventEmitter } from 'node:events';
import type { AuditEvent, AuditRepository } from '../store/audit.ts';

export type GatehouseEvent = AuditEvent;

export class Events extends EventEmitter<{ event: [GatehouseEvent] }> {
  readonly #audit: AuditRepository;
  constructor(audit: AuditRepository) {
    super();
    this.#audit = audit;
  }

  emitEvent(e: GatehouseEvent): void {
    this.#audit.record(e);
    this.emit('event', e);
  }
}
