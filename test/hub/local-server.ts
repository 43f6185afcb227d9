/** An http.Server on 127.0.0.1 whose close() also ends open connections, so afterAll never hangs. */
import * as http from 'http';
import type { AddressInfo, Socket } from 'net';

export class LocalServer {
  private readonly sockets = new Set<Socket>();

  private constructor(readonly server: http.Server) {
    server.on('connection', (s) => this.track(s));
  }

  static async listen(server: http.Server): Promise<LocalServer> {
    const local = new LocalServer(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return local;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Also closes `socket` on close() (e.g. a proxy's upstream connection). */
  track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
