// Preloaded (NODE_OPTIONS=--require) into the Node programs the run tests start under
// `asymmetric run`: vendor names never resolve, so a request the proxy failed to catch
// errors out instead of leaving the machine.
const dns = require('node:dns');

const BLOCKED = /(^|\.)(slack\.com|stripe\.com|example\.com)\.?$/i;
const lookup = dns.lookup;
dns.lookup = function blockedLookup(host, ...rest) {
  if (typeof host === 'string' && BLOCKED.test(host)) {
    const callback = rest[rest.length - 1];
    const error = Object.assign(new Error(`test refused to resolve ${host}`), { code: 'ENOTFOUND' });
    if (typeof callback === 'function') return process.nextTick(callback, error);
    throw error;
  }
  return lookup.call(this, host, ...rest);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = async (host, ...rest) => {
  if (typeof host === 'string' && BLOCKED.test(host)) throw new Error(`test refused to resolve ${host}`);
  return promisesLookup(host, ...rest);
};
