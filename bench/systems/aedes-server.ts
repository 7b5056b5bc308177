import * as net from 'node:net';

/**
 * Aedes, in memory, as a process of its own: `node aedes-server.js PORT`.
 * The bench starts it pinned to the system CPU.
 */
async function main(): Promise<void> {
  const port = Number(process.argv[2]);
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = net.createServer((socket) => broker.handle(socket));
  server.listen(port, '127.0.0.1');
  const stop = (): void => {
    server.close();
    broker.close(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
