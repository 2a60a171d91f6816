/** A message the development outbox kept instead of sending it. */
export interface OutboxMessage {
  id: number;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  sentAt: Date;
}

/** Development only: the last 200 messages, in memory, newest first. */
export class DevOutbox {
  private readonly messages: OutboxMessage[] = [];
  private next = 1;

  add(message: Omit<OutboxMessage, 'id' | 'sentAt'>): number {
    const id = this.next++;
    this.messages.unshift({ ...message, id, sentAt: new Date() });
    this.messages.length = Math.min(this.messages.length, 200);
    return id;
  }

  list(): readonly OutboxMessage[] {
    return this.messages;
  }

  get(id: number): OutboxMessage | undefined {
    return this.messages.find((m) => m.id === id);
  }
}
