/**
 * A client of the live channel (GET /rest/v1/events) for tests: reads server-sent-event frames as
 * they arrive and waits for a pattern, without timers of its own.
 */
/** An open event stream: reads SSE frames as they arrive. */
export class EventStream {
  private text = '';
  private waiting: Array<() => void> = [];
  private closed = false;
  constructor(
    readonly response: Response,
    readonly abort: AbortController,
  ) {
    void this.pump();
  }
  private async pump() {
    const reader = this.response.body!.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.text += decoder.decode(value, { stream: true });
        this.wake();
      }
    } catch {
      // aborted
    }
    this.closed = true;
    this.wake();
  }
  private wake() {
    for (const w of this.waiting.splice(0)) w();
  }
  /** Resolves once the stream's text matches (or it ended). */
  async until(pattern: RegExp): Promise<string> {
    while (!pattern.test(this.text) && !this.closed) await new Promise<void>((r) => this.waiting.push(r));
    return this.text;
  }
  /** Resolves once the stream ended. */
  async finished(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiting.push(r));
  }
  get ended() {
    return this.closed;
  }
  /** The `change` events received so far, parsed. */
  changes(): Array<Array<{ kind: string; id?: string }>> {
    return [...this.text.matchAll(/event: change\ndata: (.*)\n\n/g)].map((m) => JSON.parse(m[1]!).changes);
  }
  /** The whole body (a refusal's JSON), once it ended. */
  async json(): Promise<any> {
    await this.finished();
    return JSON.parse(this.text);
  }
  /** Forget what was read. */
  reset() {
    this.text = '';
  }
}
