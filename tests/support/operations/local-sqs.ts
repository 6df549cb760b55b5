import { createHash, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small in-process SQS for tests: standard queues over the AWS JSON 1.0 protocol the SDK v3
 * client speaks (`X-Amz-Target: AmazonSQS.<Operation>`), on 127.0.0.1 with a port chosen by the OS.
 * It implements what the dead-letter queues are used for: CreateQueue, GetQueueUrl, SendMessage,
 * ReceiveMessage (visibility timeout, long polling), DeleteMessage, ChangeMessageVisibility and
 * GetQueueAttributes (message counts). Bodies carry their MD5, which the SDK checks.
 *
 * Point the real client at it with `AWS_ENDPOINT_URL_SQS` (the SDK then also sends each request to
 * its queue URL's host, which is this server).
 */

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly md5: string;
  visibleAt: number;
  receiptHandle: string | undefined;
  receiveCount: number;
}

export interface LocalSqs {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Messages of a queue (by name), visible or not, in send order. */
  messages(queueName: string): readonly { readonly id: string; readonly body: string }[];
  stop(): Promise<void>;
}

export interface LocalSqsOptions {
  /** Longest long-poll wait, whatever the request asks, in ms. @default 200 */
  readonly maxWaitMs?: number;
}

const ACCOUNT = "000000000000";

class SqsError extends Error {
  constructor(
    readonly type: string,
    readonly queryCode: string,
    message: string,
  ) {
    super(message);
  }
}

function md5(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

export async function startLocalSqs(options: LocalSqsOptions = {}): Promise<LocalSqs> {
  const maxWaitMs = options.maxWaitMs ?? 200;
  const queues = new Map<string, StoredMessage[]>();
  let endpoint = "";

  const queueOf = (url: unknown): StoredMessage[] => {
    const name = typeof url === "string" ? url.split("/").at(-1) : undefined;
    const queue = name === undefined ? undefined : queues.get(name);
    if (queue === undefined) {
      throw new SqsError(
        "com.amazonaws.sqs#QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
        "The specified queue does not exist.",
      );
    }
    return queue;
  };
  const byReceipt = (queue: StoredMessage[], handle: unknown): StoredMessage => {
    const message = queue.find((candidate) => candidate.receiptHandle === handle);
    if (message === undefined) {
      throw new SqsError(
        "com.amazonaws.sqs#ReceiptHandleIsInvalid",
        "ReceiptHandleIsInvalid",
        "The input receipt handle is invalid.",
      );
    }
    return message;
  };

  const operations: Record<string, (input: Record<string, unknown>) => Promise<object> | object> = {
    CreateQueue(input) {
      const name = String(input.QueueName);
      if (!queues.has(name)) {
        queues.set(name, []);
      }
      return { QueueUrl: `${endpoint}/${ACCOUNT}/${name}` };
    },
    GetQueueUrl(input) {
      const name = String(input.QueueName);
      queueOf(name);
      return { QueueUrl: `${endpoint}/${ACCOUNT}/${name}` };
    },
    SendMessage(input) {
      const queue = queueOf(input.QueueUrl);
      const body = String(input.MessageBody);
      const message: StoredMessage = {
        id: randomUUID(),
        body,
        md5: md5(body),
        visibleAt: Date.now() + Number(input.DelaySeconds ?? 0) * 1000,
        receiptHandle: undefined,
        receiveCount: 0,
      };
      queue.push(message);
      return { MessageId: message.id, MD5OfMessageBody: message.md5 };
    },
    async ReceiveMessage(input) {
      const queue = queueOf(input.QueueUrl);
      const max = Number(input.MaxNumberOfMessages ?? 1);
      const visibility = Number(input.VisibilityTimeout ?? 30);
      const deadline = Date.now() + Math.min(maxWaitMs, Number(input.WaitTimeSeconds ?? 0) * 1000);
      for (;;) {
        const now = Date.now();
        const visible = queue.filter((message) => message.visibleAt <= now).slice(0, max);
        if (visible.length > 0 || now >= deadline) {
          return {
            Messages: visible.map((message) => {
              message.receiptHandle = randomUUID();
              message.visibleAt = now + visibility * 1000;
              message.receiveCount += 1;
              return {
                MessageId: message.id,
                ReceiptHandle: message.receiptHandle,
                MD5OfBody: message.md5,
                Body: message.body,
                Attributes: { ApproximateReceiveCount: String(message.receiveCount) },
              };
            }),
          };
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    DeleteMessage(input) {
      const queue = queueOf(input.QueueUrl);
      const message = byReceipt(queue, input.ReceiptHandle);
      queue.splice(queue.indexOf(message), 1);
      return {};
    },
    ChangeMessageVisibility(input) {
      const queue = queueOf(input.QueueUrl);
      const message = byReceipt(queue, input.ReceiptHandle);
      message.visibleAt = Date.now() + Number(input.VisibilityTimeout ?? 0) * 1000;
      return {};
    },
    GetQueueAttributes(input) {
      const queue = queueOf(input.QueueUrl);
      const now = Date.now();
      return {
        Attributes: {
          ApproximateNumberOfMessages: String(
            queue.filter((message) => message.visibleAt <= now).length,
          ),
          ApproximateNumberOfMessagesNotVisible: String(
            queue.filter((message) => message.visibleAt > now).length,
          ),
        },
      };
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const target = String(request.headers["x-amz-target"] ?? "");
    const operation = operations[target.replace(/^AmazonSQS\./, "")];
    const reply = (status: number, body: object, headers: Record<string, string> = {}) => {
      const text = JSON.stringify(body);
      response.writeHead(status, {
        "content-type": "application/x-amz-json-1.0",
        "content-length": Buffer.byteLength(text),
        "x-amzn-requestid": randomUUID(),
        ...headers,
      });
      response.end(text);
    };
    try {
      const text = await readBody(request);
      if (operation === undefined) {
        throw new SqsError(
          "com.amazonaws.sqs#UnsupportedOperation",
          "AWS.SimpleQueueService.UnsupportedOperation",
          `${target} is not supported here`,
        );
      }
      reply(200, await operation(text === "" ? {} : (JSON.parse(text) as Record<string, unknown>)));
    } catch (error) {
      if (error instanceof SqsError) {
        reply(
          400,
          { __type: error.type, message: error.message },
          { "x-amzn-query-error": `${error.queryCode};Sender` },
        );
      } else {
        reply(500, { __type: "InternalError", message: String(error) });
      }
    }
  };

  const server: Server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    messages: (queueName) =>
      (queues.get(queueName) ?? []).map((message) => ({ id: message.id, body: message.body })),
    stop: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
