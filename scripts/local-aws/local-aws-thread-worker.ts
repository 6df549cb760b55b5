import { parentPort, workerData } from "node:worker_threads";
import { startLocalAws, type LocalService } from "./local-aws";
import type { ServicesReply, ServicesRequest } from "./local-aws-thread";

const port = parentPort;
if (!port) {
  throw new Error("local-aws-thread-worker runs inside a worker thread only.");
}

function reply(message: ServicesReply): void {
  port?.postMessage(message);
}

const { services } = workerData as { services: readonly LocalService[] };

startLocalAws({ services, setEnv: false }).then(
  (local) => {
    port.on("message", (request: ServicesRequest) => {
      if (request.type !== "stop") {
        return;
      }
      local.stop().then(
        () => {
          reply({ type: "stopped" });
          port.close();
        },
        (error: unknown) => {
          reply({ type: "error", message: error instanceof Error ? error.message : String(error) });
          port.close();
        },
      );
    });
    reply({ type: "ready", env: { ...local.env }, region: local.region });
  },
  (error: unknown) => {
    reply({ type: "error", message: error instanceof Error ? error.message : String(error) });
    port.close();
  },
);
