// Drives the official @strapi/client against a running chatapp (BASE_URL) the way an app would,
// and prints one JSON report of what each call answered; tests/e2e/test_strapi_client.py judges it.
import { strapi, HTTPError } from '@strapi/client';

const base = process.env.BASE_URL;

async function register(username) {
  const response = await fetch(`${base}/api/auth/local/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, email: `${username}@example.com`, password: 'correct horse' }),
  });
  return response.json();
}

async function outcome(call) {
  try {
    return { ok: await call() };
  } catch (error) {
    if (!(error instanceof HTTPError)) throw error;
    return { error: error.name, status: error.response.status, body: await error.response.json() };
  }
}

const messages = (result) => result.ok.data.map((row) => row.message);

const alice = await register('alice');
const bob = await register('bob');
const client = strapi({ baseURL: `${base}/api`, auth: alice.jwt });
const sessions = client.collection('chat-sessions');
const report = {};

const created = [];
for (const message of ['apple', 'Banana', 'cherry 100%']) {
  created.push((await sessions.create({ message })).data);
}
report.created = created;
const bobs = strapi({ baseURL: `${base}/api`, auth: bob.jwt }).collection('chat-sessions');
await bobs.create({ message: 'bob only' });

const pages = await outcome(() => sessions.find({ pagination: { page: 2, pageSize: 2 }, sort: 'id:asc' }));
report.page = { messages: messages(pages), meta: pages.ok.meta };
const offset = await outcome(() => sessions.find({ pagination: { start: 1, limit: 1 }, sort: ['id:asc'] }));
report.offset = { messages: messages(offset), meta: offset.ok.meta };
const uncounted = await outcome(() => sessions.find({ pagination: { start: 0, limit: 2, withCount: false } }));
report.uncounted = uncounted.ok.meta;
report.sortArray = messages(await outcome(() => sessions.find({ sort: ['kind:asc', 'timestamp:desc', 'id:desc'] })));
report.sortString = messages(await outcome(() => sessions.find({ sort: 'id:asc' })));

report.filters = {
  or: messages(await outcome(() => sessions.find({
    filters: { $or: [{ message: { $eqi: 'BANANA' } }, { message: { $startsWith: 'ch' } }] }, sort: ['id:asc'],
  }))),
  containsi: messages(await outcome(() => sessions.find({ filters: { message: { $containsi: 'AN' } } }))),
  percent: messages(await outcome(() => sessions.find({ filters: { message: { $contains: '0%' } } }))),
  in: messages(await outcome(() => sessions.find({
    filters: { id: { $in: [created[0].id, created[2].id] } }, sort: ['id:asc'],
  }))),
  not: messages(await outcome(() => sessions.find({
    filters: { $not: { message: { $endsWith: 'e' } } }, sort: ['id:asc'],
  }))),
  implicit: messages(await outcome(() => sessions.find({ filters: { kind: 'message', message: 'apple' } }))),
  author: messages(await outcome(() => sessions.find({ filters: { user: { username: { $eq: 'bob' } } } }))),
};
report.fields = (await outcome(() => sessions.find({ fields: ['message'], sort: ['id:asc'] }))).ok.data[0];
report.populate = (await outcome(() => sessions.find({ populate: '*', sort: ['id:asc'] }))).ok.data[0].user;

report.findOne = (await outcome(() => sessions.findOne(created[1].documentId))).ok;
report.update = (await outcome(() => sessions.update(created[0].documentId, { message: 'apple pie' }))).ok;
report.afterUpdate = (await outcome(() => sessions.findOne(created[0].documentId))).ok.data.message;
report.delete = await outcome(() => sessions.delete(created[2].documentId));
report.afterDelete = messages(await outcome(() => sessions.find({ sort: ['id:asc'] })));

report.errors = {
  deletedIsNotFound: await outcome(() => sessions.findOne(created[2].documentId)),
  deleteTwice: await outcome(() => sessions.delete(created[2].documentId)),
  badSort: await outcome(() => sessions.find({ sort: ['bogus:sideways'] })),
  unknownField: await outcome(() => sessions.find({ filters: { password: { $eq: 'x' } } })),
  emptyMessage: await outcome(() => sessions.create({ message: '   ' })),
  asSomeoneElse: await outcome(() => sessions.create({ message: 'forged', user: bob.user.id })),
  othersRow: await outcome(() => bobs.update(created[0].documentId, { message: 'taken over' })),
  withoutToken: await outcome(() => strapi({ baseURL: `${base}/api` }).collection('chat-sessions').find()),
};

const users = client.collection('users');
report.users = {
  find: (await outcome(() => users.find({ filters: { username: { $startsWith: 'b' } } }))).ok,
  findOne: (await outcome(() => users.findOne(bob.user.id))).ok,
};

process.stdout.write(JSON.stringify(report));
