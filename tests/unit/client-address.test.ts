import { describe, expect, it } from 'vitest';
import { decideClientAddress, normaliseAddress, parseTrustedProxies } from '@/server/http/client-address';

const none = parseTrustedProxies('');
const proxies = parseTrustedProxies('127.0.0.1, 10.0.0.0/8, fd00::/8, 2001:db8::1');

describe('client address', () => {
  it('is the TCP peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(decideClientAddress({ peerAddress: '203.0.113.9', forwardedFor: '198.51.100.1', trusted: none })).toBe('203.0.113.9');
    expect(decideClientAddress({ peerAddress: '127.0.0.1', forwardedFor: '198.51.100.1', trusted: none })).toBe('127.0.0.1');
  });

  it('ignores X-Forwarded-For from a peer outside TRUST_PROXY', () => {
    expect(decideClientAddress({ peerAddress: '203.0.113.9', forwardedFor: '198.51.100.1', trusted: proxies })).toBe('203.0.113.9');
    expect(decideClientAddress({ peerAddress: '11.0.0.1', forwardedFor: '198.51.100.1', trusted: proxies })).toBe('11.0.0.1');
  });

  it('believes a trusted peer: the rightmost untrusted hop is the client', () => {
    expect(decideClientAddress({ peerAddress: '127.0.0.1', forwardedFor: '198.51.100.1', trusted: proxies })).toBe('198.51.100.1');
    // The client wrote "1.1.1.1" itself; our proxies appended what they saw.
    expect(decideClientAddress({ peerAddress: '10.1.2.3', forwardedFor: '1.1.1.1, 198.51.100.7, 10.9.9.9', trusted: proxies })).toBe('198.51.100.7');
  });

  it('reads repeated X-Forwarded-For headers as one list in order', () => {
    expect(decideClientAddress({ peerAddress: '10.0.0.2', forwardedFor: ['1.1.1.1', '198.51.100.8, 10.0.0.5'], trusted: proxies })).toBe('198.51.100.8');
  });

  it('falls back to the leftmost hop when every hop is a trusted proxy', () => {
    expect(decideClientAddress({ peerAddress: '10.0.0.2', forwardedFor: '10.0.0.9, 10.0.0.3', trusted: proxies })).toBe('10.0.0.9');
  });

  it('stops at garbage: the last address a trusted proxy vouched for is the client', () => {
    expect(decideClientAddress({ peerAddress: '10.0.0.2', forwardedFor: '198.51.100.1, not-an-ip, 10.0.0.3', trusted: proxies })).toBe('10.0.0.3');
    expect(decideClientAddress({ peerAddress: '10.0.0.2', forwardedFor: '', trusted: proxies })).toBe('10.0.0.2');
  });

  it('handles IPv6 peers, ranges and IPv4-mapped addresses', () => {
    expect(decideClientAddress({ peerAddress: 'fd12:3456::1', forwardedFor: '2001:db8::42', trusted: proxies })).toBe('2001:db8::42');
    expect(decideClientAddress({ peerAddress: '2001:db8::1', forwardedFor: '[2001:db8::99]', trusted: proxies })).toBe('2001:db8::99');
    expect(decideClientAddress({ peerAddress: '2001:db8::2', forwardedFor: '198.51.100.1', trusted: proxies })).toBe('2001:db8::2');
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    expect(decideClientAddress({ peerAddress: '::ffff:127.0.0.1', forwardedFor: '198.51.100.3', trusted: proxies })).toBe('198.51.100.3');
    expect(decideClientAddress({ peerAddress: '::ffff:203.0.113.4', forwardedFor: '198.51.100.3', trusted: proxies })).toBe('203.0.113.4');
    expect(normaliseAddress('FE80::1%eth0')).toBe('fe80::1');
  });

  it('has no peer to report for a closed socket', () => {
    expect(decideClientAddress({ peerAddress: undefined, forwardedFor: '198.51.100.1', trusted: proxies })).toBe('unknown');
  });

  it('refuses a malformed TRUST_PROXY at start, naming the entry', () => {
    expect(() => parseTrustedProxies('10.0.0.0/33')).toThrow(/10\.0\.0\.0\/33/);
    expect(() => parseTrustedProxies('proxy.internal')).toThrow(/proxy\.internal/);
    expect(() => parseTrustedProxies('10.0.0.1/8/1')).toThrow();
  });
});
