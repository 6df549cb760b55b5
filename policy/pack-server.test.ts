/**
 * Starts the policy pack exactly as `pulumi preview --policy-pack policy` does - Pulumi's Node.js
 * policy host (`@pulumi/pulumi/cmd/run-policy-pack`, with its TypeScript loader) in `policy/`,
 * resolving every dependency from the repository root's node_modules, with the stack context the
 * CLI sets - and speaks the analyzer gRPC protocol to it, as the engine does. The host type-checks
 * the pack when it starts (about 20 s here the first time; ts-node caches the result).
 */
import { spawn } from "node:child_process";
import * as path from "node:path";

import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import {
  AnalyzeRequest,
  AnalyzerResourceOptions,
  EnforcementLevel,
  type AnalyzeResponse,
  type AnalyzerInfo,
} from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct, type JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";

const POLICY_DIRECTORY = __dirname;
const HOST = path.resolve(
  POLICY_DIRECTORY,
  "..",
  "node_modules",
  "@pulumi",
  "pulumi",
  "cmd",
  "run-policy-pack",
);
const START_TIMEOUT_MS = 300_000;

const TAGS = {
  Environment: "dev",
  ManagedBy: "pulumi",
  Project: "trading-analytics",
  Service: "market-processor",
};

const COMPLIANT_FUNCTION = {
  name: "dev-market-processor-us-east-1-a1",
  runtime: "nodejs24.x",
  architectures: ["arm64"],
  memorySize: 512,
  reservedConcurrentExecutions: 1,
  tracingConfig: { mode: "Active" },
  vpcConfig: { subnetIds: ["subnet-0a"], securityGroupIds: ["sg-0a"] },
  tags: TAGS,
};

function startPack(): Promise<{ port: number; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOST, "127.0.0.1:0", "."], {
      cwd: POLICY_DIRECTORY,
      env: {
        ...process.env,
        PULUMI_STACK: "dev",
        PULUMI_PROJECT: "trading-analytics-dev",
        PULUMI_CONFIG: JSON.stringify({
          "trading-analytics-dev:environmentSuffix": "a1",
          "aws:region": "us-east-1",
        }),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(
        new Error(`The policy pack did not start within ${START_TIMEOUT_MS / 1000} s.\n${stderr}`),
      );
    }, START_TIMEOUT_MS);
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on("data", (chunk: Buffer) => {
      const port = Number.parseInt(chunk.toString().trim(), 10);
      if (Number.isInteger(port) && port > 0) {
        clearTimeout(timer);
        resolve({ port, stop: () => child.kill() });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(
        new Error(`The policy pack exited with code ${String(code)} before serving.\n${stderr}`),
      );
    });
  });
}

function analyzerInfo(client: AnalyzerClient): Promise<AnalyzerInfo> {
  return new Promise((resolve, reject) => {
    client.getAnalyzerInfo(new Empty(), (error, info) => (error ? reject(error) : resolve(info)));
  });
}

function analyze(
  client: AnalyzerClient,
  type: string,
  name: string,
  properties: Record<string, JavaScriptValue>,
  protect: boolean,
): Promise<string[]> {
  const request = new AnalyzeRequest();
  request.setType(type);
  request.setName(name);
  request.setUrn(`urn:pulumi:dev::trading-analytics-dev::${type}::${name}`);
  request.setProperties(Struct.fromJavaScript(properties));
  const options = new AnalyzerResourceOptions();
  options.setProtect(protect);
  request.setOptions(options);
  return new Promise((resolve, reject) => {
    client.analyze(request, (error, response: AnalyzeResponse) =>
      error
        ? reject(error)
        : resolve(
            response
              .getDiagnosticsList()
              // The host prefixes each message with the policy's description and a newline.
              .map(
                (diagnostic) =>
                  `${diagnostic.getPolicyname()}: ${diagnostic.getMessage().split("\n").pop() ?? ""}`,
              ),
          ),
    );
  });
}

describe("the policy pack served by Pulumi's policy host", () => {
  let pack: { port: number; stop: () => void } | undefined;
  let client: AnalyzerClient;

  beforeAll(async () => {
    pack = await startPack();
    client = new AnalyzerClient(`127.0.0.1:${pack.port}`, grpc.credentials.createInsecure());
  }, START_TIMEOUT_MS + 10_000);

  afterAll(() => {
    client?.close();
    pack?.stop();
  });

  it("describes itself: name, version and 32 mandatory policies", async () => {
    const info = await analyzerInfo(client);
    const policies = info.getPoliciesList();
    expect({
      name: info.getName(),
      version: info.getVersion(),
      policies: policies.length,
      mandatory: policies.filter(
        (policy) => policy.getEnforcementlevel() === EnforcementLevel.MANDATORY,
      ).length,
    }).toEqual({ name: "trading-analytics", version: "0.1.0", policies: 32, mandatory: 32 });
  });

  it("passes a compliant function", async () => {
    expect(
      await analyze(
        client,
        "aws:lambda/function:Function",
        "market-processor",
        COMPLIANT_FUNCTION,
        false,
      ),
    ).toEqual([]);
  });

  it("reports a protected function with the wrong memory for the stack's environment", async () => {
    expect(
      await analyze(
        client,
        "aws:lambda/function:Function",
        "market-processor",
        { ...COMPLIANT_FUNCTION, memorySize: 1024 },
        true,
      ),
    ).toEqual([
      'resources-not-protected: Lambda function "market-processor" (dev-market-processor-us-east-1-a1) has protect: true, so pulumi destroy would leave it behind: remove the protect option.',
      'lambda-memory-per-environment: Lambda function "market-processor" (dev-market-processor-us-east-1-a1) has memorySize 1024 MB; dev functions get 512 MB (ENVIRONMENT_SETTINGS.dev.lambda.memoryMb): set memorySize: 512.',
    ]);
  });
});
