// A webhook receiver for Charta's tests. It checks every delivery with the
// Standard Webhooks reference library (npm `standardwebhooks`), which is what
// a group's own receiver would use, and appends one JSON line per request to
// the log file: {"id", "verified", "error", "body"}.
//
//   node receiver.mjs PORT SECRET LOG [FAIL_FIRST]
//
// With FAIL_FIRST = n, the first n deliveries are answered 500 (after being
// logged), to exercise retries. Prints "ready PORT" once it listens.
import { createServer } from "node:http";
import { appendFileSync } from "node:fs";
import { Webhook } from "standardwebhooks";

const [port, secret, log, failFirst] = process.argv.slice(2);
const hook = new Webhook(secret);
let toFail = Number(failFirst || 0);

const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    let verified = false;
    let error = null;
    try {
      hook.verify(body, req.headers);
      verified = true;
    } catch (e) {
      error = String(e && e.message ? e.message : e);
    }
    appendFileSync(
      log,
      JSON.stringify({ id: req.headers["webhook-id"] || null, verified, error, body }) + "\n",
    );
    if (!verified) {
      res.writeHead(400).end(error);
    } else if (toFail > 0) {
      toFail -= 1;
      res.writeHead(500).end("failing on purpose");
    } else {
      res.writeHead(204).end();
    }
  });
});
server.listen(Number(port), "127.0.0.1", () => console.log(`ready ${port}`));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
