// The embedded default database: PGlite (PostgreSQL compiled to WebAssembly) kept in a folder
// under .data/ and served over the PostgreSQL wire protocol with @electric-sql/pglite-socket,
// so the `pg` driver, MikroORM and our migrations run unchanged against it.
//
// PGlite has a single backend, so connections are multiplexed. pglite-socket's own queue only
// keeps a connection's messages together inside an explicit transaction; the extended query
// protocol (Parse/Bind/Execute ... Sync) that `pg` uses for every parameterised query must also
// not interleave, or one client's Bind lands on another client's unnamed statement. The queue
// below gives a connection the backend from its first extended-protocol message until its Sync
// (and for as long as it holds a transaction open), and keeps serving after a failed message.
import { createServer, type Server } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';

type OnData = (data: Uint8Array) => void;
interface Pending {
  handlerId: number;
  message: Uint8Array;
  onData: OnData;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
}

const SYNC = 0x53; // 'S'
const SIMPLE_QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'
// Parse, Bind, Describe, Execute, Close, Flush, FunctionCall: the middle of a protocol cycle.
const EXTENDED = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48, 0x46]);

function simpleQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const message = Buffer.alloc(5 + text.length);
  message[0] = SIMPLE_QUERY;
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return new Uint8Array(message);
}

function isStartupMessage(message: Uint8Array): boolean {
  // Startup, SSL and cancel requests have no type byte: Int32 length then Int32 code.
  if (message.length < 8) return false;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  return view.getInt32(0) === message.length;
}

export class ProtocolAwareQueue {
  private readonly pending: Pending[] = [];
  private processing = false;
  private owner: number | null = null;
  private readonly db: PGlite;
  constructor(db: PGlite) {
    this.db = db;
  }

  enqueue(handlerId: number, message: Uint8Array, onData: OnData): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ handlerId, message, onData, resolve, reject });
      void this.process();
    });
  }

  private next(): Pending | undefined {
    if (this.owner === null) return this.pending.shift();
    const i = this.pending.findIndex((p) => p.handlerId === this.owner);
    return i === -1 ? undefined : this.pending.splice(i, 1)[0];
  }

  private async process(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      for (let item = this.next(); item; item = this.next()) {
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
          item.resolve(bytes);
        } catch (err) {
          item.reject(err);
        }
        this.updateOwner(item);
      }
    } finally {
      this.processing = false;
    }
  }

  private updateOwner(item: Pending): void {
    if (isStartupMessage(item.message)) return;
    const type = item.message[0];
    if (type === TERMINATE) {
      // A client that says goodbye inside a transaction keeps the backend until its socket
      // closes and clearTransactionIfNeeded rolls the transaction back.
      if (this.owner === item.handlerId && !this.db.isInTransaction()) this.owner = null;
    } else if (type === SYNC || type === SIMPLE_QUERY) {
      this.owner = this.db.isInTransaction() ? item.handlerId : null;
    } else if (type !== undefined && EXTENDED.has(type)) {
      this.owner = item.handlerId;
    }
  }

  getQueueLength(): number {
    return this.pending.length;
  }

  clearQueueForHandler(handlerId: number): void {
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i]!;
      if (p.handlerId === handlerId) {
        this.pending.splice(i, 1);
        p.reject(new Error('connection closed'));
      }
    }
  }

  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.owner !== handlerId) return;
    // The client went away mid-cycle or mid-transaction: end both before anyone else runs.
    // Raw protocol messages only: db.exec would wait for the mutex we already hold.
    await this.db.runExclusive(async () => {
      await this.db.execProtocolRawStream(new Uint8Array([SYNC, 0, 0, 0, 4]), { onRawData: () => {} });
      if (this.db.isInTransaction())
        await this.db.execProtocolRawStream(simpleQuery('ROLLBACK'), { onRawData: () => {} });
    });
    this.owner = null;
    void this.process();
  }
}

export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: {
  dataDir?: string; // omitted: in memory
  port: number;
  host?: string;
}): Promise<EmbeddedPostgres> {
  const db = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
  const queue = new ProtocolAwareQueue(db);
  const handlers = new Set<PGLiteSocketHandler>();
  const host = opts.host ?? '127.0.0.1';
  const server: Server = createServer((socket) => {
    // The handler's option type names pglite-socket's internal queue class; ours has its shape.
    const handler = new PGLiteSocketHandler({ queryQueue: queue as never, closeOnDetach: true });
    handlers.add(handler);
    const forget = () => handlers.delete(handler);
    handler.addEventListener('close', forget);
    handler.addEventListener('error', forget);
    handler.attach(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `postgres://postgres@${host}:${port}/postgres`,
    port,
    async stop() {
      for (const h of handlers) await h.detach(true);
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}
