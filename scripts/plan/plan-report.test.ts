import { ENVIRONMENT_SETTINGS } from "../../modules/config/settings";
import { estimateMonthlyCost } from "./cost-model";
import { renderPlan } from "./plan-report";
import { MARKDOWN_LIMIT, fitMarkdown } from "./plan-report-markdown";
import { displayType, type EnvironmentPlan, type PlannedResource } from "./plan-report-model";
import { TEXT_WIDTH } from "./plan-report-text";
import { renderTable, wrapCell, wrapText } from "../cli/text-table";

describe("displayType: Pulumi's short form of a type token", () => {
  it.each([
    ["aws:s3/bucket:Bucket", "aws:s3:Bucket"],
    [
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "aws:s3:BucketServerSideEncryptionConfiguration",
    ],
    ["aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws:vpc:SecurityGroupEgressRule"],
    ["awsx:ec2:Vpc", "awsx:ec2:Vpc"],
    ["pulumi:providers:aws", "pulumi:providers:aws"],
  ])("%s -> %s", (type, short) => {
    expect(displayType(type)).toBe(short);
  });
});

describe("text that fits the terminal", () => {
  it("wraps a cell at a space, else after a hyphen, slash or colon, else inside a word", () => {
    expect(wrapCell("the subnet's own route table, with no route out", 20)).toEqual([
      "the subnet's own",
      "route table, with no",
      "route out",
    ]);
    expect(wrapCell("production-market-processor-iterator-age-us-east-1-a1", 24)).toEqual([
      "production-market-",
      "processor-iterator-age-",
      "us-east-1-a1",
    ]);
    expect(wrapCell("abcdefghijklmnopqrstuvwxyz", 10)).toEqual([
      "abcdefghij",
      "klmnopqrst",
      "uvwxyz",
    ]);
    expect(wrapCell("short", 10)).toEqual(["short"]);
  });

  it("wraps a paragraph at spaces, keeping URLs whole where they fit", () => {
    const sources =
      "sources: https://aws.amazon.com/kinesis/data-streams/pricing/, https://aws.amazon.com/lambda/pricing/.";
    expect(wrapText(sources, 70)).toBe(
      "sources: https://aws.amazon.com/kinesis/data-streams/pricing/,\nhttps://aws.amazon.com/lambda/pricing/.",
    );
    expect(wrapText("a b c d", 3, "  ")).toBe("  a\n  b\n  c\n  d");
  });

  it("narrows the widest columns until the table fits, wrapping their cells", () => {
    const table = renderTable(
      [{ header: "name" }, { header: "why" }],
      [
        ["dev-network-vpc", "always created (AWS does not charge for it); no route uses it"],
        ["dev-network-vpc-isolated-1", "Isolated /20"],
      ],
      { maxWidth: 50, indent: "  " },
    );
    expect(table).toBe(
      [
        "  name                        why",
        "  --------------------------  --------------------",
        "  dev-network-vpc             always created (AWS",
        "                              does not charge for",
        "                              it); no route uses",
        "                              it",
        "  dev-network-vpc-isolated-1  Isolated /20",
      ].join("\n"),
    );
    expect(Math.max(...table.split("\n").map((line) => line.length))).toBeLessThanOrEqual(50);
  });

  it("leaves a table without a width as it was: each column as wide as its widest cell", () => {
    expect(
      renderTable(
        [{ header: "symbol" }, { header: "bars", align: "right" }],
        [
          ["AAPL", "12"],
          ["MSFT", "3"],
        ],
      ),
    ).toBe(["symbol  bars", "------  ----", "AAPL      12", "MSFT       3"].join("\n"));
  });
});

/** A plan far larger than this platform's, to reach GitHub's comment limit. */
function hugePlan(resources: number): EnvironmentPlan {
  const many: PlannedResource[] = Array.from({ length: resources }, (_, i) => ({
    type: "aws:cloudwatch/metricAlarm:MetricAlarm",
    name: `production-functions-market-processor-alarm-${i}`,
    module: "compute",
    physicalName: `production-market-processor-alarm-${i}-us-east-1-k3x9q2mz`,
  }));
  return {
    environment: "production",
    environmentSuffix: "k3x9q2mz",
    resources: many,
    platformComponents: 18,
    violations: [],
    cost: estimateMonthlyCost(ENVIRONMENT_SETTINGS.production, resources),
  };
}

describe("the markdown form within GitHub's comment limit", () => {
  it("leaves rows out of the largest section, says so and what prints them all, and closes every section", () => {
    const markdown = renderPlan([hugePlan(2_000)], "markdown");
    expect(markdown.length).toBeLessThanOrEqual(MARKDOWN_LIMIT);
    expect(markdown).toMatch(
      /_\d+ of 2000 rows left out to stay within GitHub's comment limit: `npm run plan -- --env production` lists them all\._/,
    );
    expect(markdown.match(/<details>/g)?.length).toBe(markdown.match(/<\/details>/g)?.length);
    // The summary, the diagram and the smaller sections stay whole.
    expect(markdown).toContain("| production | pass | 2000 | + 2019 to create | $");
    expect(markdown).toContain("```mermaid\nflowchart LR\n");
    expect(markdown).toContain("<details><summary>Estimated monthly cost (USD)</summary>");
    expect(markdown.endsWith("</details>\n")).toBe(true);
  });

  it("leaves a plan that fits as it is", () => {
    const markdown = renderPlan([hugePlan(100)], "markdown");
    expect(markdown).not.toContain("rows left out");
    expect(
      markdown.match(/\| compute \| aws:cloudwatch\/metricAlarm:MetricAlarm \|/g),
    ).toHaveLength(100);
  });

  it("fits any limit it is given, section by section", () => {
    const section = {
      title: "rows",
      columns: [{ header: "n" }],
      rows: Array.from({ length: 500 }, (_, i) => [`row ${i}`]),
      fullCommand: "npm run plan",
    };
    const text = fitMarkdown(["## head"], [section, { ...section, title: "more" }], 3_000);
    expect(text.length).toBeLessThanOrEqual(3_000);
    expect(text.match(/rows left out/g)).toHaveLength(2);
    expect(text.startsWith("## head\n\n<details><summary>rows</summary>")).toBe(true);
  });

  it("the text form of the same plan stays within 120 columns", () => {
    const text = renderPlan([hugePlan(50)], "text");
    expect(text.split("\n").filter((line) => line.length > TEXT_WIDTH)).toEqual([]);
  });
});
