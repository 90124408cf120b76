import { describe, expect, it } from '@jest/globals';
import type { IncomingHttpHeaders } from 'node:http';
import { DeliveryError, parseDelivery } from './delivery.js';

const PAYLOAD = { zen: 'Keep it logically awesome.', hook_id: 1 };
const JSON_BODY = Buffer.from(JSON.stringify(PAYLOAD));
const FORM_BODY = Buffer.from(new URLSearchParams({ payload: JSON.stringify(PAYLOAD) }).toString());
const EVENT = { 'x-github-event': 'ping', 'x-github-delivery': 'delivery-1' };

function failure(headers: IncomingHttpHeaders, body: Buffer): DeliveryError {
  try {
    parseDelivery(headers, body);
  } catch (error) {
    if (error instanceof DeliveryError) return error;
    throw error;
  }
  throw new Error('parseDelivery accepted the request');
}

describe('parseDelivery', () => {
  it.each<[string, string, Buffer]>([
    ['application/json', 'application/json', JSON_BODY],
    ['application/json with a charset', 'application/json; charset=utf-8', JSON_BODY],
    ['a mixed-case media type', 'Application/JSON', JSON_BODY],
    ['a form-encoded payload field', 'application/x-www-form-urlencoded', FORM_BODY],
  ])('reads %s', (_name, contentType, body) => {
    expect(parseDelivery({ 'content-type': contentType, ...EVENT }, body)).toEqual({
      id: 'delivery-1',
      generatedId: false,
      event: 'ping',
      payload: PAYLOAD,
    });
  });

  it.each<[400 | 415, string, IncomingHttpHeaders, Buffer, string]>([
    [415, 'text/plain', { 'content-type': 'text/plain', ...EVENT }, JSON_BODY, 'text/plain'],
    [415, 'multipart/form-data', { 'content-type': 'multipart/form-data', ...EVENT }, FORM_BODY, 'multipart'],
    [415, 'no content type', { ...EVENT }, JSON_BODY, 'none'],
    [415, 'an unknown content type and no event', { 'content-type': 'text/xml' }, JSON_BODY, 'text/xml'],
    [400, 'invalid JSON', { 'content-type': 'application/json', ...EVENT }, Buffer.from('{"zen":'), 'JSON'],
    [400, 'an empty JSON body', { 'content-type': 'application/json', ...EVENT }, Buffer.alloc(0), 'JSON'],
    [
      400,
      'a form without a payload field',
      { 'content-type': 'application/x-www-form-urlencoded', ...EVENT },
      Buffer.from('zen=hi'),
      'payload',
    ],
    [
      400,
      'a form whose payload is not JSON',
      { 'content-type': 'application/x-www-form-urlencoded', ...EVENT },
      Buffer.from('payload=%7Bnope'),
      'JSON',
    ],
    [400, 'a JSON array', { 'content-type': 'application/json', ...EVENT }, Buffer.from('[1]'), 'object'],
    [400, 'JSON null', { 'content-type': 'application/json', ...EVENT }, Buffer.from('null'), 'object'],
    [400, 'a JSON string', { 'content-type': 'application/json', ...EVENT }, Buffer.from('"push"'), 'object'],
    [400, 'no X-GitHub-Event', { 'content-type': 'application/json' }, JSON_BODY, 'X-GitHub-Event'],
    [
      400,
      'a blank X-GitHub-Event',
      { 'content-type': 'application/json', 'x-github-event': ' ' },
      JSON_BODY,
      'X-GitHub-Event',
    ],
  ])('answers %i to %s', (status, _name, headers, body, inMessage) => {
    const error = failure(headers, body);
    expect(error.status).toBe(status);
    expect(error.message).toContain(inMessage);
  });

  it('makes up a distinct id and says so when X-GitHub-Delivery is missing', () => {
    const headers = { 'content-type': 'application/json', 'x-github-event': 'ping' };
    const first = parseDelivery(headers, JSON_BODY);
    const second = parseDelivery(headers, JSON_BODY);
    expect(first).toMatchObject({ generatedId: true, event: 'ping', payload: PAYLOAD });
    expect(first.id).toMatch(/\S/);
    expect(second.id).not.toBe(first.id);
  });
});
