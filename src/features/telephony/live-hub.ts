/**
 * Server-sent events for the live queue and wallboard. Each app instance keeps its own open
 * connections, grouped by authority; what they show comes from the database, and the LiveBus says
 * when it changed (on whichever instance the change happened).
 */
import type { ServerResponse } from 'node:http';
import type { LiveBus } from '../../platform/live.js';
import type { LiveSnapshot, TelephonyService } from './telephony.service.js';

const HEARTBEAT_MS = 20_000;
/** Changes that arrive together (a call ending and its worker wrapping up) are sent as one. */
const COALESCE_MS = 50;

export class LiveHub {
  private readonly clients = new Map<string, Set<ServerResponse>>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly phone: TelephonyService,
    bus: LiveBus,
  ) {
    this.unsubscribe = bus.subscribe((authorityId) => this.changed(authorityId));
    this.heartbeat = setInterval(() => {
      for (const set of this.clients.values()) for (const res of set) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get connections(): number {
    let n = 0;
    for (const s of this.clients.values()) n += s.size;
    return n;
  }

  /** Takes over a response as an event stream and sends the current picture straight away. */
  async attach(authorityId: string, res: ServerResponse): Promise<void> {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    let set = this.clients.get(authorityId);
    if (!set) this.clients.set(authorityId, (set = new Set()));
    set.add(res);
    res.on('close', () => set.delete(res));
    res.write(frame(await this.phone.snapshot(authorityId)));
  }

  private changed(authorityId: string): void {
    if (!this.clients.get(authorityId)?.size || this.pending.has(authorityId)) return;
    this.pending.set(
      authorityId,
      setTimeout(() => {
        this.pending.delete(authorityId);
        void this.broadcast(authorityId);
      }, COALESCE_MS),
    );
  }

  private async broadcast(authorityId: string): Promise<void> {
    const set = this.clients.get(authorityId);
    if (!set?.size) return;
    try {
      const data = frame(await this.phone.snapshot(authorityId));
      for (const res of set) res.write(data);
    } catch {
      // The next change (or the bus's next read) sends a fresh picture.
    }
  }

  close(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    for (const t of this.pending.values()) clearTimeout(t);
    for (const set of this.clients.values()) for (const res of set) res.end();
    this.clients.clear();
  }
}

function frame(snapshot: LiveSnapshot): string {
  return `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
}
