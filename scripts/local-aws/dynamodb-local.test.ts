import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { ConfiguredRetryStrategy } from "@smithy/core/retry";
import { onDynamoDbLocal } from "../../tests/support/dynamodb-local";
import {
  DYNALITE_FALLBACK_NOTICE,
  DYNAMODB_LOCAL_ENDPOINT_VARIABLE,
  localDynamoDbName,
  provideLocalDynamoDb,
  sharedDynamoDbLocalEndpoint,
} from "./dynamodb-local";
import { DynamoDbLocalError, parseJavaVersion, probeJava } from "./dynamodb-local-java";
import { startDynamoDbLocal } from "./dynamodb-local-server";
import { noFaults, startFaultProxy } from "../../tests/support/fault-proxy";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  createAnalyticsTable,
  localDynamoDbClient,
  startLocalAws,
  type LocalAws,
} from "./local-aws";

const OPENJDK_17 = `Property settings:
    java.home = /usr/lib/jvm/java-17-openjdk-amd64
    java.specification.version = 17

openjdk version "17.0.15" 2025-04-15
OpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)
OpenJDK 64-Bit Server VM (build 17.0.15+6-Debian-1deb12u1, mixed mode, sharing)
`;

describe("parseJavaVersion", () => {
  it("reads the feature release and java.home", () => {
    expect(parseJavaVersion(OPENJDK_17)).toEqual({
      major: 17,
      versionLine: 'openjdk version "17.0.15" 2025-04-15',
      home: "/usr/lib/jvm/java-17-openjdk-amd64",
    });
  });

  it("reads releases written 1.x, bare majors and early-access builds", () => {
    expect(parseJavaVersion('java version "1.8.0_402"\n')?.major).toBe(8);
    expect(parseJavaVersion('openjdk version "21" 2023-09-19\n')?.major).toBe(21);
    expect(parseJavaVersion('openjdk version "25-ea" 2025-09-16\n')?.major).toBe(25);
    expect(
      parseJavaVersion(
        'Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "11.0.22" 2024-01-16\n',
      ),
    ).toMatchObject({ major: 11, home: undefined });
  });

  it("finds no version in other output", () => {
    expect(parseJavaVersion("bash: java: command not found\n")).toBeUndefined();
    expect(parseJavaVersion("")).toBeUndefined();
  });
});

describe("without Java 17", () => {
  let directory: string;
  let published: string | undefined;

  beforeAll(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), "java-11-"));
    fs.writeFileSync(
      path.join(directory, "java"),
      `#!/bin/sh\necho 'openjdk version "11.0.22" 2024-01-16' >&2\n`,
      { mode: 0o755 },
    );
    published = process.env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE];
    delete process.env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE];
  });

  afterAll(() => {
    fs.rmSync(directory, { recursive: true, force: true });
    if (published !== undefined) {
      process.env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE] = published;
    }
  });

  it("falls back to dynalite, with the line a run shows, when there is no java", async () => {
    const dynamodb = await provideLocalDynamoDb({ java: path.join(directory, "no-such-java") });
    expect(dynamodb).toMatchObject({ kind: "dynalite", notice: DYNALITE_FALLBACK_NOTICE });
    expect(DYNALITE_FALLBACK_NOTICE).toBe(
      "DynamoDB Local needs Java 17; using dynalite (no transactions, no TTL)",
    );
    expect(sharedDynamoDbLocalEndpoint()).toBeUndefined();
    expect(localDynamoDbName()).toBe("dynalite");
  });

  it("falls back to dynalite when the java is older than 17", async () => {
    const java = path.join(directory, "java");
    expect(await probeJava(java)).toMatchObject({ major: 11 });
    expect(await provideLocalDynamoDb({ java })).toMatchObject({
      kind: "dynalite",
      notice: DYNALITE_FALLBACK_NOTICE,
    });
  });

  it("refuses to start DynamoDB Local on an older java, saying what to install", async () => {
    const java = await probeJava(path.join(directory, "java"));
    const start = startDynamoDbLocal({ java });
    await expect(start).rejects.toThrow(DynamoDbLocalError);
    await expect(start).rejects.toThrow(
      /needs Java 17; `.*java` is openjdk version "11\.0\.22" 2024-01-16\. Install a Java 17 JDK/,
    );
  });

  it("gives each startLocalAws its own dynalite", async () => {
    const local = await startLocalAws({ services: ["dynamodb"], setEnv: false });
    try {
      expect(local.endpoints.dynamodb).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = localDynamoDbClient(local);
      await createAnalyticsTable(client, "dynamodb-local-test-fallback");
      client.destroy();
    } finally {
      await local.stop();
    }
  });
});

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(os.networkInterfaces())
    .flat()
    .find((address) => address?.family === "IPv4" && !address.internal)?.address;
}

