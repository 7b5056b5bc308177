import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { credentialsProblem, loginUrl, parseUsername, poolKey } from '../../../adapter/src/amqp/credentials';
import { isAccessRefused, loginFailure } from '../../../adapter/src/amqp/errors';
import { Reason } from '../../../adapter/src/mqtt/reason-codes';

describe('amqp/credentials', () => {
  it('splits `vhost:user` at the last colon, as the plugin does', () => {
    assert.deepEqual(parseUsername('/:guest', 'dflt'), { vhost: '/', user: 'guest' });
    assert.deepEqual(parseUsername('prod:alice', 'dflt'), { vhost: 'prod', user: 'alice' });
    assert.deepEqual(parseUsername('vh:us:er', 'dflt'), { vhost: 'vh:us', user: 'er' });
  });

  it('uses the default vhost for a name without a vhost part', () => {
    assert.deepEqual(parseUsername('guest', '/'), { vhost: '/', user: 'guest' });
    assert.deepEqual(parseUsername(':guest', 'dflt'), { vhost: 'dflt', user: ':guest' });
  });

  it('refuses a virtual host longer than AMQP carries (255 bytes) before any node is tried', () => {
    const login = (vhost: string) => ({ vhost, user: 'guest', password: 'guest' });
    assert.equal(credentialsProblem(login('v'.repeat(255))), undefined);
    assert.equal(credentialsProblem(login('v'.repeat(256)))?.reason, Reason.NotAuthorized);
    assert.equal(
      credentialsProblem(login('é'.repeat(128)))?.reason,
      Reason.NotAuthorized,
      '256 bytes in UTF-8',
    );
  });

  it('builds the login URL with encoded user, password and vhost', () => {
    const url = loginUrl('amqp://ignored:creds@rabbit:5672', { vhost: '/', user: 'a@b', password: 'p:w/d' });
    assert.equal(url, 'amqp://a%40b:p%3Aw%2Fd@rabbit:5672/%2F');
    const parsed = new URL(url);
    assert.equal(decodeURIComponent(parsed.password), 'p:w/d');
    assert.equal(decodeURIComponent(parsed.pathname.slice(1)), '/');
  });

  it('keys the pool by vhost, user and password digest, never the password itself', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8 }), fc.string({ minLength: 8 }), (a, b) => {
        fc.pre(a !== b);
        const k1 = poolKey({ vhost: '/', user: 'u', password: a });
        const k2 = poolKey({ vhost: '/', user: 'u', password: b });
        assert.notEqual(k1, k2);
        assert.ok(!k1.includes(a));
        assert.equal(k1, poolKey({ vhost: '/', user: 'u', password: a }));
      }),
    );
    assert.notEqual(
      poolKey({ vhost: 'a', user: 'u', password: 'p' }),
      poolKey({ vhost: 'b', user: 'u', password: 'p' }),
    );
  });
});

describe('amqp/errors: login failures to CONNACK reasons', () => {
  it('maps a refused login to bad username or password', () => {
    const e = loginFailure(
      new Error('Handshake terminated by server: 403 (ACCESS-REFUSED) with message ...'),
    );
    assert.equal(e.reason, Reason.BadUserNameOrPassword);
  });

  it('maps a refused vhost to not authorized', () => {
    const e = loginFailure(new Error('Expected ConnectionOpenOk; got <ConnectionClose channel:0>'));
    assert.equal(e.reason, Reason.NotAuthorized);
    assert.equal(loginFailure(new Error('530 (NOT-ALLOWED) vhost x not found')).reason, Reason.NotAuthorized);
  });

  it('maps anything else to server unavailable', () => {
    assert.equal(
      loginFailure(new Error('connect ECONNREFUSED 127.0.0.1:1')).reason,
      Reason.ServerUnavailable,
    );
    assert.equal(loginFailure('weird').reason, Reason.ServerUnavailable);
  });

  it('recognises a 403 by reply code or by message', () => {
    assert.equal(isAccessRefused(Object.assign(new Error('x'), { code: 403 })), true);
    assert.equal(isAccessRefused(new Error('Channel closed by server: 403 (ACCESS-REFUSED)')), true);
    assert.equal(isAccessRefused(Object.assign(new Error('x'), { code: 404 })), false);
    assert.equal(isAccessRefused(undefined), false);
  });
});
