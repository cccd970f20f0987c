// A reference for the one-connection cases: a Node `net` server that pipes each client connection's
// bytes to a connection of its own to UPSTREAM_URL's host and port, and back. No HTTP is parsed or
// written, so what it adds over the direct path is the extra hop through the kernel and Node's event
// loop and sockets; what the bare forwarder adds beyond it is Node's HTTP, on both sides.
//
// Run by bench/run.mjs via fork (reports its port over IPC); alone:
// `UPSTREAM_URL=http://127.0.0.1:8080 PORT=8082 node bench/byte-relay.mjs`.
import net from "node:net";
import { listenForBench } from "./common.mjs";

const upstream = new URL(process.env.UPSTREAM_URL);

const server = net.createServer({ noDelay: true }, (client) => {
  const socket = net.connect({ host: upstream.hostname, port: Number(upstream.port), noDelay: true });
  client.pipe(socket);
  socket.pipe(client);
  // pipe() passes no failures on: either side gone, the other is closed too.
  client.once("close", () => socket.destroy());
  socket.once("close", () => client.destroy());
  client.on("error", () => socket.destroy());
  socket.on("error", () => client.destroy());
});

listenForBench(server, (port) => `byte relay on 127.0.0.1:${port} -> ${upstream.host}`);
