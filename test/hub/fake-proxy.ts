/** A forwarding HTTP proxy on 127.0.0.1: absolute-form requests and CONNECT tunnels, logged. */
import * as http from 'http';
import * as net from 'net';
import type { AddressInfo } from 'net';

export class FakeProxy {
  /** `GET http://...` or `CONNECT host:port`, plus the Proxy-Authorization seen. */
  readonly log: { line: string; auth?: string }[] = [];
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: http.Server) {
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    server.on('request', (req, res) => this.forward(req, res));
    server.on('connect', (req: http.IncomingMessage, client: net.Socket) => this.tunnel(req, client));
  }

  static async start(): Promise<FakeProxy> {
    const proxy = new FakeProxy(http.createServer());
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.log.push({ line: `${req.method} ${req.url}`, auth: req.headers['proxy-authorization'] });
    const target = new URL(req.url!);
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode!, answer.headers);
      answer.pipe(res);
    });
    upstream.once('error', () => res.destroy());
    req.pipe(upstream);
  }

  private tunnel(req: http.IncomingMessage, client: net.Socket): void {
    this.log.push({ line: `CONNECT ${req.url}`, auth: req.headers['proxy-authorization'] });
    const [host, port] = req.url!.split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    this.sockets.add(upstream);
    upstream.once('close', () => this.sockets.delete(upstream));
    upstream.once('error', () => client.destroy());
    client.once('error', () => upstream.destroy());
  }
}
