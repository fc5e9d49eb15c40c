/**
 * examples/k8s-indexed-job.yaml against the Kubernetes schemas (kubernetes-models), strictly: the
 * models' validators ignore fields they do not know, so every object is read through a proxy that
 * notes the fields the validator looked at, and any field it never read is unknown (a typo such as
 * `comand` would otherwise pass). Then what the recipe relies on: the merge's RBAC, its wait on
 * both outcomes of the shard Job, SIGTERM reaching node, and the shard count.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const MANIFEST = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  '..',
  'examples',
  'k8s-indexed-job.yaml',
);

// biome-ignore lint/suspicious/noExplicitAny: manifests are untyped YAML, checked by the schemas below.
type Manifest = Record<string, any>;

const MODELS: Record<string, { validate(): void } | undefined> = {
  'v1/ServiceAccount': new ServiceAccount({}),
  'batch/v1/Job': new Job({}),
  'rbac.authorization.k8s.io/v1/Role': new Role({ rules: [] }),
  'rbac.authorization.k8s.io/v1/RoleBinding': new RoleBinding({
    roleRef: { apiGroup: '', kind: '', name: '' },
  }),
};

/** Validates `doc` as its kind; returns the schema errors plus each field the validator never read. */
function strictProblems(doc: Manifest): string[] {
  const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (model === undefined) return [`no schema for ${doc.apiVersion} ${doc.kind}`];
  const visited: { path: string; value: object; read: Set<string> }[] = [];
  const track = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const read = new Set<string>();
    visited.push({ path, value, read });
    const copy = Array.isArray(value)
      ? value.map((item, i) => track(item, `${path}[${i}]`))
      : Object.fromEntries(Object.entries(value).map(([key, item]) => [key, track(item, `${path}.${key}`)]));
    return new Proxy(copy, {
      get(target, key, receiver) {
        if (typeof key === 'string') read.add(key);
        return Reflect.get(target, key, receiver);
      },
    });
  };
  const problems: string[] = [];
  try {
    model.validate.call(track(doc, ''));
  } catch (error) {
    problems.push((error as Error).message);
  }
  for (const { path, value, read } of visited) {
    if (Array.isArray(value)) continue;
    for (const key of Object.keys(value)) if (!read.has(key)) problems.push(`unknown field ${path}.${key}`);
  }
  return problems;
}

const documents = parseAllDocuments(readFileSync(MANIFEST, 'utf8')).map((doc) => {
  expect(doc.errors).toEqual([]);
  return doc.toJS() as Manifest;
});
const find = (kind: string, name: string) => {
  const doc = documents.find((d) => d.kind === kind && d.metadata?.name === name);
  expect(doc, `${kind} ${name}`).toBeDefined();
  return doc!;
};

describe('examples/k8s-indexed-job.yaml', () => {
  it('every document passes the Kubernetes schema with no unknown field', () => {
    expect(documents.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'ServiceAccount/cam-localize-merge',
      'Role/cam-localize-merge',
      'RoleBinding/cam-localize-merge',
      'Job/cam-localize-shards',
      'Job/cam-localize-merge',
    ]);
    for (const doc of documents) expect(strictProblems(doc), `${doc.kind}/${doc.metadata.name}`).toEqual([]);
  });

  it('the strict check refuses a misspelt field, a misplaced one and a wrong type', () => {
    const shards = structuredClone(find('Job', 'cam-localize-shards'));
    shards.spec.template.spec.containers[0].comand = ['x'];
    shards.spec.parallelismm = 2;
    shards.spec.completions = 'eight';
    const problems = strictProblems(shards);
    expect(problems).toContain('unknown field .spec.template.spec.containers[0].comand');
    expect(problems).toContain('unknown field .spec.parallelismm');
    expect(problems.join('\n')).toMatch(/completions must be integer/);
  });

  it('the merge runs as an account bound to a Role with get, list and watch on jobs', () => {
    const merge = find('Job', 'cam-localize-merge');
    const account = merge.spec.template.spec.serviceAccountName;
    find('ServiceAccount', account);
    const binding = documents.find(
      (d) =>
        d.kind === 'RoleBinding' &&
        d.subjects.some((s: Manifest) => s.kind === 'ServiceAccount' && s.name === account),
    );
    expect(binding?.roleRef).toMatchObject({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role' });
    const role = find('Role', binding!.roleRef.name);
    const rule = role.rules.find(
      (r: Manifest) => r.apiGroups.includes('batch') && r.resources.includes('jobs'),
    );
    expect(rule.verbs).toEqual(expect.arrayContaining(['get', 'list', 'watch']));
  });

  it('the merge waits for the shard Job to complete, and stops at once when it failed', () => {
    const wait = find('Job', 'cam-localize-merge').spec.template.spec.initContainers[0].args.join('\n');
    expect(wait).toContain('job/cam-localize-shards');
    expect(wait).toMatch(/\*" Complete "\*\) .*exit 0/);
    expect(wait).toMatch(/\*" Failed "\*\)[\s\S]*?exit 1/);
  });

  it('SIGTERM reaches node: the shards run under tini -g, the merge execs node', () => {
    const shard = find('Job', 'cam-localize-shards').spec.template.spec.containers[0];
    expect(shard.command.slice(0, 3)).toEqual(['tini', '-g', '--']);
    const merge = find('Job', 'cam-localize-merge').spec.template.spec.containers[0];
    expect(merge.args[0]).toMatch(/^exec cam-localize merge /);
  });

  it('CAM_LOCALIZE_SHARD_COUNT equals completions; the merge reads the folder the shards write', () => {
    const shards = find('Job', 'cam-localize-shards');
    const container = shards.spec.template.spec.containers[0];
    const count = container.env.find((e: Manifest) => e.name === 'CAM_LOCALIZE_SHARD_COUNT').value;
    expect(Number(count)).toBe(shards.spec.completions);
    expect(shards.spec.completionMode).toBe('Indexed');
    const out = /OUT=(\S+)-\$JOB_COMPLETION_INDEX/.exec(container.args[0])![1];
    expect(find('Job', 'cam-localize-merge').spec.template.spec.containers[0].args[0]).toContain(`${out}-*`);
  });
});
