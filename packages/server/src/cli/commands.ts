// `gatehouse projects|bots|clients|apis|keys|users ...`: each subcommand parses its flags, asks a backend (a running
// server over HTTP, or the store with --data-dir) and prints the result.
import { type Args, type FlagSpec, UsageError, bool, int, list, need, parseArgs, str } from './args.ts';
import type { AdminBackend, Json } from './backend.ts';
import { type Io, record, show, table } from './output.ts';
import { generatePassword } from '../crypto/passwords.ts';
import fs from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { DEFAULT_ADMIN_URL } from '../config.ts';

/** A public key from a file: a JWK (JSON) or a PEM public key (SPKI); a private key is refused here already. */
function readPublicKey(file: string): Json {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  if (/PRIVATE KEY/.test(text) || /"d"\s*:/.test(text)) throw new UsageError(`${file} holds a private key: pass the public key only`);
  if (text.trimStart().startsWith('{')) {
    try {
      return JSON.parse(text) as Json;
    } catch {
      throw new UsageError(`${file} is not valid JSON`);
    }
  }
  try {
    return createPublicKey(text).export({ format: 'jwk' }) as Json;
  } catch {
    throw new UsageError(`${file} is neither a JWK nor a PEM public key`);
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read JSON from ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function credentialsOut(io: Io, args: Args, c: Json): void {
  show(io, json(args), c, () => {
    const keys = c.keys as Json[];
    const head = record(c, ['bot_id', 'client_id', 'secret', 'jwks_uri', 'auth_methods']);
    return keys.length ? `${head}\n${table(keys, ['kid', 'alg', 'kty', 'expires_at', 'created_at'])}` : `${head}(no inline keys)\n`;
  });
}

interface Subcommand {
  readonly usage: string;
  readonly flags: FlagSpec;
  run(b: AdminBackend, args: Args, io: Io): Promise<void>;
}

const json = (args: Args) => bool(args, 'json');
const API_FIELDS = ['id', 'identifier', 'name', 'project_id', 'scopes', 'role_scopes', 'user_scopes', 'token_lifetime', 'signing_alg'];
const ROLE_FLAGS = ['owner-scopes', 'developer-scopes', 'viewer-scopes'];

/** --owner-scopes, --developer-scopes, --viewer-scopes as a role mapping (undefined when none is given). */
function roleScopes(args: Args): { owner?: string[]; developer?: string[]; viewer?: string[] } | undefined {
  const out: { owner?: string[]; developer?: string[]; viewer?: string[] } = {};
  for (const role of ['owner', 'developer', 'viewer'] as const) {
    const v = list(args, `${role}-scopes`);
    if (v !== undefined) out[role] = v;
  }
  return Object.keys(out).length ? out : undefined;
}
const SECRET_NOTE = 'The secret is shown once: store it now. It works as password and as client_secret.\n';

function botOut(io: Io, args: Args, bot: Json): void {
  show(io, json(args), bot, () => record(bot, ['id', 'project_id', 'name', 'role', 'email', 'client_id', 'client_secret']));
  if (!json(args)) io.err(SECRET_NOTE);
}

export const ADMIN_COMMANDS: Record<string, Record<string, Subcommand>> = {
  projects: {
    create: {
      usage: 'projects create NAME [--owner EMAIL (with --data-dir)]',
      flags: { strings: ['name', 'owner'], positionals: 1 },
      async run(b, args, io) {
        const p = await b.createProject(need(args, 'name', 0), str(args, 'owner'));
        show(io, json(args), p, () => record(p, ['id', 'name', 'role', 'created_at']));
      },
    },
    list: {
      usage: 'projects list',
      flags: {},
      async run(b, args, io) {
        const ps = await b.listProjects();
        show(io, json(args), ps, () => table(ps, ['id', 'name', 'role', 'created_at']));
      },
    },
  },
  bots: {
    create: {
      usage: 'bots create NAME --project ID [--role developer|viewer]',
      flags: { strings: ['name', 'project', 'role'], positionals: 1 },
      async run(b, args, io) {
        botOut(io, args, await b.createBot(need(args, 'project'), need(args, 'name', 0), str(args, 'role')));
      },
    },
    list: {
      usage: 'bots list --project ID',
      flags: { strings: ['project'] },
      async run(b, args, io) {
        const bots = await b.listBots(need(args, 'project'));
        show(io, json(args), bots, () => table(bots, ['id', 'name', 'role', 'email', 'secret', 'secret_prefix', 'created_at']));
      },
    },
    rotate: {
      usage: 'bots rotate BOT_ID --project ID [--grace SECONDS]',
      flags: { strings: ['bot', 'project', 'grace'], positionals: 1 },
      async run(b, args, io) {
        botOut(io, args, await b.rotateBot(need(args, 'project'), need(args, 'bot', 0), int(args, 'grace')));
      },
    },
    keys: {
      usage:
        'bots keys list|add|remove|jwks-uri BOT_ID --project ID [--key FILE (a JWK or PEM public key) [--alg ALG] [--expires ISO-8601]] [--kid KID] [--uri URL|--clear]',
      flags: { strings: ['project', 'key', 'alg', 'expires', 'kid', 'uri'], booleans: ['clear'], positionals: 3 },
      async run(b, args, io) {
        const action = need(args, 'action', 0);
        const project = need(args, 'project');
        const bot = need(args, 'bot', 1);
        if (action === 'list') return credentialsOut(io, args, await b.botKeys(project, bot));
        if (action === 'add') {
          const k = await b.addBotKey(project, bot, { jwk: readPublicKey(need(args, 'key')), alg: str(args, 'alg'), expires_at: str(args, 'expires') });
          return show(io, json(args), k, () => record(k, ['kid', 'alg', 'kty', 'expires_at', 'created_at']));
        }
        if (action === 'remove') {
          const kid = str(args, 'kid') ?? need(args, 'kid', 2);
          await b.removeBotKey(project, bot, kid);
          return show(io, json(args), { removed: kid }, () => `Removed key ${kid}; assertions signed with it no longer work.\n`);
        }
        if (action === 'jwks-uri') {
          const uri = bool(args, 'clear') ? null : need(args, 'uri');
          return credentialsOut(io, args, await b.setBotJwksUri(project, bot, uri));
        }
        throw new UsageError(`bots keys: unknown action "${action}" (list, add, remove, jwks-uri)`);
      },
    },
    'disable-secret': {
      usage: 'bots disable-secret BOT_ID --project ID   (the bot then authenticates with its keys or federation; bots rotate turns a new secret on)',
      flags: { strings: ['bot', 'project'], positionals: 1 },
      async run(b, args, io) {
        credentialsOut(io, args, await b.disableBotSecret(need(args, 'project'), need(args, 'bot', 0)));
      },
    },
    delete: {
      usage: 'bots delete BOT_ID --project ID',
      flags: { strings: ['bot', 'project'], positionals: 1 },
      async run(b, args, io) {
        const id = need(args, 'bot', 0);
        await b.deleteBot(need(args, 'project'), id);
        show(io, json(args), { deleted: id }, () => `Deleted bot ${id}; its tokens no longer work.\n`);
      },
    },
  },
  federation: {
    issuers: {
      usage: 'federation issuers list|add|remove --project ID [--issuer ISS [--jwks-uri URL | --jwks-file FILE]] [--id ISSUER_ID]   (without --jwks-uri/--jwks-file the keys come from ISS/.well-known/openid-configuration)',
      flags: { strings: ['project', 'issuer', 'jwks-uri', 'jwks-file', 'id'], positionals: 2 },
      async run(b, args, io) {
        const action = need(args, 'action', 0);
        const project = need(args, 'project');
        const cols = ['id', 'issuer', 'keys_from', 'jwks_uri', 'created_at'];
        if (action === 'list') {
          const is = await b.listIssuers(project);
          return show(io, json(args), is, () => table(is, cols));
        }
        if (action === 'add') {
          const file = str(args, 'jwks-file');
          const jwks = file === undefined ? undefined : (readJson(file) as Json);
          const i = await b.addIssuer(project, { issuer: need(args, 'issuer'), jwks_uri: str(args, 'jwks-uri'), jwks });
          return show(io, json(args), i, () => record(i, cols));
        }
        if (action === 'remove') {
          const id = str(args, 'id') ?? need(args, 'id', 1);
          await b.removeIssuer(project, id);
          return show(io, json(args), { removed: id }, () => `Removed trusted issuer ${id} and its rules.\n`);
        }
        throw new UsageError(`federation issuers: unknown action "${action}" (list, add, remove)`);
      },
    },
    rules: {
      usage:
        'federation rules list|add|remove --project ID [--name NAME --issuer-id ID --bot BOT_ID --audience AUD --subject SUB|GLOB [--claim name=value ...,] [--single-use]] [--id RULE_ID]',
      flags: { strings: ['project', 'name', 'issuer-id', 'bot', 'audience', 'subject', 'claim', 'id'], booleans: ['single-use'], positionals: 2 },
      async run(b, args, io) {
        const action = need(args, 'action', 0);
        const project = need(args, 'project');
        const cols = ['id', 'name', 'issuer_id', 'bot_id', 'audience', 'subject', 'single_use'];
        if (action === 'list') {
          const rs = await b.listRules(project);
          return show(io, json(args), rs, () => table(rs, cols));
        }
        if (action === 'add') {
          const claims: Record<string, string> = {};
          for (const pair of list(args, 'claim') ?? []) {
            const i = pair.indexOf('=');
            if (i < 1) throw new UsageError(`--claim takes name=value, got "${pair}"`);
            claims[pair.slice(0, i)] = pair.slice(i + 1);
          }
          const r = await b.addRule(project, {
            name: need(args, 'name'),
            issuer_id: need(args, 'issuer-id'),
            bot_id: need(args, 'bot'),
            audience: need(args, 'audience'),
            subject: need(args, 'subject'),
            claims: Object.keys(claims).length ? claims : undefined,
            single_use: bool(args, 'single-use') || undefined,
          });
          show(io, json(args), r, () => record(r, [...cols, 'claims']));
          if (!json(args)) for (const w of (r.warnings as string[] | undefined) ?? []) io.err(`warning: ${w}\n`);
          return;
        }
        if (action === 'remove') {
          const id = str(args, 'id') ?? need(args, 'id', 1);
          await b.removeRule(project, id);
          return show(io, json(args), { removed: id }, () => `Removed federation rule ${id}.\n`);
        }
        throw new UsageError(`federation rules: unknown action "${action}" (list, add, remove)`);
      },
    },
  },
  clients: {
    create: {
      usage: 'clients create NAME --project ID --type web|spa|native --redirect-uris URI,... [--post-logout-uris URI,...] [--grants a,b] [--audiences AUD,...]',
      flags: { strings: ['name', 'project', 'type', 'redirect-uris', 'post-logout-uris', 'grants', 'audiences'], positionals: 1 },
      async run(b, args, io) {
        const c = await b.createClient(need(args, 'project'), {
          name: need(args, 'name', 0),
          type: need(args, 'type'),
          redirect_uris: list(args, 'redirect-uris'),
          post_logout_redirect_uris: list(args, 'post-logout-uris'),
          grant_types: list(args, 'grants'),
          audiences: list(args, 'audiences'),
        });
        show(io, json(args), c, () => record(c, ['id', 'client_id', 'name', 'type', 'redirect_uris', 'grant_types', 'client_secret']));
        if (!json(args) && c.client_secret) io.err('The client secret is shown once: store it now.\n');
      },
    },
    list: {
      usage: 'clients list --project ID',
      flags: { strings: ['project'] },
      async run(b, args, io) {
        const cs = await b.listClients(need(args, 'project'));
        show(io, json(args), cs, () => table(cs, ['id', 'client_id', 'name', 'type', 'first_party', 'created_at']));
      },
    },
    delete: {
      usage: 'clients delete ID --project ID',
      flags: { strings: ['client', 'project'], positionals: 1 },
      async run(b, args, io) {
        const id = need(args, 'client', 0);
        await b.deleteClient(need(args, 'project'), id);
        show(io, json(args), { deleted: id }, () => `Deleted client ${id}.\n`);
      },
    },
  },
  apis: {
    create: {
      usage:
        'apis create IDENTIFIER [--name NAME] [--scopes a,b] [--lifetime SECONDS] [--alg ES256|EdDSA|RS256|PS256] [--project PROJECT_ID (owner; global without)]\n' +
        '    [--owner-scopes a,b] [--developer-scopes a] [--viewer-scopes a] [--user-scopes a (every signed-in user)] [--listed]',
      flags: { strings: ['identifier', 'name', 'scopes', 'lifetime', 'alg', 'project', ...ROLE_FLAGS, 'user-scopes'], booleans: ['listed'], positionals: 1 },
      async run(b, args, io) {
        const api = await b.createApi({
          identifier: need(args, 'identifier', 0),
          name: str(args, 'name'),
          scopes: list(args, 'scopes'),
          token_lifetime: int(args, 'lifetime'),
          signing_alg: str(args, 'alg'),
          project_id: str(args, 'project'),
          role_scopes: roleScopes(args),
          user_scopes: list(args, 'user-scopes'),
          listed: bool(args, 'listed') || undefined,
        });
        show(io, json(args), api, () => record(api, API_FIELDS));
      },
    },
    update: {
      usage: 'apis update ID|IDENTIFIER [--name NAME] [--scopes a,b] [--lifetime SECONDS] [--alg ALG] [--owner-scopes a,b] [--developer-scopes a] [--viewer-scopes a] [--user-scopes a]',
      flags: { strings: ['api', 'name', 'scopes', 'lifetime', 'alg', ...ROLE_FLAGS, 'user-scopes'], positionals: 1 },
      async run(b, args, io) {
        const api = await b.updateApi(need(args, 'api', 0), {
          name: str(args, 'name'),
          scopes: list(args, 'scopes'),
          token_lifetime: int(args, 'lifetime'),
          signing_alg: str(args, 'alg'),
          role_scopes: roleScopes(args),
          user_scopes: list(args, 'user-scopes'),
        });
        show(io, json(args), api, () => record(api, API_FIELDS));
      },
    },
    grant: {
      usage: "apis grant --api ID|IDENTIFIER --bot BOT_ID --scopes a,b   (an empty --scopes= grants the API without scopes; within the bot's project's access)",
      flags: { strings: ['api', 'bot', 'scopes'] },
      async run(b, args, io) {
        const scopes = list(args, 'scopes');
        if (scopes === undefined) throw new UsageError('--scopes is required (comma-separated; --scopes= for none)');
        const g = await b.grant(need(args, 'api'), need(args, 'bot'), scopes);
        show(io, json(args), g, () => record(g, ['api_id', 'bot_id', 'scopes']));
      },
    },
  },
  'apis access': {
    add: {
      usage: 'apis access add --api ID|IDENTIFIER --project PROJECT_ID --scopes a,b   (the project may use these scopes; --scopes= for none)',
      flags: { strings: ['api', 'project', 'scopes'] },
      async run(b, args, io) {
        const scopes = list(args, 'scopes');
        if (scopes === undefined) throw new UsageError('--scopes is required (comma-separated; --scopes= for none)');
        const e = await b.addAccess(need(args, 'api'), need(args, 'project'), scopes);
        show(io, json(args), e, () => record(e, ['api_id', 'project_id', 'scopes']));
      },
    },
    remove: {
      usage: "apis access remove --api ID|IDENTIFIER --project PROJECT_ID   (also ends the project's bots' grants on the API)",
      flags: { strings: ['api', 'project'] },
      async run(b, args, io) {
        await b.removeAccess(need(args, 'api'), need(args, 'project'));
        show(io, json(args), { removed: need(args, 'project') }, () => `Project ${need(args, 'project')} no longer has access; its bots' grants on the API are gone.\n`);
      },
    },
    list: {
      usage: 'apis access list --api ID|IDENTIFIER',
      flags: { strings: ['api'] },
      async run(b, args, io) {
        const entries = await b.listAccess(need(args, 'api'));
        show(io, json(args), entries, () => table(entries, ['project_id', 'scopes', 'created_at']));
      },
    },
  },
  keys: {
    list: {
      usage: 'keys list',
      flags: {},
      async run(b, args, io) {
        const k = await b.listKeys();
        show(io, json(args), k, () => table(k.keys as Json[], ['kid', 'alg', 'state', 'created_at', 'activated_at', 'publish_until']));
      },
    },
    rotate: {
      usage: 'keys rotate',
      flags: {},
      async run(b, args, io) {
        const r = await b.rotateKeys();
        show(io, json(args), r, () => `Rotated: ${(r.rotated as string[]).join(', ') || 'nothing'} now signing${(r.retired as string[]).length ? `; retired ${(r.retired as string[]).join(', ')}` : ''}.\n${table(r.keys as Json[], ['kid', 'alg', 'state', 'publish_until'])}`);
      },
    },
  },
  users: {
    create: {
      usage: 'users create EMAIL [--name NAME] [--admin] [--password-stdin]   (without --password-stdin a password is generated and shown once)',
      flags: { strings: ['email', 'name'], booleans: ['admin', 'password-stdin'], positionals: 1 },
      async run(b, args, io) {
        let password: string;
        let generated = false;
        if (bool(args, 'password-stdin')) {
          password = (await io.readStdin()).replace(/\r?\n$/, '');
          if (!password) throw new UsageError('--password-stdin read an empty password');
        } else {
          password = generatePassword();
          generated = true;
        }
        const u = await b.createUser({ email: need(args, 'email', 0), password, name: str(args, 'name'), admin: bool(args, 'admin') || undefined });
        const out = generated ? { ...u, password } : u;
        show(io, json(args), out, () => record(out, ['id', 'email', 'name', 'admin', 'password']));
        if (generated && !json(args)) io.err('The generated password is shown once: store it now.\n');
      },
    },
    disable: {
      usage: 'users disable USER_ID   (ends their sessions and tokens; memberships are kept)',
      flags: { positionals: 1 },
      async run(b, args, io) {
        const u = await b.setUserDisabled(need(args, 'user', 0), true);
        show(io, json(args), u, () => record(u, ['id', 'email', 'disabled']));
      },
    },
    enable: {
      usage: 'users enable USER_ID   (logins work again; ended tokens stay ended)',
      flags: { positionals: 1 },
      async run(b, args, io) {
        const u = await b.setUserDisabled(need(args, 'user', 0), false);
        show(io, json(args), u, () => record(u, ['id', 'email', 'disabled']));
      },
    },
    delete: {
      usage: "users delete USER_ID   (ends everything, removes memberships; refused for a project's last owner)",
      flags: { positionals: 1 },
      async run(b, args, io) {
        const id = need(args, 'user', 0);
        await b.deleteUser(id);
        show(io, json(args), { deleted: id }, () => `Deleted user ${id}; their sessions and tokens no longer work.\n`);
      },
    },
  },
};

export function adminUsage(): string {
  const lines = Object.values(ADMIN_COMMANDS).flatMap((subs) => Object.values(subs).map((s) => `  gatehouse ${s.usage}`));
  return `Admin commands:
${lines.join('\n')}

  Against a running server: --url URL (or GATEHOUSE_URL; default ${DEFAULT_ADMIN_URL})
    and --token TOKEN (or GATEHOUSE_TOKEN, or the session saved by gatehouse login).
  Against the store while the server is down: --data-dir DIR [--database-url postgres://...]
    (with GATEHOUSE_SECRET_KEY, or DIR/secret.key).
  --json prints the result as JSON.
`;
}

export { parseArgs };
