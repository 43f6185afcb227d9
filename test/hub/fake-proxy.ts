/** A forwarding HTTP proxy on 127.0.0.1: absolute-form requests and CONNECT tunnels, logged. */
import * as http from 'http';
import * as net from 'net';
import { LocalServer } from './local-server';

export class FakeProxy {
  /** `GET http://...` or `CONNECT host:port`, plus the Proxy-Authorization seen. */
  readonly log: { line: string; auth?: string }[] = [];
  private local!: LocalServer;

  static async start(): Promise<FakeProxy> {
    const proxy = new FakeProxy();
    const server = http.createServer((req, res) => proxy.forward(req, res));
    server.on('connect', (req: http.IncomingMessage, client: net.Socket) => proxy.tunnel(req, client));
    proxy.local = await LocalServer.listen(server);
    return proxy;
  }

  get url(): string {
    return this.local.url;
  }

  close(): Promise<void> {
    return this.local.close();
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
    this.local.track(upstream);
    upstream.once('error', () => client.destroy());
    client.once('error', () => upstream.destroy());
  }
}
