// A minimal Lambda runtime loop for the Node comparator, the counterpart of
// bench/baseline/bootstrap.py: load the handler (the init phase), then poll the Runtime API
// for an event, call the handler, post its answer, as Lambda's Node.js runtime does. It uses
// only node:http, lighter than the real runtime client, so the comparison it gives is, if
// anything, kind to Node.
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const BASE = "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        host,
        port,
        method,
        path: `${BASE}${urlPath}`,
        agent,
        headers: data ? { "content-type": "application/json", "content-length": data.length } : {},
      },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

function errorBody(e) {
  return {
    errorMessage: String(e?.message ?? e),
    errorType: e?.name ?? "Error",
    stackTrace: String(e?.stack ?? "").split("\n"),
  };
}

async function main() {
  const [moduleName, functionName] = (process.env._HANDLER ?? "handler.handler").split(/\.(?=[^.]+$)/);
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  let handler;
  try {
    const module = await import(pathToFileURL(path.join(root, `${moduleName}.mjs`)).href);
    handler = module[functionName];
    if (typeof handler !== "function") {
      throw new Error(`${moduleName}.${functionName} is not a function`);
    }
  } catch (e) {
    // An init error, as Lambda reports it.
    await request("POST", "/init/error", errorBody(e));
    throw e;
  }
  for (;;) {
    const next = await request("GET", "/invocation/next");
    const requestId = next.headers["lambda-runtime-aws-request-id"];
    const event = JSON.parse(next.body);
    try {
      const result = await handler(event, {});
      await request("POST", `/invocation/${requestId}/response`, result);
    } catch (e) {
      await request("POST", `/invocation/${requestId}/error`, errorBody(e));
    }
  }
}

await main();
