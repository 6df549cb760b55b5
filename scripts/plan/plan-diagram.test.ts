import { ENVIRONMENT_NAMES } from "../../modules/config/settings";
import {
  DATA_PATH_COMPONENTS,
  DATA_PATH_VPC,
  dataPathDiagram,
  dataPathNames,
  mermaidNodeIds,
  templateDataPathNames,
} from "./plan-diagram";

/** The label of one node: the quoted text between its brackets. */
function labelOf(diagram: string, id: string): string {
  const match = new RegExp(`^\\s*(?:subgraph\\s+)?${id}\\[\\(?"([^"]*)"\\)?\\]$`, "m").exec(
    diagram,
  );
  if (match === null) {
    throw new Error(`No node ${id} in\n${diagram}`);
  }
  return match[1];
}

describe("the data path diagram", () => {
  const dev = dataPathDiagram(["dev"], dataPathNames("dev", "k3x9q2mz"));
  const production = dataPathDiagram(["production"], dataPathNames("production", "k3x9q2mz"));

  it("is a Mermaid flowchart with every component once, inside or outside the VPC", () => {
    expect(dev.split("\n")[0]).toBe("flowchart LR");
    expect(mermaidNodeIds(dev).sort()).toEqual(
      [...DATA_PATH_COMPONENTS.map((c) => c.id), DATA_PATH_VPC].sort(),
    );
    for (const component of DATA_PATH_COMPONENTS) {
      expect(labelOf(dev, component.id).split("<br/>")[0]).toBe(component.title);
    }
    expect(dev).toMatch(
      /subgraph vpc\[.*\]\n {4}processor\[.*\n {4}archiver\[.*\n {4}api\[.*\n {2}end\n/,
    );
  });

  it("labels are quoted, one line each, with no quote inside", () => {
    for (const line of dev.split("\n").slice(1)) {
      expect(line).toMatch(
        /^ {2,4}(\w+(\[|\[\()"[^"]*"(\]|\)\])|subgraph \w+\["[^"]*"\]|end|\w+ -(->|\.->)(\|"[^"]*"\|)? \w+)$/,
      );
    }
  });

  it("shows dev's sizes and names", () => {
    expect(labelOf(dev, "stream")).toBe(
      "Kinesis stream<br/>dev-market-data-us-east-1-k3x9q2mz<br/>1 shard, 24 h retention, KMS",
    );
    expect(labelOf(dev, "processor")).toBe(
      "market-processor<br/>512 MB arm64, batches of 500<br/>1 per shard, reserved 1",
    );
    expect(labelOf(dev, "archiver")).toBe(
      "market-archiver<br/>512 MB arm64, reserved 1<br/>500 records or 5 s",
    );
    expect(labelOf(dev, "table")).toBe(
      "DynamoDB table<br/>dev-market-analytics-us-east-1-k3x9q2mz<br/>on-demand, at most 100 read / 100 write units/s<br/>1-minute bars kept 7 d (TTL), PITR off",
    );
    expect(labelOf(dev, "archive")).toBe(
      "S3 raw archive<br/>dev-market-archive-us-east-1-k3x9q2mz<br/>gzip NDJSON<br/>expires at 60 d, not versioned",
    );
    expect(labelOf(dev, "alarms")).toBe("CloudWatch alarms and logs<br/>logs kept 7 d");
    expect(labelOf(dev, "alarmTopic")).toBe(
      "SNS alarm topic<br/>dev-alarms-us-east-1-k3x9q2mz<br/>alarms notify: no",
    );
  });

  it("shows production's sizes", () => {
    expect(labelOf(production, "stream")).toContain("4 shards, 168 h retention");
    expect(labelOf(production, "api")).toBe("analytics-api<br/>2048 MB arm64, reserved 50");
    expect(labelOf(production, "table")).toContain(
      "provisioned 50 / 50, auto scaled to 2,000 / 2,000 at 70%<br/>1-minute bars kept 400 d (TTL), PITR on",
    );
    expect(labelOf(production, "archive")).toContain(
      "Standard-IA at 30 d, Glacier IR at 90 d, versioned, old versions expire at 30 d",
    );
    expect(labelOf(production, DATA_PATH_VPC)).toBe(
      "VPC<br/>3 isolated subnets, no NAT<br/>S3 and DynamoDB gateway endpoints<br/>flow logs on",
    );
  });

  it("reads dev / staging / production where the environments differ, once where they agree", () => {
    const all = dataPathDiagram(ENVIRONMENT_NAMES, templateDataPathNames());
    expect(labelOf(all, "stream")).toBe(
      "Kinesis stream<br/>{env}-market-data-us-east-1-{suffix}<br/>1 / 2 / 4 shards, 24 / 72 / 168 h retention, KMS",
    );
    expect(labelOf(all, "processorDlq")).toBe("processor dead-letter queue<br/>SQS, keeps 14 d");
    expect(labelOf(all, "table")).toContain(
      "<br/>dev: on-demand, at most 100 read / 100 write units/s<br/>staging: on-demand, at most 1,000 read / 1,000 write units/s<br/>production: provisioned",
    );
  });

  it("names come from the naming functions, with placeholders for the README", () => {
    expect(templateDataPathNames()).toEqual({
      stream: "{env}-market-data-us-east-1-{suffix}",
      table: "{env}-market-analytics-us-east-1-{suffix}",
      archive: "{env}-market-archive-us-east-1-{suffix}",
      alarmTopic: "{env}-alarms-us-east-1-{suffix}",
    });
    expect(() => dataPathDiagram([], templateDataPathNames())).toThrow(
      "The data path diagram needs at least one environment.",
    );
  });
});