/** `connected`, or the error code of the attempt. */
function connect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe("the run's DynamoDB Local", () => {
  const withDynamoDbLocal = onDynamoDbLocal("DynamoDB Local's behaviour and its binding");
  const withTransactions = onDynamoDbLocal("transactions");
  const withTtl = onDynamoDbLocal("TTL");
  let local: LocalAws;
  let client: DynamoDBClient;
  let tables = 0;

  async function newTable(): Promise<string> {
    tables += 1;
    const tableName = `dynamodb-local-test-${tables}`;
    await createAnalyticsTable(client, tableName);
    return tableName;
  }

  beforeAll(async () => {
    local = await startLocalAws({ services: ["dynamodb"], setEnv: false });
    client = localDynamoDbClient(local);
  });

  afterAll(async () => {
    client.destroy();
    await local.stop();
  });

  withDynamoDbLocal("serves startLocalAws, on 127.0.0.1 only", async () => {
    const endpoint = sharedDynamoDbLocalEndpoint();
    expect(local.endpoints.dynamodb).toBe(endpoint);
    expect(localDynamoDbName()).toBe("DynamoDB Local");
    const { hostname, port } = new URL(endpoint ?? "");
    expect(hostname).toBe("127.0.0.1");
    expect(await connect("127.0.0.1", Number(port))).toBe("connected");
    const external = externalAddress();
    if (external !== undefined) {
      expect(await connect(external, Number(port))).toBe("ECONNREFUSED");
    }
  });

  withTransactions("commits TransactWriteItems whole, or cancels all of it", async () => {
    const tableName = await newTable();
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: { pk: { S: "A" }, sk: { S: "1" } } } },
          { Put: { TableName: tableName, Item: { pk: { S: "B" }, sk: { S: "1" } } } },
        ],
      }),
    );
    await expect(
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: { pk: { S: "C" }, sk: { S: "1" } } } },
            {
              Put: {
                TableName: tableName,
                Item: { pk: { S: "A" }, sk: { S: "1" } },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: "TransactionCanceledException" });
    const get = (pk: string) =>
      client.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: { S: pk }, sk: { S: "1" } } }),
      );
    expect((await get("A")).Item).toBeDefined();
    expect((await get("B")).Item).toBeDefined();
    expect((await get("C")).Item).toBeUndefined();
  });

  withTtl("switches TTL on", async () => {
    const tableName = await newTable();
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      }),
    );
    const described = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(described.TimeToLiveDescription).toEqual({
      AttributeName: "expiresAt",
      TimeToLiveStatus: "ENABLED",
    });
  });

  withDynamoDbLocal(
    "rejects an item over 400 KB and a number out of DynamoDB's range",
    async () => {
      const tableName = await newTable();
      const put = (item: Record<string, { S: string } | { N: string }>) =>
        client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { pk: { S: "X" }, sk: { S: "1" }, ...item },
          }),
        );
      await expect(put({ payload: { S: "x".repeat(400 * 1024) } })).rejects.toMatchObject({
        name: "ValidationException",
        message: expect.stringMatching(/Item size has exceeded the maximum allowed size/),
      });
      await expect(put({ payload: { S: "x".repeat(399 * 1024) } })).resolves.toBeDefined();
      await expect(put({ value: { N: "1E+126" } })).rejects.toMatchObject({
        name: "ValidationException",
        message: expect.stringMatching(/Number overflow/),
      });
    },
  );

  withDynamoDbLocal(
    "works behind the fault proxy: injected faults, then passed through",
    async () => {
      const tableName = await newTable();
      const proxy = await startFaultProxy(local.endpoints.dynamodb ?? "", noFaults);
      const proxied = new DynamoDBClient({
        endpoint: proxy.url,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        retryStrategy: new ConfiguredRetryStrategy(4, () => 5),
        requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
      });
      try {
        const faults = ["throttling", "internal-error", "drop-response"] as const;
        proxy.setPlan(({ index }) => faults[index]);
        await proxied.send(
          new PutItemCommand({ TableName: tableName, Item: { pk: { S: "P" }, sk: { S: "1" } } }),
        );
        const item = await proxied.send(
          new GetItemCommand({ TableName: tableName, Key: { pk: { S: "P" }, sk: { S: "1" } } }),
        );
        expect(item.Item).toEqual({ pk: { S: "P" }, sk: { S: "1" } });
        expect(proxy.stats()).toMatchObject({
          requests: 5,
          operations: { PutItem: 4, GetItem: 1 },
          faults: { throttling: 1, "internal-error": 1, "drop-response": 1 },
        });
      } finally {
        proxied.destroy();
        await proxy.stop();
      }
    },
  );

  withDynamoDbLocal("starts another instance on demand and stops its Java process", async () => {
    const server = await startDynamoDbLocal();
    try {
      expect(server.endpoint).not.toBe(sharedDynamoDbLocalEndpoint());
      expect(server.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(() => process.kill(server.pid, 0)).not.toThrow();
    } finally {
      await server.stop();
    }
    expect(() => process.kill(server.pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
  });
});
