/**
 * A DynamoDB-compatible HTTP server that runs in this very process (dynalite, in the local control
 * plane) can also be reached without a socket: its request listener is called directly with the
 * method, path, headers and body the SDK would have sent over the wire, and its status, headers and
 * body come back as the HTTP answer. Everything the server does with a request (its checks of the
 * target, the signature headers and the input, the operation itself) runs as before; only TCP and
 * HTTP framing on both sides are skipped, a large part of what a local call costs besides the work.
 *
 * `serveInProcess` registers a listening server under its endpoint URL; `documentClient` (dynamo.ts)
 * takes the in-process handler when its endpoint is registered. Nothing here runs in Lambda: no
 * endpoint is ever registered there.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, OutgoingHttpHeader, Server, ServerResponse } from 'node:http';
import { HttpResponse, type HttpRequest } from '@smithy/core/transport';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** The part of the SDK's HTTP handler interface a client calls. */
export interface InProcessHandler {
  metadata: { handlerProtocol: string };
  handle(request: HttpRequest, options?: { abortSignal?: { aborted: boolean } }): Promise<{ response: HttpResponse }>;
  updateHttpClientConfig(key: never, value: never): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
}

const handlers = new Map<string, InProcessHandler>();

/** The in-process handler of the server listening at `endpoint`, when this process runs it. */
export function inProcessHandlerFor(endpoint: string | undefined): InProcessHandler | undefined {
  return endpoint === undefined ? undefined : handlers.get(endpoint.replace(/\/+$/, ''));
}

/**
 * Lets clients built afterwards for `endpoint` call `server`'s request listener directly, until the
 * server closes. The server keeps listening for everyone else.
 */
export function serveInProcess(endpoint: string, server: Server): void {
  const listener = server.listeners('request')[0] as Listener | undefined;
  if (!listener) throw new Error(`The server at ${endpoint} has no request listener`);
  const key = endpoint.replace(/\/+$/, '');
  // Clients built meanwhile keep the handler: once the server stops listening it refuses them, as a
  // closed port would, instead of handing requests to a store that is shutting down.
  handlers.set(key, inProcessHandler(listener, () => server.listening, key));
  server.once('close', () => handlers.delete(key));
}

function headerValue(value: OutgoingHttpHeader): string {
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** What the listener reads of a request: method, URL, headers (lower-cased, as node:http gives them) and the body's events. */
class InProcessRequest extends EventEmitter {
  readonly httpVersion = '1.1';
  readonly complete = true;
  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: Record<string, string>,
  ) {
    super();
  }
}

/** What the listener writes of an answer: status, headers and the body handed to `end`. */
class InProcessResponse {
  statusCode = 200;
  statusMessage = '';
  headersSent = false;
  private readonly headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];

  constructor(private readonly done: (res: InProcessResponse) => void) {}

  setHeader(name: string, value: OutgoingHttpHeader): this {
    this.headers[name.toLowerCase()] = headerValue(value);
    return this;
  }
  getHeader(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }
  removeHeader(name: string): void {
    delete this.headers[name.toLowerCase()];
  }
  writeHead(statusCode: number, headers?: Record<string, OutgoingHttpHeader>): this {
    this.statusCode = statusCode;
    for (const [name, value] of Object.entries(headers ?? {})) this.setHeader(name, value);
    this.headersSent = true;
    return this;
  }
  write(chunk: string | Uint8Array): boolean {
    this.chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
    return true;
  }
  end(chunk?: string | Uint8Array): this {
    if (chunk !== undefined) this.write(chunk);
    this.headersSent = true;
    this.done(this);
    return this;
  }
  answer(): HttpResponse {
    const body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    return new HttpResponse({ statusCode: this.statusCode, reason: this.statusMessage, headers: { ...this.headers }, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength) });
  }
}

function queryString(query: HttpRequest['query']): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      parts.push(v === null || v === undefined ? encodeURIComponent(name) : `${encodeURIComponent(name)}=${encodeURIComponent(v)}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function abortError(): Error {
  return Object.assign(new Error('Request aborted'), { name: 'AbortError' });
}

/** What a client sees of a server that no longer listens: the error of a refused connection, which the SDK retries like one. */
function refused(endpoint: string): Error {
  return Object.assign(new Error(`connect ECONNREFUSED ${endpoint}`), { code: 'ECONNREFUSED' });
}

export function inProcessHandler(listener: Listener, listening: () => boolean = () => true, endpoint = 'in-process'): InProcessHandler {
  return {
    metadata: { handlerProtocol: 'http/1.1' },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
    handle(request, options = {}) {
      if (options.abortSignal?.aborted) return Promise.reject(abortError());
      if (!listening()) return Promise.reject(refused(endpoint));
      return new Promise((resolve, reject) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
        const raw: unknown = request.body;
        if (raw !== undefined && raw !== null && typeof raw !== 'string' && !(raw instanceof Uint8Array)) {
          reject(new Error('The in-process handler sends string and byte bodies only'));
          return;
        }
        // A view, not Buffer.from(bytes): the SDK's JSON body is a byte array that also poses as a string.
        const body = raw === undefined || raw === null ? undefined : typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
        if (body !== undefined) headers['content-length'] ??= String(body.byteLength);
        const req = new InProcessRequest(request.method, `${request.path}${queryString(request.query)}`, headers);
        const res = new InProcessResponse((r) => resolve({ response: r.answer() }));
        // The body arrives after the listener has attached its handlers, as from a socket.
        setImmediate(() => {
          try {
            listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
            if (body !== undefined && body.byteLength > 0) req.emit('data', body);
            req.emit('end');
          } catch (err) {
            reject(err as Error);
          }
        });
      });
    },
  };
}
