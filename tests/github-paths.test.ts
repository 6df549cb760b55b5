import {
  matchesFilter,
  pathsFilterRuns,
  pathsIgnoreFilterRuns,
  pushRuns,
} from "./support/github-paths";

/**
 * Every example of the "Filter pattern cheat sheet" in GitHub's "Workflow syntax for GitHub
 * Actions": patterns, the paths they are documented to match, and neighbours they must not.
 */
describe("the documented path patterns", () => {
  it.each([
    [["*"], ["README.md", "server.rb"], ["docs/README.md"]],
    [["*.jsx?"], ["page.js", "page.jsx"], ["page.jsxx", "src/page.js"]],
    [["**"], ["README.md", "docs/a/b.txt", ".github/workflows/ci.yml"], []],
    [["*.js"], ["app.js", "index.js"], ["js/index.js"]],
    [["**.js"], ["index.js", "js/index.js", "src/js/app.js"], ["index.ts"]],
    [["docs/*"], ["docs/README.md", "docs/file.txt"], ["docs/mona/octocat.txt", "README.md"]],
    [["docs/**"], ["docs/README.md", "docs/mona/octocat.txt"], ["src/docs/a.md"]],
    [
      ["docs/**/*.md"],
      ["docs/README.md", "docs/mona/hello-world.md", "docs/a/markdown/file.md"],
      ["docs/mona/octocat.txt"],
    ],
    [
      ["**/docs/**"],
      ["docs/hello.md", "dir/docs/my-file.txt", "space/docs/plan/space.doc"],
      ["mydocs/a.md"],
    ],
    [["**/README.md"], ["README.md", "js/README.md"], ["README.mdx", "js/NOT-README.md"]],
    [["**/*src/**"], ["a/src/app.js", "my-src/code/js/app.js"], ["src.js", "a/source/app.js"]],
    [["**/*-post.md"], ["my-post.md", "path/their-post.md"], ["post.md"]],
    [
      ["**/migrate-*.sql"],
      ["migrate-10909.sql", "db/migrate-v1.0.sql", "db/sept/migrate-v1.sql"],
      ["db/migrate.sql"],
    ],
    [["*.md", "!README.md"], ["hello.md"], ["README.md", "docs/hello.md"]],
    [["*.md", "!README.md", "README*"], ["hello.md", "README.md", "README.doc"], []],
    [["sub-project/**", "!sub-project/docs/**"], ["sub-project/app.ts"], ["sub-project/docs/a.md"]],
  ])("%j matches %j and not %j", (patterns, matching, other) => {
    for (const path of matching) {
      expect({ path, matches: matchesFilter(patterns, path) }).toEqual({ path, matches: true });
    }
    for (const path of other) {
      expect({ path, matches: matchesFilter(patterns, path) }).toEqual({ path, matches: false });
    }
  });
});

describe("the documented branch and tag patterns", () => {
  it.each([
    [["feature/*"], ["feature/my-branch", "feature/your-branch"], ["feature/a/b"]],
    [
      ["feature/**"],
      ["feature/beta-a/my-branch", "feature/your-branch", "feature/mona/the/octocat"],
      ["features/x"],
    ],
    [["main", "releases/mona-the-octocat"], ["main", "releases/mona-the-octocat"], ["mainline"]],
    [["*"], ["main", "releases"], ["releases/v1"]],
    [["**"], ["all/the/branches", "every/tag"], []],
    [["*feature"], ["mona-feature", "feature", "ver-10-feature"], ["feature-1"]],
    [["v2*"], ["v2", "v2.0", "v2.9"], ["v1.0"]],
    [["v[12].[0-9]+.[0-9]+"], ["v1.10.1", "v2.0.0"], ["v3.0.0", "v1.0", "v1.x.0"]],
  ])("%j matches %j and not %j", (patterns, matching, other) => {
    for (const name of matching) {
      expect({ name, matches: matchesFilter(patterns, name) }).toEqual({ name, matches: true });
    }
    for (const name of other) {
      expect({ name, matches: matchesFilter(patterns, name) }).toEqual({ name, matches: false });
    }
  });
});

describe("filters of a push", () => {
  it("runs for paths when any changed file is in, for paths-ignore unless all are ignored", () => {
    expect(pathsFilterRuns(["src/**"], ["README.md", "src/a.ts"])).toBe(true);
    expect(pathsFilterRuns(["src/**"], ["README.md"])).toBe(false);
    expect(pathsIgnoreFilterRuns(["docs/**"], ["docs/a.md", "src/a.ts"])).toBe(true);
    expect(pathsIgnoreFilterRuns(["docs/**"], ["docs/a.md"])).toBe(false);
  });

  it("needs both the branch and the paths to match, and skips path filters for tags", () => {
    const filter = { branches: ["main"], tags: ["v*"], paths: ["src/**"] };
    expect(pushRuns(filter, "refs/heads/main", ["src/a.ts"])).toBe(true);
    expect(pushRuns(filter, "refs/heads/main", ["docs/a.md"])).toBe(false);
    expect(pushRuns(filter, "refs/heads/feature", ["src/a.ts"])).toBe(false);
    expect(pushRuns(filter, "refs/tags/v1.0.0", ["docs/a.md"])).toBe(true);
    expect(pushRuns(filter, "refs/tags/1.0.0", ["src/a.ts"])).toBe(false);
  });

  it("runs for no tag when only branches are filtered, and for no branch when only tags are", () => {
    expect(pushRuns({ branches: ["main"] }, "refs/tags/v1.0.0", [])).toBe(false);
    expect(pushRuns({ tags: ["v*"] }, "refs/heads/main", ["a"])).toBe(false);
    expect(pushRuns({}, "refs/heads/any", ["a"])).toBe(true);
  });
});
