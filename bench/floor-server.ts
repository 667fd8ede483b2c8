/**
 * The floor of bench:serve: a bare node:http server that reads the request body and answers a fixed
 * JSON. No framework, no model: what Node's HTTP alone carries on this machine, in the same run.
 */
import { createServer } from 'node:http';

const BODY = Buffer.from('{"predictions":[{"label":"8471","score":0.93,"top":[{"label":"8471","score":0.93}]}]}');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': BODY.length });
    res.end(BODY);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2]), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
