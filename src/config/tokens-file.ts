import { readFileSync } from 'node:fs';
import { isMap, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ROLES, type AccessGrant, type Role } from '../core/access.js';
import { InputError } from '../core/errors.js';

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Reads the tokens file (setting tokensFile): who may do what, by token.
 *
 *   tokens:
 *     - name: ana                 # the actor the audit log records
 *       sha256: 5e88...           # sha256 of the token, hex: `printf %s "$TOKEN" | sha256sum`
 *       roles: [read, approve]    # read, predict, register, approve, deploy, review
 *       models: [hs4, "hs6*"]     # optional; exact names or prefixes with *; default every model
 *
 * Every problem names the file, the line and the field; nothing is half-read.
 */
export function readTokensFile(path: string): AccessGrant[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError('tokens-file-unreadable', `cannot read the tokens file ${path}: ${(e as Error).message}`, { file: path }, 'Check the tokensFile setting (--tokens-file, LADING_TOKENS_FILE).');
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (node: unknown) => lines.linePos((node as Node | null)?.range?.[0] ?? 0).line;
  const bad = (node: unknown, field: string, message: string) =>
    new InputError('bad-tokens-file', `${path}:${lineOf(node)}: ${field}: ${message}`, { file: path, line: lineOf(node), field });
  if (doc.errors[0]) {
    const at = doc.errors[0].linePos?.[0];
    throw new InputError('bad-tokens-file', `${path}:${at?.line ?? 1}: ${doc.errors[0].message.split('\n')[0]}`, { file: path, line: at?.line });
  }
  const root = doc.contents;
  const list = isMap(root) ? root.get('tokens', true) : undefined;
  if (!isMap(root) || !isSeq(list)) throw bad(root, 'tokens', 'the file must hold `tokens:`, a list of {name, sha256, roles, models?}');
  const grants: AccessGrant[] = [];
  list.items.forEach((item, i) => {
    const where = `tokens[${i}]`;
    if (!isMap(item)) throw bad(item, where, 'each token is a mapping {name, sha256, roles, models?}');
    for (const pair of item.items) {
      const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
      if (!['name', 'sha256', 'roles', 'models'].includes(key)) throw bad(pair.key, `${where}.${key}`, 'unknown field (name, sha256, roles, models)');
    }
    const field = (k: string) => ({ node: item.get(k, true) as unknown, value: (item.toJSON() as Record<string, unknown>)[k] });
    const name = field('name');
    if (typeof name.value !== 'string' || name.value.trim() === '') throw bad(name.node ?? item, `${where}.name`, 'a non-empty name (the actor recorded in the audit log)');
    const sha = field('sha256');
    if (typeof sha.value !== 'string' || !HEX64.test(sha.value)) throw bad(sha.node ?? item, `${where}.sha256`, 'the token\'s sha256 as 64 lowercase hex digits (`printf %s "$TOKEN" | sha256sum`), never the token itself');
    const roles = field('roles');
    if (!Array.isArray(roles.value) || roles.value.length === 0) throw bad(roles.node ?? item, `${where}.roles`, `a non-empty list of ${ROLES.join(', ')}`);
    for (const r of roles.value) if (!(ROLES as readonly unknown[]).includes(r)) throw bad(roles.node, `${where}.roles`, `unknown role ${JSON.stringify(r)} (known: ${ROLES.join(', ')})`);
    const models = field('models');
    if (models.value !== undefined && (!Array.isArray(models.value) || models.value.length === 0 || !models.value.every((m) => typeof m === 'string' && m.length > 0))) {
      throw bad(models.node, `${where}.models`, 'a non-empty list of model names or prefixes ending in * (omit it for every model)');
    }
    if (grants.some((g) => g.name === name.value)) throw bad(name.node, `${where}.name`, `${name.value} is named twice`);
    if (grants.some((g) => g.tokenSha256 === sha.value)) throw bad(sha.node, `${where}.sha256`, `the same token as ${grants.find((g) => g.tokenSha256 === sha.value)!.name}`);
    grants.push({ name: name.value.trim(), tokenSha256: sha.value, roles: roles.value as Role[], models: (models.value as string[] | undefined) ?? ['*'] });
  });
  return grants;
}
