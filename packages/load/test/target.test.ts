import { describe, expect, it } from 'vitest';
import { cpuCount, eachCpu, loopbackUrl, pinned } from '../src/target.js';
import { checkStep } from '../src/step.js';
import { step } from './helpers.js';

describe('loopbackUrl', () => {
  it('accepts a server on this machine', () => {
    for (const url of ['http://127.0.0.1:8000', 'http://localhost:1/', 'http://[::1]:8000', 'http://127.1.2.3:9']) {
      expect(() => loopbackUrl(url)).not.toThrow();
    }
  });

  it('refuses anything else, saying why', () => {
    expect(() => loopbackUrl('http://10.0.0.1:8000')).toThrow(/only loads servers on this machine/);
    expect(() => loopbackUrl('http://127.0.0.1.example.com')).toThrow(/only loads servers on this machine/);
    expect(() => loopbackUrl('https://127.0.0.1:8000')).toThrow(/only http/);
    expect(() => loopbackUrl('127.0.0.1:8000')).toThrow(/only http|not a URL/);
    expect(() => loopbackUrl('http://127.0.0.1:8000/kv')).toThrow(/base URL only/);
  });
});

describe('cpuCount', () => {
  it('counts the CPUs of a taskset list', () => {
    expect(cpuCount('0')).toBe(1);
    expect(cpuCount('0-3,6,8-9')).toBe(7);
    expect(() => cpuCount('a')).toThrow(/bad CPU list/);
  });

  it('wraps a command in taskset only when asked, and always in setpriv so it dies with the runner', () => {
    expect(pinned(['wrk', '-v'], '1')).toEqual(['setpriv', '--pdeathsig', 'KILL', '--', 'taskset', '--cpu-list', '1', 'wrk', '-v']);
    expect(pinned(['wrk', '-v'], undefined)).toEqual(['setpriv', '--pdeathsig', 'KILL', '--', 'wrk', '-v']);
  });
});

describe('checkStep', () => {
  it('wants exactly one of requests and durationSec', () => {
    expect(() => checkStep(step({ requests: 10 }))).not.toThrow();
    expect(() => checkStep({ ...step(), requests: undefined })).toThrow(/exactly one of requests or durationSec/);
    expect(() => checkStep(step({ requests: 10, durationSec: 1 }))).toThrow(/exactly one/);
  });
});

describe('eachCpu', () => {
  it('lists the CPUs of a taskset list one by one, and refuses a bad list as cpuCount does', () => {
    expect(eachCpu('0-2,5')).toEqual(['0', '1', '2', '5']);
    expect(eachCpu('1')).toEqual(['1']);
    expect(() => eachCpu('a-b')).toThrow(/bad CPU list "a-b"/);
  });
});
