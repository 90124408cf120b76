// The ceiling of the reject scenario under the users' stack: Express 5 alone, checking the
// same HMAC over the same raw body and answering the same 401, with no Nest, no guard, no
// logging, no metrics. Prints its port; bench/scenarios/reject.ts measures it like hookdeploy.
import express from 'express';
import { createHmac, timingSafeEqual } from 'node:crypto';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/github', (req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const expected = createHmac('sha256', 'bench-secret').update(Buffer.concat(chunks)).digest();
    const header = String(req.headers['x-hub-signature-256'] ?? '');
    const received = Buffer.from(header.slice('sha256='.length), 'hex');
    if (received.length === expected.length && timingSafeEqual(received, expected)) res.status(202).json({});
    else res.status(401).json({ error: 'X-Hub-Signature-256 does not match the body' });
  });
});
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
